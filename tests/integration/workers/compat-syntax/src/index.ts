// Syntax newer than V8 10.2 in a Worker dohost bundles: esbuild lowers
// `using` declarations and decorators; a RegExp with the v flag reaches
// V8 as new RegExp(..., 'v'), which V8 10.2 refuses.
class Resource {
  constructor(public log: string[]) {}
  [Symbol.dispose]() {
    this.log.push('disposed');
  }
}

function tagged(value: (...args: unknown[]) => string, context: ClassMethodDecoratorContext) {
  void context;
  return function (this: unknown, ...args: unknown[]) {
    return 'decorated:' + value.apply(this, args);
  };
}

class Greeter {
  @tagged
  hello() {
    return 'hello';
  }
}

function vFlag(): string {
  try {
    return String(/[\p{L}--[a-z]]/v.test('A'));
  } catch (error) {
    return (error as Error).name;
  }
}

export default {
  fetch(): Response {
    const log: string[] = [];
    {
      using resource = new Resource(log);
      log.push('body');
    }
    return Response.json({ log, greeting: new Greeter().hello(), vFlag: vFlag() });
  },
};
