// node:process as workerd gives it: nextTick, env, exit,
// getBuiltinModule, platform and features. process.env holds the Worker's
// vars (JSON ones as their JSON text) when workerd populates it: with
// nodejs_compat from compatibility date 2025-04-01, or by flag.

import { moduleExports } from './module_table.js';

export function makeProcess(populateEnv, vars, getBuiltinModule) {
  const env = {};
  if (populateEnv) {
    for (const [name, json] of Object.entries(vars)) {
      const value = JSON.parse(json);
      env[name] = typeof value === 'string' ? value : json;
    }
  }
  return {
    nextTick(callback, ...args) {
      if (typeof callback !== 'function') {
        const error = new TypeError(
          'The "callback" argument must be of type function. Received ' +
            (callback === undefined || callback === null ? String(callback)
              : `type ${typeof callback}`));
        error.code = 'ERR_INVALID_ARG_TYPE';
        throw error;
      }
      queueMicrotask(() => callback(...args));
    },
    env,
    exit(code = 0) {
      // TODO(conform): process.exit() ends the request on workerd; here it
      // throws an error naming it.
      throw new Error(
        `process.exit(${code}) is not supported by dohost`);
    },
    getBuiltinModule,
    platform: 'linux',
    features: {},
  };
}

export const processModule = (process) => moduleExports(process);
