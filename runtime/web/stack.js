// Error stacks without the runtime's own frames. workerd's built-ins are
// C++, so a Worker's stack trace lists only its own code; dohost's are
// JavaScript in "dohost:runtime", and their frames are left out here. The
// text is otherwise V8's default: "Name: message" then "    at ..." lines.

import { hasSourceMap, originalPosition } from './source_map.js';

const kRuntimeFile = 'dohost:runtime';

function header(error) {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

// V8's own text for a frame, with a bundled file's position mapped back to
// the source file it came from.
function formatFrame(frame) {
  const fileName = frame.getFileName();
  if (!fileName || !hasSourceMap(fileName)) return `${frame}`;
  const original = originalPosition(fileName, frame.getLineNumber(),
    frame.getColumnNumber());
  if (!original) return `${frame}`;
  const location = `${original.fileName}:${original.line}:${original.column}`;
  // The rest follows V8's own layout of a frame.
  const prefix = frame.isAsync() ? 'async ' : '';
  const functionName = frame.getFunctionName();
  if (frame.isConstructor()) {
    return `${prefix}new ${functionName || '<anonymous>'} (${location})`;
  }
  if (!frame.isToplevel()) {
    const typeName = frame.getTypeName();
    const methodName = frame.getMethodName();
    let name;
    if (functionName) {
      name = typeName && !functionName.startsWith(`${typeName}.`) ?
        `${typeName}.${functionName}` : functionName;
      if (methodName && !functionName.endsWith(methodName)) {
        name += ` [as ${methodName}]`;
      }
    } else {
      name = `${typeName || '<anonymous>'}.${methodName || '<anonymous>'}`;
    }
    return `${prefix}${name} (${location})`;
  }
  return functionName ? `${prefix}${functionName} (${location})` :
    `${prefix}${location}`;
}

export function installStackFilter() {
  Error.prepareStackTrace = (error, frames) => {
    const lines = [header(error)];
    for (const frame of frames) {
      if (frame.getFileName() === kRuntimeFile) continue;
      lines.push(`    at ${formatFrame(frame)}`);
    }
    return lines.join('\n');
  };
}
