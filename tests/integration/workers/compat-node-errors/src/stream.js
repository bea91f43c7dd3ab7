// Imports a Node.js module workerd has and dohost does not provide.
import { Readable } from 'node:stream';

export default { fetch: () => new Response(typeof Readable) };
