// Source maps of bundled Workers: a stack frame in esbuild's output is
// shown at the line and column of the user's own file, as wrangler shows it.

const kBase64 =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const kDigits = new Map([...kBase64].map((c, i) => [c, i]));

// file name -> { sources, mappings (text), lines (decoded on first use) }
const maps = new Map();

export function registerSourceMap(fileName, json) {
  const map = JSON.parse(json);
  maps.set(fileName, { sources: map.sources, mappings: map.mappings, lines: null });
}

export function hasSourceMap(fileName) {
  return maps.has(fileName);
}

// Base64 VLQ: one line's segments, each [genColumn, source, line, column],
// with the running values carried in `state`.
function decodeLine(text, state) {
  const segments = [];
  let genColumn = 0;
  for (const part of text.split(',')) {
    if (part === '') continue;
    const values = [];
    let value = 0;
    let shift = 0;
    for (const c of part) {
      const digit = kDigits.get(c);
      value += (digit & 31) << shift;
      if (digit & 32) {
        shift += 5;
      } else {
        values.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
    }
    genColumn += values[0];
    if (values.length < 4) continue;
    state.source += values[1];
    state.line += values[2];
    state.column += values[3];
    segments.push([genColumn, state.source, state.line, state.column]);
  }
  return segments;
}

function decode(map) {
  const state = { source: 0, line: 0, column: 0 };
  map.lines = map.mappings.split(';').map((line) => decodeLine(line, state));
}

// The original { fileName, line, column } (1-based) of a position in
// `fileName`, or null when it has no map or the position is not mapped.
export function originalPosition(fileName, line, column) {
  const map = maps.get(fileName);
  if (!map || line == null || column == null) return null;
  if (map.lines === null) decode(map);
  const segments = map.lines[line - 1];
  if (!segments || segments.length === 0) return null;
  let found = null;
  for (const segment of segments) {
    if (segment[0] > column - 1) break;
    found = segment;
  }
  if (found === null) found = segments[0];
  return {
    fileName: map.sources[found[1]],
    line: found[2] + 1,
    column: found[3] + 1,
  };
}
