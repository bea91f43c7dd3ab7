// Shapes a Node.js module's exports as workerd gives them: the module
// object as `default`, and each of its properties as a named export.
export function moduleExports(object) {
  return { ...object, default: object };
}
