export class Room {}
export class Lobby {}
export default { fetch() { return new Response("ok"); } };
