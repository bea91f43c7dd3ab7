// DurableObjectNamespace: the `env` binding of a Durable Object class, and
// its jurisdictional subnamespaces. IDs are made and checked by the host
// (natives.ns*, src/actor/namespaces.cpp); stubs come from
// durable_objects.js. Argument handling and messages follow workerd.

import { DurableObjectId, makeId } from './durable_object_id.js';
import { makeStub } from './durable_objects.js';

let natives;

export function initNamespaces(hostNatives) {
  natives = hostNatives;
}

const kToken = Symbol('DurableObjectNamespace');

function notOfType(method, index, type) {
  return new TypeError(
    `Failed to execute '${method}' on 'DurableObjectNamespace': parameter ` +
      `${index} is not of type '${type}'.`);
}

// A required string argument, converted as workerd converts it: a missing
// argument is a TypeError, anything else goes through String() (a Symbol
// throws "Cannot convert a Symbol value to a string").
function stringArg(args, method) {
  if (args.length === 0) throw notOfType(method, 1, 'string');
  return `${args[0]}`;
}

// An options dictionary: undefined and null mean none; any other
// non-object is a TypeError naming the dictionary type.
function dictionaryArg(value, method, index, type) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' && typeof value !== 'function') {
    throw notOfType(method, index, type);
  }
  return value;
}

function optionalString(value) {
  return value === undefined ? undefined : `${value}`;
}

// get() / getByName() options, in workerd's order of checks.
function getOptions(options, method) {
  const dict = dictionaryArg(options, method, 2, 'GetDurableObjectOptions');
  if (dict === undefined) return {};
  return {
    locationHint: optionalString(dict.locationHint),
    routingMode: optionalString(dict.routingMode),
  };
}

export class DurableObjectNamespace {
  #handle;
  #jurisdiction;  // "" outside any jurisdiction

  constructor(token, handle, jurisdiction) {
    if (token !== kToken) throw new TypeError('Illegal constructor');
    this.#handle = handle;
    this.#jurisdiction = jurisdiction;
  }

  newUniqueId(options) {
    const dict = dictionaryArg(options, 'newUniqueId', 1, 'NewUniqueIdOptions');
    let jurisdiction = this.#jurisdiction;
    const requested = dict?.jurisdiction;
    if (requested !== undefined && requested !== null) {
      const name = natives.nsCheckJurisdiction(`${requested}`);
      if (this.#jurisdiction && name !== this.#jurisdiction) {
        throw new TypeError(
          `newUniqueId called on a subnamespace of the "${this.#jurisdiction}"` +
            ` jurisdiction with the "${name}" jurisdiction`);
      }
      jurisdiction = name;
    }
    const hex = natives.nsNewUniqueId(this.#handle, jurisdiction);
    return makeId(hex, undefined, jurisdiction);
  }

  idFromName(name) {
    name = stringArg(arguments, 'idFromName');
    const hex = natives.nsIdFromName(this.#handle, name, this.#jurisdiction);
    return makeId(hex, name, this.#jurisdiction);
  }

  idFromString(id) {
    const text = stringArg(arguments, 'idFromString');
    const [hex, jurisdiction] = natives.nsParseId(this.#handle, text);
    if (this.#jurisdiction && jurisdiction !== this.#jurisdiction) {
      const from = jurisdiction ? `the "${jurisdiction}" jurisdiction` : 'no jurisdiction';
      throw new TypeError(
        'idFromString called on jurisdictional subnamespace with an ID from ' +
          `a different jurisdiction (the subnamespace is "${this.#jurisdiction}", ` +
          `the ID is of ${from})`);
    }
    return makeId(hex, undefined, jurisdiction);
  }

  get(id, options) {
    if (!DurableObjectId.isId(id)) throw notOfType('get', 1, 'DurableObjectId');
    return this.#stub(id, getOptions(options, 'get'));
  }

  getByName(name, options) {
    name = stringArg(arguments, 'getByName');
    const parsed = getOptions(options, 'getByName');
    return this.#stub(this.idFromName(name), parsed);
  }

  jurisdiction(name) {
    if (name === undefined || name === null) {
      return subnamespace(this.#handle, this.#jurisdiction);
    }
    const jurisdiction = natives.nsCheckJurisdiction(`${name}`);
    if (this.#jurisdiction && jurisdiction !== this.#jurisdiction) {
      throw new TypeError(
        `jurisdiction("${jurisdiction}") called on a subnamespace that is ` +
          `already restricted to the "${this.#jurisdiction}" jurisdiction`);
    }
    return subnamespace(this.#handle, jurisdiction);
  }

  #stub(id, options) {
    if (this.#jurisdiction &&
        DurableObjectId.jurisdictionOf(id) !== this.#jurisdiction) {
      // workerd's (and production's) message.
      throw new TypeError(
        'get called on jurisdictional subnamespace with an ID from a ' +
          'different jurisdiction');
    }
    if (options.routingMode !== undefined &&
        options.routingMode !== 'primary-only') {
      throw new RangeError(`unknown routingMode: ${options.routingMode}`);
    }
    if (options.locationHint !== undefined) {
      natives.nsLocationHint(
        this.#handle, DurableObjectId.hexOf(id), options.locationHint);
    }
    return makeStub(this.#handle, id);
  }
}

Object.defineProperty(DurableObjectNamespace.prototype, Symbol.toStringTag, {
  value: 'DurableObjectNamespace',
  configurable: true,
});

// The namespaces of ctx.exports, as workerd names their class.
export class LoopbackDurableObjectNamespace extends DurableObjectNamespace {}

Object.defineProperty(LoopbackDurableObjectNamespace.prototype, Symbol.toStringTag, {
  value: 'LoopbackDurableObjectNamespace',
  configurable: true,
});

export function makeLoopbackNamespace(handle) {
  return new LoopbackDurableObjectNamespace(kToken, handle, '');
}

// Outside the class body, so the bundler keeps the class's name.
function subnamespace(handle, jurisdiction) {
  return new DurableObjectNamespace(kToken, handle, jurisdiction);
}

export function makeNamespace(handle) {
  return subnamespace(handle, '');
}
