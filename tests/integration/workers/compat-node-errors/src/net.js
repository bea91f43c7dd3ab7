// Imports a Node.js module workerd has and dohost does not provide.
import { connect } from 'node:net';

export default { fetch: () => new Response(typeof connect) };
