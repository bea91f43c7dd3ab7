// What npm packages bundled into the runtime get for require('process')
// (the bundler aliases it here): readable-stream needs process.nextTick.
// The `process` npm package would read a global `process` Workers may not
// have.
module.exports = {
  nextTick(callback, ...args) {
    queueMicrotask(() => callback(...args));
  },
  env: {},
};
