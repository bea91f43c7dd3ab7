// Compatibility with what Workers expect of workerd beyond the Web
// platform: ECMAScript built-ins newer than the embedded V8, and the
// Node.js modules of nodejs_compat. The host calls installCompat() from
// setup(), after the Web globals exist and before Worker code runs.

import { installArrayBufferTransfer } from './array_buffer.js';
import { hideBuiltinsState } from './builtins.js';
import { nodeModules } from '../node/index.js';

// Returns the built-in modules to add to the module table.
export function installCompat(natives) {
  hideBuiltinsState();
  installArrayBufferTransfer(natives);
  return nodeModules(natives);
}
