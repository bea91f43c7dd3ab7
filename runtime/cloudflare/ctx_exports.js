// `ctx.exports` (compatibility date 2025-11-17 or later, or the
// enable_ctx_exports flag): a namespace for every Durable Object class the
// Worker defines, bound in its config or not, as workerd gives them.

let ctxExports = null;

// `namespaces`: {className: namespace}, or null when ctx.exports is off.
export function setCtxExports(namespaces) {
  ctxExports = namespaces;
}

// Gives `ctx` its own `exports` property (writable, enumerable, as on
// workerd), the same object for every event.
//
// TODO(conform): workerd's ctx.exports also holds loopback stubs for the
// default export and the WorkerEntrypoint classes, and its namespaces are
// callable (facets); dohost has only the namespaces.
export function attachCtxExports(ctx) {
  if (ctxExports !== null) ctx.exports = ctxExports;
}
