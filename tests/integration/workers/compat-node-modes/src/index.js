// node:async_hooks and node:process under the flags that give them without
// the rest of nodejs_compat: which globals exist, what process.env holds,
// and AsyncLocalStorage across awaits and timers.
import { AsyncLocalStorage } from 'node:async_hooks';
import process from 'node:process';

const als = new AsyncLocalStorage();

export default {
  async fetch() {
    const stores = await als.run('outer', async () => {
      const seen = [als.getStore()];
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(als.getStore());
      seen.push(await als.run('inner', async () => {
        await null;
        return als.getStore();
      }));
      seen.push(als.getStore());
      return seen;
    });
    return Response.json({
      Buffer: typeof globalThis.Buffer,
      process: typeof globalThis.process,
      global: typeof globalThis.global,
      setImmediate: typeof globalThis.setImmediate,
      env: process.env,
      nextTick: typeof process.nextTick,
      platform: process.platform,
      stores,
      after: als.getStore() ?? null,
    });
  },
};
