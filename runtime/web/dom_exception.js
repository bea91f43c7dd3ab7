// DOMException, shaped like workerd's: `code`, `name`, `message` and `stack`
// are own enumerable properties (not prototype accessors as WebIDL says),
// and the legacy code constants sit on both the class and its prototype.

import { kInspect } from './inspect_hook.js';
import { finishInterface, requireNew } from './webidl.js';

// The names that have a legacy code; every other name gets code 0, as in
// workerd (EncodingError, NotReadableError, OperationError, ...).
const kLegacyCodes = [
  ['IndexSizeError', 'INDEX_SIZE_ERR'],
  ['DOMStringSizeError', 'DOMSTRING_SIZE_ERR'],
  ['HierarchyRequestError', 'HIERARCHY_REQUEST_ERR'],
  ['WrongDocumentError', 'WRONG_DOCUMENT_ERR'],
  ['InvalidCharacterError', 'INVALID_CHARACTER_ERR'],
  ['NoDataAllowedError', 'NO_DATA_ALLOWED_ERR'],
  ['NoModificationAllowedError', 'NO_MODIFICATION_ALLOWED_ERR'],
  ['NotFoundError', 'NOT_FOUND_ERR'],
  ['NotSupportedError', 'NOT_SUPPORTED_ERR'],
  ['InUseAttributeError', 'INUSE_ATTRIBUTE_ERR'],
  ['InvalidStateError', 'INVALID_STATE_ERR'],
  ['SyntaxError', 'SYNTAX_ERR'],
  ['InvalidModificationError', 'INVALID_MODIFICATION_ERR'],
  ['NamespaceError', 'NAMESPACE_ERR'],
  ['InvalidAccessError', 'INVALID_ACCESS_ERR'],
  ['ValidationError', 'VALIDATION_ERR'],
  ['TypeMismatchError', 'TYPE_MISMATCH_ERR'],
  ['SecurityError', 'SECURITY_ERR'],
  ['NetworkError', 'NETWORK_ERR'],
  ['AbortError', 'ABORT_ERR'],
  ['URLMismatchError', 'URL_MISMATCH_ERR'],
  ['QuotaExceededError', 'QUOTA_EXCEEDED_ERR'],
  ['TimeoutError', 'TIMEOUT_ERR'],
  ['InvalidNodeTypeError', 'INVALID_NODE_TYPE_ERR'],
  ['DataCloneError', 'DATA_CLONE_ERR'],
];

const kCodeByName = new Map(kLegacyCodes.map(([name], i) => [name, i + 1]));

function defineReadOnly(target, key, value) {
  Object.defineProperty(target, key, {
    value,
    writable: false,
    enumerable: true,
    configurable: true,
  });
}

// Not `extends Error`: calling Error() would create `stack` and `message`
// first and in another shape. The prototype chain still reaches
// Error.prototype, so `instanceof Error` holds as on workerd.
export class DOMException {
  constructor(message = '', name = 'Error') {
    requireNew(new.target, 'DOMException');
    message = `${message}`;
    name = `${name}`;
    defineReadOnly(this, 'code', kCodeByName.get(name) ?? 0);
    defineReadOnly(this, 'name', name);
    defineReadOnly(this, 'message', message);
    // Captured after name and message exist, so the first line of the
    // stack reads "Name: message".
    Error.captureStackTrace(this, new.target);
    const stack = Object.getOwnPropertyDescriptor(this, 'stack');
    if (stack !== undefined) {
      Object.defineProperty(this, 'stack', { ...stack, enumerable: true });
    }
  }

  // workerd prints a DOMException as an object of its own properties,
  // not as an error with a stack.
  [kInspect]() {
    return {
      name: 'DOMException',
      props: [
        ['code', this.code],
        ['name', this.name],
        ['message', this.message],
        ['stack', this.stack],
      ],
    };
  }
}

Object.setPrototypeOf(DOMException.prototype, Error.prototype);
Object.defineProperty(DOMException.prototype, Symbol.toStringTag, {
  value: 'DOMException',
  configurable: true,
});
for (const [name, constant] of kLegacyCodes) {
  const descriptor = { value: kCodeByName.get(name), enumerable: true };
  Object.defineProperty(DOMException, constant, descriptor);
  Object.defineProperty(DOMException.prototype, constant, descriptor);
}
finishInterface(DOMException);
