// node:path on the `path-browserify` npm package (Node's POSIX path
// module for bundlers). Workers have no cwd: resolve() starts from "/".

import { moduleExports } from './module_table.js';

function matchesGlob() {
  // TODO(conform): path.matchesGlob(); throws instead.
  throw new Error('path.matchesGlob() is not supported by dohost');
}

export function pathModule() {
  const path = require('path-browserify');
  const posix = {
    ...path,
    // Workers have no working directory: relative paths resolve from "/",
    // where path-browserify would ask process.cwd().
    resolve: (...paths) => path.resolve('/', ...paths),
    toNamespacedPath: (p) => p,
    matchesGlob,
  };
  posix.posix = posix;
  // TODO(conform): path.win32 is the POSIX module here.
  posix.win32 = posix;
  return moduleExports(posix);
}
