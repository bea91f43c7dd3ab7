// TypeScript, so dohost bundles it with esbuild as wrangler would, pulling
// in a CommonJS module that require()s Node.js modules.
import { describe, missing } from './legacy.cjs';

export default {
  async fetch(): Promise<Response> {
    return Response.json({ described: describe('héllo'), fs: missing() });
  },
};
