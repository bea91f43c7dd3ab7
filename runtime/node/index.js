// The Node.js modules of nodejs_compat, chosen by the Worker's
// compatibility date and flags as workerd chooses them:
// - node:process is always there;
// - nodejs_als alone gives node:async_hooks;
// - nodejs_compat gives every module below under its node: name;
// - nodejs_compat_v2 (implied by nodejs_compat from 2024-09-23) adds the
//   bare names ("buffer") and the globals Buffer, process, global,
//   setImmediate and clearImmediate.
// A module workerd has and dohost does not is an error naming it; one
// neither has fails as on workerd, with "No such module".

import { asyncHooksModule } from './async_hooks.js';
import { assertModule, assertStrictModule } from './assert.js';
import { bufferModule, getBuffer } from './buffer.js';
import { cryptoModule } from './crypto.js';
import { eventsModule } from './events.js';
import { pathModule } from './path.js';
import { moduleModule } from './module.js';
import { makeProcess, processModule } from './process.js';
import { querystringModule } from './querystring.js';
import {
  streamConsumersModule,
  streamModule,
  streamPromisesModule,
} from './stream.js';
import { stringDecoderModule } from './string_decoder.js';
import {
  clearImmediate,
  setImmediate,
  timersModule,
  timersPromisesModule,
} from './timers.js';
import { urlModule } from './url.js';
import { typesModule, utilModule } from './util.js';

// Modules workerd provides with nodejs_compat that dohost does not (yet).
const kMissing = [
  'stream/web',
  'zlib', 'net', 'tls', 'dns', 'dns/promises', 'diagnostics_channel',
  'constants', 'http', 'https', 'fs', 'fs/promises', 'os',
  'perf_hooks', 'punycode', 'readline', 'tty', 'worker_threads', 'vm',
  'v8', 'child_process', 'cluster', 'dgram', 'http2', 'inspector',
];

function flagSet(settings) {
  return new Set(settings.flags);
}

function onByDate(settings, flags, on, off, date) {
  if (flags.has(on)) return true;
  if (flags.has(off)) return false;
  return settings.date !== '' && settings.date >= date;
}

function missingMessage(name) {
  // TODO(conform): the Node.js modules listed in kMissing; importing one
  // fails with this error.
  return `No such module "node:${name}": dohost does not provide this ` +
    'Node.js module yet (nodejs_compat); see docs/compatibility.md';
}

// A host that says nothing (natives.compatibility() absent, as in unit
// tests of the embedding) gets no date, no flags and no vars.
const kNoSettings = { date: '', flags: [], vars: {} };

export function nodeModules(natives) {
  const settings = typeof natives.compatibility === 'function'
    ? natives.compatibility() : kNoSettings;
  const flags = flagSet(settings);
  const compat = flags.has('nodejs_compat') || flags.has('nodejs_compat_v2');
  const v2 = flags.has('nodejs_compat_v2') || (compat &&
    onByDate(settings, flags, 'nodejs_compat_v2', 'no_nodejs_compat_v2',
      '2024-09-23'));
  const populateEnv = compat && onByDate(settings, flags,
    'nodejs_compat_populate_process_env',
    'nodejs_compat_do_not_populate_process_env', '2025-04-01');

  const modules = {};
  const process = makeProcess(populateEnv, settings.vars,
    (name) => modules[String(name).startsWith('node:') ? name
      : `node:${name}`]?.default);
  modules['node:process'] = processModule(process);
  if (flags.has('nodejs_als') || compat) {
    modules['node:async_hooks'] = asyncHooksModule();
  }
  if (compat) {
    Object.assign(modules, {
      'node:assert': assertModule(),
      'node:assert/strict': assertStrictModule(),
      'node:buffer': bufferModule(),
      'node:crypto': cryptoModule(natives),
      'node:events': eventsModule(),
      'node:path': pathModule(),
      'node:path/posix': pathModule(),
      'node:querystring': querystringModule(),
      'node:stream': streamModule(),
      'node:stream/consumers': streamConsumersModule(getBuffer),
      'node:stream/promises': streamPromisesModule(),
      'node:string_decoder': stringDecoderModule(),
      'node:timers': timersModule(),
      'node:timers/promises': timersPromisesModule(),
      'node:url': urlModule(),
      'node:util': utilModule(),
      'node:util/types': typesModule(),
    });
    for (const name of kMissing) modules[`node:${name}`] = missingMessage(name);
    modules['node:module'] = moduleModule(modules);
  }
  if (v2) {
    for (const name of Object.keys(modules)) {
      if (name !== 'node:process') modules[name.slice(5)] = modules[name];
    }
    modules.process = modules['node:process'];
    for (const [name, value] of Object.entries({
      Buffer: modules['node:buffer'].Buffer,
      process,
      global: globalThis,
      setImmediate,
      clearImmediate,
    })) {
      Object.defineProperty(globalThis, name, {
        value, writable: true, configurable: true, enumerable: false,
      });
    }
  }
  return modules;
}
