// crypto: WebCrypto operations on OpenSSL 3. EC keys go through the
// EC_KEY interface (deprecated in OpenSSL 3 but complete and simple for
// points and scalars), so the 1.1 API level is requested below.
#define OPENSSL_API_COMPAT 0x10100000L

#include "crypto.h"

#include <memory>

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

namespace dohost::api::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const {
    EVP_PKEY_free(key);
  }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

const EVP_MD* mdFor(std::string_view hash) {
  if (hash == "SHA-1") return EVP_sha1();
  if (hash == "SHA-256") return EVP_sha256();
  if (hash == "SHA-384") return EVP_sha384();
  if (hash == "SHA-512") return EVP_sha512();
  if (hash == "MD5") return EVP_md5();
  return nullptr;
}

const unsigned char* bytes(std::string_view data) {
  return reinterpret_cast<const unsigned char*>(data.data());
}

int curveNid(std::string_view curve) {
  if (curve == "P-256") return NID_X9_62_prime256v1;
  if (curve == "P-384") return NID_secp384r1;
  if (curve == "P-521") return NID_secp521r1;
  return NID_undef;
}

std::string curveName(int nid) {
  switch (nid) {
    case NID_X9_62_prime256v1:
      return "P-256";
    case NID_secp384r1:
      return "P-384";
    case NID_secp521r1:
      return "P-521";
    default:
      return "";
  }
}

// Bytes of one coordinate or scalar on the curve of `key`.
size_t fieldBytes(const EC_KEY* key) {
  return (EC_GROUP_get_degree(EC_KEY_get0_group(key)) + 7) / 8;
}

std::string spkiOf(EVP_PKEY* key) {
  unsigned char* out = nullptr;
  int length = i2d_PUBKEY(key, &out);
  if (length <= 0) return {};
  std::string der(reinterpret_cast<char*>(out), length);
  OPENSSL_free(out);
  return der;
}

std::string pkcs8Of(EVP_PKEY* key) {
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key);
  if (!info) return {};
  unsigned char* out = nullptr;
  int length = i2d_PKCS8_PRIV_KEY_INFO(info, &out);
  PKCS8_PRIV_KEY_INFO_free(info);
  if (length <= 0) return {};
  std::string der(reinterpret_cast<char*>(out), length);
  OPENSSL_free(out);
  return der;
}

Pkey parseSpki(std::string_view der) {
  const unsigned char* p = bytes(der);
  return Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
}

Pkey parsePkcs8(std::string_view der) {
  const unsigned char* p = bytes(der);
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  if (!info) return nullptr;
  Pkey key(EVP_PKCS82PKEY(info));
  PKCS8_PRIV_KEY_INFO_free(info);
  return key;
}

// Checks a parsed key against the kind the caller asked for and says which
// curve it is on; empty when it does not match.
std::string curveOf(EVP_PKEY* key, std::string_view kind) {
  if (kind == "Ed25519") return EVP_PKEY_base_id(key) == EVP_PKEY_ED25519 ? "Ed25519" : "";
  if (EVP_PKEY_base_id(key) != EVP_PKEY_EC) return "";
  const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(key);
  return curveName(EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)));
}

ImportResult fromKey(Pkey key, std::string_view kind, bool isPrivate, const char* what) {
  ImportResult result;
  if (!key) {
    result.error = std::string("Invalid ") + what + " input.";
    return result;
  }
  auto curve = curveOf(key.get(), kind);
  if (curve.empty()) {
    result.error = std::string(what) + " key is not a " + std::string(kind) + " key.";
    return result;
  }
  ImportedKey imported{isPrivate, isPrivate ? pkcs8Of(key.get()) : spkiOf(key.get()), curve};
  result.key = std::move(imported);
  return result;
}

// An EC key from a public point (and optional private scalar).
Pkey ecKey(int nid, std::string_view point, std::string_view scalar, std::string* error) {
  EC_KEY* ec = EC_KEY_new_by_curve_name(nid);
  if (!ec) return nullptr;
  const EC_GROUP* group = EC_KEY_get0_group(ec);
  EC_POINT* pub = EC_POINT_new(group);
  bool ok = pub && EC_POINT_oct2point(group, pub, bytes(point), point.size(), nullptr) == 1 &&
            EC_KEY_set_public_key(ec, pub) == 1;
  if (!ok) *error = "Invalid point encoding.";
  if (ok && !scalar.empty()) {
    BIGNUM* d = BN_bin2bn(bytes(scalar), static_cast<int>(scalar.size()), nullptr);
    ok = d && EC_KEY_set_private_key(ec, d) == 1;
    BN_free(d);
    if (!ok) *error = "Invalid private key.";
  }
  if (ok && EC_KEY_check_key(ec) != 1) {
    ok = false;
    *error = "Invalid key.";
  }
  EC_POINT_free(pub);
  if (!ok) {
    EC_KEY_free(ec);
    return nullptr;
  }
  Pkey key(EVP_PKEY_new());
  EVP_PKEY_assign_EC_KEY(key.get(), ec);
  return key;
}

}  // namespace

bool randomBytes(void* data, size_t size) {
  return size == 0 || RAND_bytes(static_cast<unsigned char*>(data), static_cast<int>(size)) == 1;
}

std::optional<std::string> digest(std::string_view hash, std::string_view data) {
  const EVP_MD* md = mdFor(hash);
  if (!md) return std::nullopt;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1) return std::nullopt;
  return std::string(reinterpret_cast<char*>(out), length);
}

std::optional<std::string> hmac(std::string_view hash,
                                std::string_view key,
                                std::string_view data) {
  const EVP_MD* md = mdFor(hash);
  if (!md) return std::nullopt;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(md, key.data(), static_cast<int>(key.size()), bytes(data), data.size(), out, &length)) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<char*>(out), length);
}

std::optional<std::string> aesGcm(bool encrypt,
                                  std::string_view key,
                                  std::string_view iv,
                                  std::string_view data,
                                  std::string_view additionalData,
                                  size_t tagBytes) {
  const EVP_CIPHER* cipher = key.size() == 16   ? EVP_aes_128_gcm()
                             : key.size() == 24 ? EVP_aes_192_gcm()
                             : key.size() == 32 ? EVP_aes_256_gcm()
                                                : nullptr;
  if (!cipher || tagBytes > 16 || iv.empty()) return std::nullopt;
  if (!encrypt && data.size() < tagBytes) return std::nullopt;
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  auto* c = ctx.get();
  std::string_view body = encrypt ? data : data.substr(0, data.size() - tagBytes);
  std::string out(body.size() + 16, '\0');
  int length = 0;
  int total = 0;
  bool ok =
      EVP_CipherInit_ex(c, cipher, nullptr, nullptr, nullptr, encrypt ? 1 : 0) == 1 &&
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) == 1 &&
      EVP_CipherInit_ex(c, nullptr, nullptr, bytes(key), bytes(iv), -1) == 1;
  if (ok && !additionalData.empty()) {
    ok = EVP_CipherUpdate(c, nullptr, &length, bytes(additionalData),
                          static_cast<int>(additionalData.size())) == 1;
  }
  if (ok) {
    ok = EVP_CipherUpdate(c, reinterpret_cast<unsigned char*>(out.data()), &length, bytes(body),
                          static_cast<int>(body.size())) == 1;
    total = length;
  }
  if (ok && !encrypt) {
    std::string tag(data.substr(data.size() - tagBytes));
    ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tagBytes), tag.data()) == 1;
  }
  if (ok) {
    ok = EVP_CipherFinal_ex(c, reinterpret_cast<unsigned char*>(out.data()) + total, &length) == 1;
    total += length;
  }
  if (!ok) return std::nullopt;
  out.resize(total);
  if (encrypt) {
    char tag[16];
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tagBytes), tag) != 1) {
      return std::nullopt;
    }
    out.append(tag, tagBytes);
  }
  return out;
}

std::optional<std::string> pbkdf2(std::string_view hash,
                                  std::string_view password,
                                  std::string_view salt,
                                  uint32_t iterations,
                                  size_t length) {
  const EVP_MD* md = mdFor(hash);
  if (!md || iterations == 0) return std::nullopt;
  std::string out(length, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(salt),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), md,
                        static_cast<int>(length),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> hkdf(std::string_view hash,
                                std::string_view key,
                                std::string_view salt,
                                std::string_view info,
                                size_t length) {
  const EVP_MD* md = mdFor(hash);
  if (!md) return std::nullopt;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), &EVP_PKEY_CTX_free);
  auto* c = ctx.get();
  std::string out(length, '\0');
  size_t outLength = length;
  // An empty salt means a hash-length string of zeros (RFC 5869); OpenSSL
  // does the same when no salt is set.
  bool ok = c && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_CTX_set_hkdf_md(c, md) == 1 &&
            EVP_PKEY_CTX_set1_hkdf_key(c, bytes(key), static_cast<int>(key.size())) == 1 &&
            (salt.empty() ||
             EVP_PKEY_CTX_set1_hkdf_salt(c, bytes(salt), static_cast<int>(salt.size())) == 1) &&
            EVP_PKEY_CTX_add1_hkdf_info(c, bytes(info), static_cast<int>(info.size())) == 1 &&
            EVP_PKEY_derive(c, reinterpret_cast<unsigned char*>(out.data()), &outLength) == 1;
  if (!ok || outLength != length) return std::nullopt;
  return out;
}

// ==== Asymmetric keys ==========================================================

ImportResult importRaw(std::string_view kind, std::string_view curve, std::string_view data) {
  ImportResult result;
  if (kind == "Ed25519") {
    Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(data), data.size()));
    if (!key) {
      result.error = "Invalid Ed25519 public key.";
      return result;
    }
    result.key = ImportedKey{false, spkiOf(key.get()), "Ed25519"};
    return result;
  }
  std::string error;
  Pkey key = ecKey(curveNid(curve), data, {}, &error);
  if (!key) {
    result.error = "Failed to import raw EC key data: " + error + ".";
    return result;
  }
  result.key = ImportedKey{false, spkiOf(key.get()), std::string(curve)};
  return result;
}

ImportResult importSpki(std::string_view kind, std::string_view data) {
  return fromKey(parseSpki(data), kind, false, "SPKI");
}

ImportResult importPkcs8(std::string_view kind, std::string_view data) {
  return fromKey(parsePkcs8(data), kind, true, "PKCS8");
}

ImportResult importJwk(std::string_view kind,
                       std::string_view curve,
                       std::string_view x,
                       std::string_view y,
                       std::string_view d) {
  ImportResult result;
  if (kind == "Ed25519") {
    Pkey key(d.empty()
                 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(x), x.size())
                 : EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(d), d.size()));
    if (!key) {
      result.error = "Invalid Ed25519 key in JSON Web Key.";
      return result;
    }
    if (!d.empty()) {
      // The private key implies its public key, which must match "x".
      unsigned char pub[32];
      size_t length = sizeof(pub);
      if (EVP_PKEY_get_raw_public_key(key.get(), pub, &length) != 1 ||
          std::string_view(reinterpret_cast<char*>(pub), length) != x) {
        result.error = "Ed25519 JSON Web Key \"x\" does not match its \"d\".";
        return result;
      }
    }
    result.key =
        ImportedKey{!d.empty(), d.empty() ? spkiOf(key.get()) : pkcs8Of(key.get()), "Ed25519"};
    return result;
  }
  std::string point = "\x04" + std::string(x) + std::string(y);
  std::string error;
  Pkey key = ecKey(curveNid(curve), point, d, &error);
  if (!key) {
    result.error = "Invalid EC key in JSON Web Key: " + error;
    return result;
  }
  result.key = ImportedKey{!d.empty(), d.empty() ? spkiOf(key.get()) : pkcs8Of(key.get()),
                           std::string(curve)};
  return result;
}

std::optional<std::string> publicDer(std::string_view der, bool isPrivate) {
  Pkey key = isPrivate ? parsePkcs8(der) : parseSpki(der);
  if (!key) return std::nullopt;
  return spkiOf(key.get());
}

std::optional<std::string> exportRaw(std::string_view spki) {
  Pkey key = parseSpki(spki);
  if (!key) return std::nullopt;
  if (EVP_PKEY_base_id(key.get()) == EVP_PKEY_ED25519) {
    unsigned char pub[32];
    size_t length = sizeof(pub);
    if (EVP_PKEY_get_raw_public_key(key.get(), pub, &length) != 1) return std::nullopt;
    return std::string(reinterpret_cast<char*>(pub), length);
  }
  const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(key.get());
  if (!ec) return std::nullopt;
  unsigned char out[200];
  size_t length = EC_POINT_point2oct(EC_KEY_get0_group(ec), EC_KEY_get0_public_key(ec),
                                     POINT_CONVERSION_UNCOMPRESSED, out, sizeof(out), nullptr);
  if (length == 0) return std::nullopt;
  return std::string(reinterpret_cast<char*>(out), length);
}

std::optional<JwkFields> exportJwk(std::string_view der, bool isPrivate) {
  Pkey key = isPrivate ? parsePkcs8(der) : parseSpki(der);
  if (!key) return std::nullopt;
  JwkFields fields;
  if (EVP_PKEY_base_id(key.get()) == EVP_PKEY_ED25519) {
    unsigned char buffer[32];
    size_t length = sizeof(buffer);
    if (EVP_PKEY_get_raw_public_key(key.get(), buffer, &length) != 1) return std::nullopt;
    fields.x.assign(reinterpret_cast<char*>(buffer), length);
    if (isPrivate) {
      length = sizeof(buffer);
      if (EVP_PKEY_get_raw_private_key(key.get(), buffer, &length) != 1) return std::nullopt;
      fields.d.assign(reinterpret_cast<char*>(buffer), length);
    }
    return fields;
  }
  auto raw = exportRaw(spkiOf(key.get()));
  const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(key.get());
  if (!raw || !ec) return std::nullopt;
  size_t size = fieldBytes(ec);
  fields.x = raw->substr(1, size);
  fields.y = raw->substr(1 + size, size);
  if (isPrivate) {
    fields.d.assign(size, '\0');
    BN_bn2binpad(EC_KEY_get0_private_key(ec), reinterpret_cast<unsigned char*>(fields.d.data()),
                 static_cast<int>(size));
  }
  return fields;
}

std::optional<std::string> sign(std::string_view hash,
                                std::string_view pkcs8,
                                std::string_view data) {
  Pkey key = parsePkcs8(pkcs8);
  if (!key) return std::nullopt;
  bool ed = EVP_PKEY_base_id(key.get()) == EVP_PKEY_ED25519;
  const EVP_MD* md = ed ? nullptr : mdFor(hash);
  if (!ed && !md) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t length = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, bytes(data), data.size()) != 1) {
    return std::nullopt;
  }
  std::string der(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &length, bytes(data),
                     data.size()) != 1) {
    return std::nullopt;
  }
  der.resize(length);
  if (ed) return der;

  // DER (r, s) to the fixed-size r || s WebCrypto uses.
  const unsigned char* p = bytes(der);
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) return std::nullopt;
  size_t size = fieldBytes(EVP_PKEY_get0_EC_KEY(key.get()));
  std::string out(2 * size, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), o, static_cast<int>(size));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), o + size, static_cast<int>(size));
  ECDSA_SIG_free(sig);
  return out;
}

bool verify(std::string_view hash,
            std::string_view spki,
            std::string_view signature,
            std::string_view data) {
  Pkey key = parseSpki(spki);
  if (!key) return false;
  bool ed = EVP_PKEY_base_id(key.get()) == EVP_PKEY_ED25519;
  const EVP_MD* md = ed ? nullptr : mdFor(hash);
  if (!ed && !md) return false;
  std::string der(signature);
  if (!ed) {
    // r || s back to DER; a signature of the wrong size simply fails.
    size_t size = fieldBytes(EVP_PKEY_get0_EC_KEY(key.get()));
    if (signature.size() != 2 * size) return false;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(bytes(signature), static_cast<int>(size), nullptr);
    BIGNUM* s = BN_bin2bn(bytes(signature) + size, static_cast<int>(size), nullptr);
    ECDSA_SIG_set0(sig, r, s);
    unsigned char* out = nullptr;
    int length = i2d_ECDSA_SIG(sig, &out);
    ECDSA_SIG_free(sig);
    if (length <= 0) return false;
    der.assign(reinterpret_cast<char*>(out), length);
    OPENSSL_free(out);
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), bytes(der), der.size(), bytes(data), data.size()) == 1;
}

std::optional<KeyPair> generate(std::string_view kind, std::string_view curve) {
  Pkey key;
  if (kind == "Ed25519") {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  } else {
    int nid = curveNid(curve);
    if (nid == NID_undef) return std::nullopt;
    EC_KEY* ec = EC_KEY_new_by_curve_name(nid);
    if (!ec || EC_KEY_generate_key(ec) != 1) {
      EC_KEY_free(ec);
      return std::nullopt;
    }
    key.reset(EVP_PKEY_new());
    EVP_PKEY_assign_EC_KEY(key.get(), ec);
  }
  if (!key) return std::nullopt;
  return KeyPair{spkiOf(key.get()), pkcs8Of(key.get())};
}

}  // namespace dohost::api::crypto
