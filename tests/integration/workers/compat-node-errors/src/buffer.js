// Imports node:buffer without nodejs_compat, which workerd refuses.
import { Buffer } from 'node:buffer';

export default { fetch: () => new Response(typeof Buffer) };
