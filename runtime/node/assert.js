// node:assert and node:assert/strict: Node's assertions and AssertionError
// (code ERR_ASSERTION, actual, expected, operator, generatedMessage), with
// workerd's messages and its strict comparisons throughout. Deep equality
// is deep_equal.js.

import { inspect } from '../web/console.js';
import { isDeepStrictEqual } from './deep_equal.js';

export class AssertionError extends Error {
  constructor(options) {
    const { actual, expected, operator, stackStartFn } = options;
    let { message } = options;
    const generated = message === undefined || message === null;
    if (generated) message = describe(actual, expected, operator);
    else if (message instanceof Error) throw message;
    super(String(message));
    this.generatedMessage = options.generatedMessage ?? generated;
    this.code = 'ERR_ASSERTION';
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
    Error.captureStackTrace?.(this, stackStartFn);
  }

  get name() {
    return 'AssertionError';
  }
}

// workerd's messages for the comparisons.
function describe(actual, expected, operator) {
  if (operator === 'deepStrictEqual') {
    const a = inspect(actual);
    const e = inspect(expected);
    const title = 'Expected values to be strictly deep-equal:';
    if (typeof actual !== 'object' || actual === null ||
        typeof expected !== 'object' || expected === null) {
      return `${title}\n\n${a} !== ${e}\n`;
    }
    const left = `+ ${a}`;
    const right = `- ${e}`;
    let at = 0;
    while (at < left.length && at < right.length && (at < 2 ||
        left[at] === right[at])) {
      at++;
    }
    return `${title}\n+ actual - expected\n\n${left}\n${right}\n` +
      `${' '.repeat(at)}^`;
  }
  if (operator === '==') return `${inspect(actual)} == ${inspect(expected)}`;
  return `${inspect(actual)} ${operator} ${inspect(expected)}`;
}

// A failed strictEqual() as workerd words it: a diff of the two values,
// or a note that they only look alike.
function notStrictlyEqual(actual, expected) {
  const strings = typeof actual === 'string' && typeof expected === 'string';
  const a = strings ? actual : inspect(actual);
  const e = strings ? expected : inspect(expected);
  if (typeof actual === 'object' && actual !== null &&
      typeof expected === 'object' && inspect(actual) === inspect(expected)) {
    return 'Values have the same structure but are not reference-equal:' +
      `\n\n    ${inspect(actual)}\n`;
  }
  const tail = strings ? '\n' : '';
  return 'Values are not strictly equal:\n\n\n[Diff] Actual / Expected\n' +
    `\n\n-   ${a}\n+   ${e}\n${tail}`;
}

function fail(actual, expected, message, operator, stackStartFn,
  generatedMessage = undefined) {
  throw new AssertionError({
    actual, expected, message, operator, stackStartFn, generatedMessage,
  });
}

function ok(...args) {
  if (args.length === 0) {
    fail(undefined, true, 'No value argument passed to `assert.ok()`',
      undefined, ok);
  }
  if (!args[0]) fail(args[0], true, args[1], '==', ok);
}

// workerd's equal(), notEqual(), deepEqual() and notDeepEqual() compare
// strictly, as their strict-mode forms do.
function equal(actual, expected, message) {
  strictEqual(actual, expected, message);
}

function notEqual(actual, expected, message) {
  notStrictEqual(actual, expected, message);
}

function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) {
    fail(actual, expected, message ?? notStrictlyEqual(actual, expected),
      'strictEqual', strictEqual, false);
  }
}

function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) {
    fail(actual, expected, message ??
      'Expected actual to be strictly unequal to expected', 'notStrictEqual',
    notStrictEqual, false);
  }
}

function deepEqual(actual, expected, message) {
  deepStrictEqual(actual, expected, message);
}

function notDeepEqual(actual, expected, message) {
  notDeepStrictEqual(actual, expected, message);
}

function deepStrictEqual(actual, expected, message) {
  if (!isDeepStrictEqual(actual, expected)) {
    fail(actual, expected, message, 'deepStrictEqual', deepStrictEqual);
  }
}

function notDeepStrictEqual(actual, expected, message) {
  if (isDeepStrictEqual(actual, expected)) {
    fail(actual, expected, message ??
      'Expected actual to not be deeply strictly equal to expected',
    'notDeepStrictEqual', notDeepStrictEqual, false);
  }
}

// Whether `error` satisfies `expected` (a class, a RegExp, a validation
// function or an object of properties), as throws() and rejects() check.
function matches(error, expected) {
  if (expected === undefined) return true;
  if (expected instanceof RegExp) return expected.test(String(error));
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && error instanceof expected) return true;
    if (Error.isPrototypeOf(expected) || expected === Error) return false;
    return expected.call({}, error) === true;
  }
  if (typeof expected === 'object' && expected !== null) {
    return Reflect.ownKeys(expected).every((key) => {
      const want = expected[key];
      const got = error?.[key];
      if (want instanceof RegExp && typeof got === 'string') return want.test(got);
      return isDeepStrictEqual(got, want);
    });
  }
  return false;
}

function checkThrown(threw, error, expected, message, operator, fn) {
  if (typeof expected === 'string') {
    message = expected;
    expected = undefined;
  }
  if (!threw) {
    const name = expected?.name ? ` (${expected.name})` : '';
    fail(undefined, expected, message ?? `Missing expected ${
      operator === 'rejects' ? 'rejection' : 'exception'}${name}.`,
    operator, fn, false);
  }
  if (!matches(error, expected)) {
    if (typeof expected === 'object' && expected !== null &&
        !(expected instanceof RegExp)) {
      fail(error, expected, message, 'deepStrictEqual', fn);
    }
    throw error;
  }
}

function throws(fn, expected, message) {
  let threw = false;
  let error;
  try {
    fn();
  } catch (e) {
    threw = true;
    error = e;
  }
  checkThrown(threw, error, expected, message, 'throws', throws);
}

async function rejects(promiseOrFn, expected, message) {
  let threw = false;
  let error;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    threw = true;
    error = e;
  }
  checkThrown(threw, error, expected, message, 'rejects', rejects);
}

function doesNotThrow(fn, expected, message) {
  try {
    fn();
  } catch (error) {
    if (typeof expected === 'string') message = expected;
    fail(error, expected,
      message ?? `Got unwanted exception.\nActual message: "${error?.message}"`,
      'doesNotThrow', doesNotThrow);
  }
}

async function doesNotReject(promiseOrFn, expected, message) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    if (typeof expected === 'string') message = expected;
    fail(error, expected,
      message ?? `Got unwanted rejection.\nActual message: "${error?.message}"`,
      'doesNotReject', doesNotReject);
  }
}

function match(string, regexp, message) {
  if (!regexp.test(string)) {
    fail(string, regexp, message ?? `actual: ${JSON.stringify(string)} ` +
      `expected to match: ${JSON.stringify(String(regexp))}`, 'match', match,
    false);
  }
}

function doesNotMatch(string, regexp, message) {
  if (regexp.test(string)) {
    fail(string, regexp, message ?? `actual: ${JSON.stringify(string)} ` +
      `expected not to match: ${JSON.stringify(String(regexp))}`,
    'doesNotMatch', doesNotMatch, false);
  }
}

function ifError(value) {
  if (value !== null && value !== undefined) {
    if (value instanceof Error) throw value;
    fail(value, null, `ifError got unwanted exception: ${inspect(value)}`,
      'ifError', ifError);
  }
}

function failWith(message = undefined) {
  if (message instanceof Error) throw message;
  fail(undefined, undefined, message ?? 'Failed', 'fail', failWith,
    message === undefined);
}

function build() {
  const assert = (...args) => ok(...args);
  Object.assign(assert, {
    fail: failWith,
    ok,
    strictEqual,
    notStrictEqual,
    deepStrictEqual,
    notDeepStrictEqual,
    equal,
    notEqual,
    deepEqual,
    notDeepEqual,
    throws,
    rejects,
    doesNotThrow,
    doesNotReject,
    match,
    doesNotMatch,
    ifError,
    AssertionError,
  });
  return assert;
}

const assert = build();
assert.strict = build();
assert.strict.strict = assert.strict;

export const assertModule = () => ({ ...assert, default: assert });

// node:assert/strict is an object of its own, not assert.strict.
export function assertStrictModule() {
  const strict = build();
  strict.strict = strict;
  return { ...strict, default: strict };
}
