async function attempt(fn) { try { const v = await fn(); return v === undefined ? 'undefined' : v; } catch (e) { return { error: { name: e.name, message: e.message } }; } }
const enc = (s) => new TextEncoder().encode(s);
const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
let atGlobalScope;
try {
  crypto.getRandomValues(new Uint8Array(4));
  atGlobalScope = "no error";
} catch (e) {
  atGlobalScope = { name: e.name, message: e.message };
}

async function digestStream() {
  const stream = new crypto.DigestStream("SHA-256");
  const writer = stream.getWriter();
  await writer.write(enc("a"));
  await writer.write("bc");
  await writer.close();
  return hex(await stream.digest);
}

export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/extras") {
      return Response.json({
        atGlobalScope,
        digestStream: await digestStream(),
        timingSafeEqual: [crypto.subtle.timingSafeEqual(enc("ab"), enc("ab")),
          crypto.subtle.timingSafeEqual(enc("ab"), enc("ac"))],
      });
    }
    const s = crypto.subtle;
    const out = {};
    out.tags = [String(crypto), String(s), Object.keys(Object.getPrototypeOf(crypto)), Object.keys(Object.getPrototypeOf(s))];
    out.grvBadType = await attempt(() => crypto.getRandomValues(new Float64Array(1)));
    out.grvNone = await attempt(() => crypto.getRandomValues());
    out.grvDataView = await attempt(() => crypto.getRandomValues(new DataView(new ArrayBuffer(2))));
    out.grvBigInt = await attempt(() => crypto.getRandomValues(new BigInt64Array(2)).length);
    out.grvUint8Clamped = await attempt(() => crypto.getRandomValues(new Uint8ClampedArray(2)).length);
    out.grvPlain = await attempt(() => crypto.getRandomValues([1, 2]));
    out.digestObj = await attempt(async () => hex(await s.digest({ name: 'sha-256' }, enc('abc'))));
    out.digestLower = await attempt(async () => hex(await s.digest('sha-1', enc('abc'))));
    out.digest384 = await attempt(async () => hex(await s.digest('SHA-384', enc('abc'))));
    out.digest512 = await attempt(async () => hex(await s.digest('SHA-512', enc('abc'))));
    out.digestMD5 = await attempt(async () => hex(await s.digest('MD5', enc('abc'))));
    out.digestNoData = await attempt(() => s.digest('SHA-256'));
    out.digestStr = await attempt(() => s.digest('SHA-256', 'abc'));
    const hk = await s.importKey('raw', enc('key'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
    out.hmacKey = [hk.type, hk.extractable, hk.algorithm, hk.usages, String(hk), Object.keys(hk), Object.keys(Object.getPrototypeOf(hk))];
    const sig = await s.sign('HMAC', hk, enc('data'));
    out.hmacSig = hex(sig);
    out.hmacVerify = [await s.verify('HMAC', hk, sig, enc('data')), await s.verify('HMAC', hk, sig, enc('datb'))];
    out.hmacJwk = await s.exportKey('jwk', hk);
    out.hmacRaw = hex(await s.exportKey('raw', hk));
    out.hmacBadUsage = await attempt(() => s.importKey('raw', enc('key'), { name: 'HMAC', hash: 'SHA-256' }, true, ['encrypt']));
    out.hmacNoHash = await attempt(() => s.importKey('raw', enc('key'), { name: 'HMAC' }, true, ['sign']));
    out.hmacEmpty = await attempt(() => s.importKey('raw', new Uint8Array(0), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']));
    const ne = await s.importKey('raw', enc('key'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    out.exportNonExtractable = await attempt(() => s.exportKey('raw', ne));
    out.verifyWithSignOnly = await attempt(() => s.verify('HMAC', ne, sig, enc('data')));
    out.unknownAlg = await attempt(() => s.importKey('raw', enc('key'), { name: 'FOO' }, true, ['sign']));
    out.signWrongAlg = await attempt(() => s.sign({ name: 'AES-GCM' }, hk, enc('x')));
    const gk = await s.generateKey({ name: 'HMAC', hash: 'SHA-512' }, true, ['sign']);
    out.genHmac = [gk.algorithm, (await s.exportKey('raw', gk)).byteLength];
    const ak = await s.importKey('raw', new Uint8Array(16).fill(7), 'AES-GCM', true, ['encrypt', 'decrypt']);
    out.aesKey = [ak.algorithm, ak.usages];
    const iv = new Uint8Array(12).fill(1);
    const ct = await s.encrypt({ name: 'AES-GCM', iv }, ak, enc('secret'));
    out.aesCt = hex(ct);
    out.aesPt = new TextDecoder().decode(await s.decrypt({ name: 'AES-GCM', iv }, ak, ct));
    out.aesAad = hex(await s.encrypt({ name: 'AES-GCM', iv, additionalData: enc('aad'), tagLength: 96 }, ak, enc('secret')));
    out.aesBadTag = await attempt(() => s.decrypt({ name: 'AES-GCM', iv }, ak, new Uint8Array(ct).map((b, i) => i === 0 ? b ^ 1 : b)));
    out.aesBadLen = await attempt(() => s.importKey('raw', new Uint8Array(15), 'AES-GCM', true, ['encrypt']));
    out.aesNoIv = await attempt(() => s.encrypt({ name: 'AES-GCM' }, ak, enc('x')));
    out.aesJwk = await s.exportKey('jwk', ak);
    out.aesBadTagLen = await attempt(() => s.encrypt({ name: 'AES-GCM', iv, tagLength: 100 }, ak, enc('x')));
    out.aesShort = await attempt(() => s.decrypt({ name: 'AES-GCM', iv }, ak, new Uint8Array(4)));
    const pk = await s.importKey('raw', enc('password'), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
    out.pbkdf2Key = [pk.algorithm, pk.extractable];
    out.pbkdf2 = hex(await s.deriveBits({ name: 'PBKDF2', salt: enc('salt'), iterations: 2, hash: 'SHA-256' }, pk, 256));
    out.pbkdf2Zero = await attempt(() => s.deriveBits({ name: 'PBKDF2', salt: enc('salt'), iterations: 0, hash: 'SHA-256' }, pk, 256));
    out.pbkdf2Extractable = await attempt(() => s.importKey('raw', enc('password'), 'PBKDF2', true, ['deriveBits']));
    const hkk = await s.importKey('raw', enc('ikm'), 'HKDF', false, ['deriveBits']);
    out.hkdf = hex(await s.deriveBits({ name: 'HKDF', salt: enc('salt'), info: enc('info'), hash: 'SHA-256' }, hkk, 128));
    out.hkdfNoLen = await attempt(() => s.deriveBits({ name: 'HKDF', salt: enc('salt'), info: enc('info'), hash: 'SHA-256' }, hkk));
    out.hkdfOdd = await attempt(() => s.deriveBits({ name: 'HKDF', salt: enc('salt'), info: enc('info'), hash: 'SHA-256' }, hkk, 12));
    out.deriveKey = await attempt(async () => { const k = await s.deriveKey({ name: 'PBKDF2', salt: enc('salt'), iterations: 2, hash: 'SHA-256' }, pk, { name: 'AES-GCM', length: 128 }, true, ['encrypt']); return [k.algorithm, hex(await s.exportKey('raw', k))]; });
    const ec = await s.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    out.ecKeys = [ec.privateKey.type, ec.publicKey.type, ec.privateKey.algorithm, ec.privateKey.usages, ec.publicKey.usages];
    const esig = await s.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, enc('msg'));
    out.ecSigLen = esig.byteLength;
    out.ecVerify = [await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, esig, enc('msg')), await s.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, esig, enc('msh'))];
    const jwk = await s.exportKey('jwk', ec.publicKey);
    out.ecJwkKeys = Object.keys(jwk).sort();
    out.ecRawLen = (await s.exportKey('raw', ec.publicKey)).byteLength;
    out.ecSpkiLen = (await s.exportKey('spki', ec.publicKey)).byteLength;
    out.ecPkcs8Len = (await s.exportKey('pkcs8', ec.privateKey)).byteLength;
    out.ecRawPriv = await attempt(() => s.exportKey('raw', ec.privateKey));
    out.ecSignWithPublic = await attempt(() => s.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, enc('msg')));
    out.ecBadRaw = await attempt(() => s.importKey('raw', new Uint8Array(10), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
    out.ecBadCurve = await attempt(() => s.importKey('raw', new Uint8Array(65), { name: 'ECDSA', namedCurve: 'P-999' }, true, ['verify']));
    const ed = await s.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    out.edKeys = [ed.privateKey.algorithm, ed.publicKey.algorithm];
    const edsig = await s.sign('Ed25519', ed.privateKey, enc('msg'));
    out.edVerify = [edsig.byteLength, await s.verify('Ed25519', ed.publicKey, edsig, enc('msg'))];
    out.edJwk = Object.keys(await s.exportKey('jwk', ed.privateKey)).sort();
    // Known Ed25519 vector (RFC 8032 test 1)
    const edpub = await s.importKey('raw', Uint8Array.from(atob('11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='), (c) => c.charCodeAt(0)), 'Ed25519', true, ['verify']);
    const rfcSig = Uint8Array.from('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'.match(/../g), (h) => parseInt(h, 16));
    out.edRfc = await s.verify('Ed25519', edpub, rfcSig, new Uint8Array(0));
    out.edBadRaw = await attempt(() => s.importKey('raw', new Uint8Array(31), 'Ed25519', true, ['verify']));
    out.uuidGlobal = typeof crypto.randomUUID();
    out.cryptoKeyCtor = await attempt(() => new CryptoKey());
    out.subtleCtor = await attempt(() => new SubtleCrypto());
    return Response.json(out);
  },
};
