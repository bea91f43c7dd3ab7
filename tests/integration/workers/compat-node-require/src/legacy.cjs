// A CommonJS module written for Node, as npm packages are: it require()s
// Node.js modules by bare and node: names.
const { Buffer } = require('buffer');
const EventEmitter = require('events');
const crypto = require('node:crypto');
const util = require('util');

exports.describe = function describe(text) {
  const emitter = new EventEmitter();
  let out = null;
  emitter.on('text', (value) => {
    out = {
      hex: Buffer.from(value).toString('hex'),
      sha1: crypto.createHash('sha1').update(value).digest('hex'),
      shown: util.format('%s has %d bytes', value, Buffer.byteLength(value)),
    };
  });
  emitter.emit('text', text);
  return out;
};

exports.missing = function missing() {
  try {
    require('node:fs');
    return 'loaded';
  } catch (error) {
    return `${error.name}: ${error.message}`;
  }
};
