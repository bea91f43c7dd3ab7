// node:url: the WHATWG URL classes of the global scope and Node's helpers
// around them.

import { URL, URLSearchParams } from '../web/url.js';
import { moduleExports } from './module_table.js';

function invalidArgType(name, value) {
  const error = new TypeError(
    `The "${name}" argument must be of type string or an instance of URL. ` +
      `Received ${value === null || value === undefined ? value
        : `type ${typeof value}`}`);
  error.code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

function fileURLToPath(input) {
  let url = input;
  if (typeof input === 'string') url = new URL(input);
  else if (!(input instanceof URL)) throw invalidArgType('path', input);
  if (url.protocol !== 'file:') {
    const error = new TypeError('The URL must be of scheme file');
    error.code = 'ERR_INVALID_URL_SCHEME';
    throw error;
  }
  if (url.hostname !== '') {
    const error = new TypeError(
      'File URL host must be "localhost" or empty on linux');
    error.code = 'ERR_INVALID_FILE_URL_HOST';
    throw error;
  }
  const path = url.pathname;
  if (/%2f/i.test(path)) {
    const error = new TypeError(
      'File URL path must not include encoded / characters');
    error.code = 'ERR_INVALID_FILE_URL_PATH';
    throw error;
  }
  return decodeURIComponent(path);
}

function pathToFileURL(path) {
  const url = new URL('file://');
  const absolute = path.startsWith('/') ? path : '/' + path;
  url.pathname = absolute.replace(/%/g, '%25').replace(/\n/g, '%0A')
    .replace(/\r/g, '%0D').replace(/\t/g, '%09').replace(/#/g, '%23')
    .replace(/\?/g, '%3F');
  return url;
}

function domainToASCII(domain) {
  try {
    return new URL(`ws://${domain}`).hostname;
  } catch {
    return '';
  }
}

function domainToUnicode(domain) {
  // TODO(conform): punycode labels stay encoded.
  return domainToASCII(domain);
}

function format(url, options = undefined) {
  if (url instanceof URL) {
    const copy = new URL(url.href);
    if (options?.fragment === false) copy.hash = '';
    if (options?.search === false) copy.search = '';
    if (options?.auth === false) {
      copy.username = '';
      copy.password = '';
    }
    return copy.href;
  }
  if (typeof url === 'string') return url;
  // TODO(conform): legacy url objects; only their href is used.
  return String(url?.href ?? '');
}

function urlToHttpOptions(url) {
  return {
    protocol: url.protocol,
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1)
      : url.hostname,
    hash: url.hash,
    search: url.search,
    pathname: url.pathname,
    path: `${url.pathname}${url.search}`,
    href: url.href,
    ...(url.port !== '' ? { port: Number(url.port) } : {}),
    ...(url.username || url.password ? {
      auth: `${decodeURIComponent(url.username)}:${
        decodeURIComponent(url.password)}`,
    } : {}),
  };
}

function legacy(name) {
  return () => {
    // TODO(conform): the legacy url.parse()/resolve() API; throws instead.
    throw new Error(
      `url.${name}() (the legacy URL API) is not supported by dohost; ` +
        'use new URL()');
  };
}

export const urlModule = () => moduleExports({
  domainToASCII,
  domainToUnicode,
  URL,
  URLSearchParams,
  fileURLToPath,
  pathToFileURL,
  toPathIfFileURL: (v) => (v instanceof URL ? fileURLToPath(v) : v),
  urlToHttpOptions,
  format,
  parse: legacy('parse'),
  resolve: legacy('resolve'),
  resolveObject: legacy('resolveObject'),
  Url: legacy('Url'),
});
