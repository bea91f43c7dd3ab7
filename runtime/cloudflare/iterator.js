// The prototype of the host's iterators (cursor.raw(), storage.kv.list()).
// workerd's V8 gives them Iterator.prototype and its helpers; this V8 has
// none, so the helper Workers use on them, toArray(), is provided here.

export class HostIterator {
  toArray() {
    const values = [];
    for (let step = this.next(); !step.done; step = this.next()) {
      values.push(step.value);
    }
    return values;
  }

  [Symbol.iterator]() {
    return this;
  }
}
