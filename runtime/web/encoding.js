// TextEncoder, TextDecoder, atob and btoa, in plain JavaScript since a bare
// V8 context has none of them. Also the UTF-8 helpers the other Web API
// modules use to turn strings into body bytes and back.
//
// TextDecoder decodes utf-8, utf-16le, utf-16be and every single-byte
// encoding (windows-1252 being what latin1, ascii and iso-8859-1 name, as
// the Encoding spec says). The multi-byte legacy encodings (shift_jis, gbk,
// big5, euc-jp, euc-kr, gb18030, iso-2022-jp) decode through ICU's
// converters (natives.icu*), as on workerd.

import { DOMException } from './dom_exception.js';
import { kInspect } from './inspect_hook.js';
import { kSingleByteTables } from './single_byte.js';
import {
  bufferSourceBytes,
  finishInterface,
  illegalInvocation,
  isBufferSource,
  isUint8Array,
  requireArgs,
  requireNew,
} from './webidl.js';

// ===========================================================================
// UTF-8

// Encodes a string as UTF-8; lone surrogates become U+FFFD (EF BF BD).
export function utf8Encode(string) {
  string = `${string}`;
  const length = string.length;
  let i = 0;
  // Fast path: ASCII strings map one to one.
  while (i < length && string.charCodeAt(i) < 0x80) i++;
  if (i === length) {
    const out = new Uint8Array(length);
    for (let j = 0; j < length; j++) out[j] = string.charCodeAt(j);
    return out;
  }
  const out = new Uint8Array(length * 3);
  const { written } = encodeUtf8Into(string, out);
  return out.slice(0, written);
}

function encodeUtf8Into(string, out) {
  const length = string.length;
  const capacity = out.length;
  let read = 0;
  let written = 0;
  while (read < length) {
    let code = string.charCodeAt(read);
    let units = 1;
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = read + 1 < length ? string.charCodeAt(read + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        units = 2;
      } else {
        code = 0xfffd;
      }
    }
    if (code < 0x80) {
      if (written + 1 > capacity) break;
      out[written++] = code;
    } else if (code < 0x800) {
      if (written + 2 > capacity) break;
      out[written++] = 0xc0 | (code >> 6);
      out[written++] = 0x80 | (code & 0x3f);
    } else if (code < 0x10000) {
      if (written + 3 > capacity) break;
      out[written++] = 0xe0 | (code >> 12);
      out[written++] = 0x80 | ((code >> 6) & 0x3f);
      out[written++] = 0x80 | (code & 0x3f);
    } else {
      if (written + 4 > capacity) break;
      out[written++] = 0xf0 | (code >> 18);
      out[written++] = 0x80 | ((code >> 12) & 0x3f);
      out[written++] = 0x80 | ((code >> 6) & 0x3f);
      out[written++] = 0x80 | (code & 0x3f);
    }
    read += units;
  }
  return { read, written };
}

// Builds a string from code units in slices; String.fromCharCode with a
// huge argument list would overflow the stack.
function unitsToString(units, length) {
  let out = '';
  for (let i = 0; i < length; i += 8192) {
    out += String.fromCharCode.apply(
      null,
      units.subarray(i, Math.min(i + 8192, length)),
    );
  }
  return out;
}

// A WHATWG UTF-8 decoder: each maximal invalid subpart becomes one U+FFFD
// (or an error when fatal). `state` carries an incomplete sequence across
// streamed chunks.
class Utf8Decoder {
  constructor() {
    this.reset();
  }

  reset() {
    this.needed = 0;
    this.seen = 0;
    this.codePoint = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }

  // Returns the decoded string, or null on the first error when fatal.
  decode(bytes, flush, fatal) {
    const units = new Uint16Array(bytes.length * 2 + 2);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (this.needed === 0) {
        if (byte < 0x80) {
          units[n++] = byte;
        } else if (byte >= 0xc2 && byte <= 0xdf) {
          this.needed = 1;
          this.codePoint = byte & 0x1f;
        } else if (byte >= 0xe0 && byte <= 0xef) {
          if (byte === 0xe0) this.lower = 0xa0;
          if (byte === 0xed) this.upper = 0x9f;
          this.needed = 2;
          this.codePoint = byte & 0xf;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          if (byte === 0xf0) this.lower = 0x90;
          if (byte === 0xf4) this.upper = 0x8f;
          this.needed = 3;
          this.codePoint = byte & 0x7;
        } else {
          if (fatal) return null;
          units[n++] = 0xfffd;
        }
        continue;
      }
      if (byte < this.lower || byte > this.upper) {
        // The byte ends the broken sequence and is looked at again.
        this.reset();
        if (fatal) return null;
        units[n++] = 0xfffd;
        i--;
        continue;
      }
      this.lower = 0x80;
      this.upper = 0xbf;
      this.codePoint = (this.codePoint << 6) | (byte & 0x3f);
      if (++this.seen !== this.needed) continue;
      const code = this.codePoint;
      this.reset();
      if (code < 0x10000) {
        units[n++] = code;
      } else {
        units[n++] = 0xd800 + ((code - 0x10000) >> 10);
        units[n++] = 0xdc00 + ((code - 0x10000) & 0x3ff);
      }
    }
    if (flush && this.needed !== 0) {
      this.reset();
      if (fatal) return null;
      units[n++] = 0xfffd;
    }
    return unitsToString(units, n);
  }
}

// Decodes UTF-8 with replacement, keeping a leading BOM, as Body.text()
// does on workerd.
export function utf8Decode(bytes) {
  return new Utf8Decoder().decode(bytes, true, false);
}

// ===========================================================================
// Other encodings

// workerd copies UTF-16 code units as they are: a lone surrogate stays
// one, even when fatal. Only an odd trailing byte is an error.
class Utf16Decoder {
  constructor(bigEndian) {
    this.bigEndian = bigEndian;
    this.pending = -1;
  }

  reset() {
    this.pending = -1;
  }

  decode(bytes, flush, fatal) {
    let i = 0;
    const total = bytes.length + (this.pending >= 0 ? 1 : 0);
    const units = new Uint16Array((total >> 1) + 1);
    let n = 0;
    const at = (k) => (this.pending >= 0 ? (k === 0 ? this.pending
      : bytes[k - 1]) : bytes[k]);
    for (; i + 1 < total; i += 2) {
      const a = at(i);
      const b = at(i + 1);
      units[n++] = this.bigEndian ? (a << 8) | b : (b << 8) | a;
    }
    const leftover = i < total ? at(i) : -1;
    this.pending = -1;
    if (leftover >= 0) {
      if (!flush) {
        this.pending = leftover;
      } else {
        if (fatal) return null;
        units[n++] = 0xfffd;
      }
    }
    return unitsToString(units, n);
  }
}

// A single-byte encoding: ASCII below 0x80, a table above. An unmapped
// byte (U+FFFD in the table) is an error when fatal.
class SingleByteDecoder {
  constructor(table) {
    this.table = table;
  }

  reset() {}

  decode(bytes, flush, fatal) {
    const units = new Uint16Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      const unit = byte < 0x80 ? byte : this.table.charCodeAt(byte - 0x80);
      if (unit === 0xfffd && fatal) return null;
      units[i] = unit;
    }
    return unitsToString(units, bytes.length);
  }
}

// Labels from the WHATWG Encoding standard, by encoding name.
const kLabels = {
  'utf-8': 'unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 ' +
    'x-unicode20utf8',
  'utf-16le': 'csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 ' +
    'utf-16le',
  'utf-16be': 'unicodefffe utf-16be',
  'windows-1252': 'ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 ' +
    'iso-8859-1 iso-ir-100 iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 ' +
    'l1 latin1 us-ascii windows-1252 x-cp1252',
  'x-user-defined': 'x-user-defined',
  ibm866: '866 cp866 csibm866 ibm866',
  'iso-8859-2': 'csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 ' +
    'iso_8859-2 iso_8859-2:1987 l2 latin2',
  'iso-8859-3': 'csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 ' +
    'iso_8859-3 iso_8859-3:1988 l3 latin3',
  'iso-8859-4': 'csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 ' +
    'iso_8859-4 iso_8859-4:1988 l4 latin4',
  'iso-8859-5': 'csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 ' +
    'iso8859-5 iso88595 iso_8859-5 iso_8859-5:1988',
  'iso-8859-6': 'arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ' +
    'ecma-114 iso-8859-6 iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 ' +
    'iso88596 iso_8859-6 iso_8859-6:1987',
  'iso-8859-7': 'csisolatingreek ecma-118 elot_928 greek greek8 ' +
    'iso-8859-7 iso-ir-126 iso8859-7 iso88597 iso_8859-7 iso_8859-7:1987 ' +
    'sun_eu_greek',
  'iso-8859-8': 'csiso88598e csisolatinhebrew hebrew iso-8859-8 ' +
    'iso-8859-8-e iso-ir-138 iso8859-8 iso88598 iso_8859-8 ' +
    'iso_8859-8:1988 visual',
  'iso-8859-8-i': 'csiso88598i iso-8859-8-i logical',
  'iso-8859-10': 'csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 ' +
    'iso885910 l6 latin6',
  'iso-8859-13': 'iso-8859-13 iso8859-13 iso885913',
  'iso-8859-14': 'iso-8859-14 iso8859-14 iso885914',
  'iso-8859-15': 'csisolatin9 iso-8859-15 iso8859-15 iso885915 ' +
    'iso_8859-15 l9',
  'iso-8859-16': 'iso-8859-16',
  'koi8-r': 'cskoi8r koi koi8 koi8-r koi8_r',
  'koi8-u': 'koi8-ru koi8-u',
  macintosh: 'csmacintosh mac macintosh x-mac-roman',
  'windows-874': 'dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 ' +
    'windows-874',
  'windows-1250': 'cp1250 windows-1250 x-cp1250',
  'windows-1251': 'cp1251 windows-1251 x-cp1251',
  'windows-1253': 'cp1253 windows-1253 x-cp1253',
  'windows-1254': 'cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 ' +
    'iso88599 iso_8859-9 iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254',
  'windows-1255': 'cp1255 windows-1255 x-cp1255',
  'windows-1256': 'cp1256 windows-1256 x-cp1256',
  'windows-1257': 'cp1257 windows-1257 x-cp1257',
  'windows-1258': 'cp1258 windows-1258 x-cp1258',
  'x-mac-cyrillic': 'x-mac-cyrillic x-mac-ukrainian',
};

// Multi-byte encodings, decoded by ICU.
const kIcuLabels = {
  gbk: 'chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk ' +
    'iso-ir-58 x-gbk',
  gb18030: 'gb18030',
  big5: 'big5 big5-hkscs cn-big5 csbig5 x-x-big5',
  'euc-jp': 'cseucpkdfmtjapanese euc-jp x-euc-jp',
  'iso-2022-jp': 'csiso2022jp iso-2022-jp',
  shift_jis: 'csshiftjis ms932 ms_kanji shift-jis shift_jis sjis ' +
    'windows-31j x-sjis',
  'euc-kr': 'cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ' +
    'ks_c_5601-1989 ksc5601 ksc_5601 windows-949',
};

function labelMap(table) {
  const map = new Map();
  for (const [name, labels] of Object.entries(table)) {
    for (const label of labels.split(' ')) map.set(label, name);
  }
  return map;
}

const kEncodingByLabel = labelMap({ ...kLabels, ...kIcuLabels });
const kIcuEncodings = new Set(Object.keys(kIcuLabels));

let natives = null;

export function initEncoding(hostNatives) {
  natives = hostNatives;
}

// The multi-byte legacy encodings decode in ICU, as on workerd.
class IcuDecoder {
  constructor(encoding, fatal) {
    this.handle = natives.icuDecoderCreate(encoding, fatal);
    if (this.handle === null) {
      throw new RangeError(`"${encoding}" is not a valid encoding.`);
    }
  }

  reset() {
    natives.icuDecode(this.handle);
  }

  decode(bytes, flush) {
    return natives.icuDecode(this.handle, bytes, flush);
  }
}

function newDecoder(encoding, fatal) {
  if (kIcuEncodings.has(encoding)) return new IcuDecoder(encoding, fatal);
  switch (encoding) {
    case 'utf-8':
      return new Utf8Decoder();
    case 'utf-16le':
      return new Utf16Decoder(false);
    case 'utf-16be':
      return new Utf16Decoder(true);
    default:
      return new SingleByteDecoder(kSingleByteTables[encoding]);
  }
}

// ===========================================================================
// TextEncoder and TextDecoder

export class TextEncoder {
  constructor() {
    requireNew(new.target, 'TextEncoder');
  }

  get encoding() {
    if (!(this instanceof TextEncoder)) throw illegalInvocation();
    return 'utf-8';
  }

  encode(input = '') {
    if (!(this instanceof TextEncoder)) throw illegalInvocation();
    return utf8Encode(input);
  }

  encodeInto(source, destination) {
    if (!(this instanceof TextEncoder)) throw illegalInvocation();
    requireArgs(arguments, 1, 'encodeInto', 'TextEncoder', ['string']);
    if (!isUint8Array(destination)) {
      throw new TypeError(
        "Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is " +
          "not of type 'Uint8Array'.",
      );
    }
    return encodeUtf8Into(`${source}`, destination);
  }

  [kInspect]() {
    return { name: 'TextEncoder', props: [['encoding', 'utf-8']] };
  }
}

const kAsciiWhitespace = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;

function optionalDictionary(value, onWrongType) {
  if (value === undefined) return {};
  if (value === null) {
    throw new TypeError(
      'Cannot initialize ConstructorOptions with required members from an ' +
        'undefined or null value.',
    );
  }
  if (typeof value !== 'object' && typeof value !== 'function') {
    throw onWrongType();
  }
  return value;
}

export class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #decoder;
  #bomSeen = false;

  constructor(label = 'utf-8', options = undefined) {
    requireNew(new.target, 'TextDecoder');
    label = `${label}`;
    const key = label.replace(kAsciiWhitespace, '').toLowerCase();
    const encoding = kEncodingByLabel.get(key);
    if (encoding === undefined) {
      throw new RangeError(`"${label}" is not a valid encoding.`);
    }
    options = optionalDictionary(
      options,
      () =>
        new TypeError(
          "Failed to construct 'TextDecoder': constructor parameter 2 is " +
            "not of type 'ConstructorOptions'.",
        ),
    );
    this.#encoding = encoding;
    this.#fatal = Boolean(options.fatal);
    this.#ignoreBOM = Boolean(options.ignoreBOM);
    this.#decoder = newDecoder(encoding, this.#fatal);
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#encoding in self)) {
      throw illegalInvocation();
    }
  }

  get encoding() {
    TextDecoder.#check(this);
    return this.#encoding;
  }

  get fatal() {
    TextDecoder.#check(this);
    return this.#fatal;
  }

  get ignoreBOM() {
    TextDecoder.#check(this);
    return this.#ignoreBOM;
  }

  decode(input = undefined, options = undefined) {
    TextDecoder.#check(this);
    let bytes;
    if (input === undefined) {
      bytes = new Uint8Array(0);
    } else if (isBufferSource(input)) {
      bytes = bufferSourceBytes(input);
    } else {
      throw new TypeError(
        "Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of " +
          "type 'BufferSource or ArrayBuffer or ArrayBufferView'.",
      );
    }
    if (options !== undefined && options !== null &&
        typeof options !== 'object') {
      throw new TypeError(
        "Failed to execute 'decode' on 'TextDecoder': parameter 2 is not of " +
          "type 'DecodeOptions'.",
      );
    }
    const stream = Boolean(options && options.stream);
    let text = this.#decoder.decode(bytes, !stream, this.#fatal);
    if (text === null) {
      this.#decoder.reset();
      this.#bomSeen = false;
      throw new TypeError('Failed to decode input.');
    }
    text = this.#stripBOM(text);
    if (!stream) this.#bomSeen = false;
    return text;
  }

  // The BOM is dropped once, at the start of the stream, and only for the
  // Unicode encodings.
  #stripBOM(text) {
    if (this.#bomSeen || text.length === 0) return text;
    this.#bomSeen = true;
    const unicode = this.#encoding.startsWith('utf-');
    if (unicode && !this.#ignoreBOM && text.charCodeAt(0) === 0xfeff) {
      return text.slice(1);
    }
    return text;
  }

  [kInspect]() {
    return {
      name: 'TextDecoder',
      props: [
        ['encoding', this.#encoding],
        ['fatal', this.#fatal],
        ['ignoreBOM', this.#ignoreBOM],
      ],
    };
  }
}

finishInterface(TextEncoder);
finishInterface(TextDecoder);

// ===========================================================================
// Base64

const kBase64 =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const kBase64Values = new Int8Array(128).fill(-1);
for (let i = 0; i < kBase64.length; i++) {
  kBase64Values[kBase64.charCodeAt(i)] = i;
}

const kAtobError =
  'atob() called with invalid base64-encoded data. (Only whitespace, ' +
  "'+', '/', alphanumeric ASCII, and up to two terminal '=' signs when the " +
  'input data length is divisible by 4 are allowed.)';

export function btoa(data) {
  requireArgs(arguments, 1, 'btoa', 'ServiceWorkerGlobalScope', ['String']);
  data = `${data}`;
  let out = '';
  for (let i = 0; i < data.length; i += 3) {
    const a = data.charCodeAt(i);
    const b = i + 1 < data.length ? data.charCodeAt(i + 1) : 0;
    const c = i + 2 < data.length ? data.charCodeAt(i + 2) : 0;
    if (a > 0xff || b > 0xff || c > 0xff) {
      throw new DOMException(
        'btoa() can only operate on characters in the Latin1 ' +
          '(ISO/IEC 8859-1) range.',
        'InvalidCharacterError',
      );
    }
    const bits = (a << 16) | (b << 8) | c;
    out += kBase64[bits >> 18] + kBase64[(bits >> 12) & 63];
    out += i + 1 < data.length ? kBase64[(bits >> 6) & 63] : '=';
    out += i + 2 < data.length ? kBase64[bits & 63] : '=';
  }
  return out;
}

// The forgiving-base64 decode of the HTML standard.
export function atob(data) {
  requireArgs(arguments, 1, 'atob', 'ServiceWorkerGlobalScope', ['string']);
  let input = `${data}`.replace(/[\t\n\f\r ]/g, '');
  if (input.length % 4 === 0) input = input.replace(/={1,2}$/, '');
  if (input.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(input)) {
    throw new DOMException(kAtobError, 'InvalidCharacterError');
  }
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < input.length; i++) {
    buffer = (buffer << 6) | kBase64Values[input.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}
