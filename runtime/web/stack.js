// Error stacks without the runtime's own frames. workerd's built-ins are
// C++, so a Worker's stack trace lists only its own code; dohost's are
// JavaScript in "dohost:runtime", and their frames are left out here. The
// text is otherwise V8's default: "Name: message" then "    at ..." lines.

const kRuntimeFile = 'dohost:runtime';

function header(error) {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

export function installStackFilter() {
  Error.prepareStackTrace = (error, frames) => {
    const lines = [header(error)];
    for (const frame of frames) {
      if (frame.getFileName() === kRuntimeFile) continue;
      lines.push(`    at ${frame}`);
    }
    return lines.join('\n');
  };
}
