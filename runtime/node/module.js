// node:module: createRequire(), isBuiltin() and builtinModules over the
// Node.js modules this Worker's flags give. The bundler puts a require()
// made by createRequire() in front of bundled npm code, so CommonJS
// packages can require("buffer") as on workerd.

import { moduleExports } from './module_table.js';

function notFound(name) {
  const error = new Error(`Cannot find module '${name}'`);
  error.code = 'MODULE_NOT_FOUND';
  return error;
}

// `modules` is the module table of runtime/node/index.js.
export function moduleModule(modules) {
  const key = (name) => (name.startsWith('node:') ? name : `node:${name}`);
  const isBuiltin = (name) =>
    typeof name === 'string' && typeof modules[key(name)] === 'object';
  const createRequire = () => {
    const require = (name) => {
      const entry = modules[key(String(name))];
      if (typeof entry === 'string') throw new Error(entry);
      if (entry === undefined) throw notFound(name);
      return entry.default;
    };
    require.resolve = (name) => {
      if (!isBuiltin(name)) throw notFound(name);
      return name;
    };
    require.cache = Object.create(null);
    return require;
  };
  return moduleExports({
    builtinModules: Object.keys(modules)
      .filter((name) => name.startsWith('node:') &&
        typeof modules[name] === 'object')
      .map((name) => name.slice(5)),
    createRequire,
    isBuiltin,
  });
}
