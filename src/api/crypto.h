// The OpenSSL operations behind crypto.getRandomValues and crypto.subtle,
// as plain functions over bytes. Every function is thread-safe. Asymmetric
// keys travel as DER: SubjectPublicKeyInfo for public keys, PKCS#8 for
// private keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dohost::api::crypto {

// Fills `size` bytes at `data` from OpenSSL's CSPRNG; false on failure.
bool randomBytes(void* data, size_t size);

// `hash` is a WebCrypto name: "SHA-1", "SHA-256", "SHA-384", "SHA-512" or
// "MD5". nullopt for any other name.
std::optional<std::string> digest(std::string_view hash, std::string_view data);
std::optional<std::string> hmac(std::string_view hash, std::string_view key, std::string_view data);

// AES-GCM with a 16, 24 or 32-byte key; `tagBytes` of tag appended to (or
// expected at the end of) the ciphertext. nullopt when decryption fails to
// authenticate, or the key or tag size is wrong.
std::optional<std::string> aesGcm(bool encrypt,
                                  std::string_view key,
                                  std::string_view iv,
                                  std::string_view data,
                                  std::string_view additionalData,
                                  size_t tagBytes);

std::optional<std::string> pbkdf2(std::string_view hash,
                                  std::string_view password,
                                  std::string_view salt,
                                  uint32_t iterations,
                                  size_t bytes);
std::optional<std::string> hkdf(std::string_view hash,
                                std::string_view key,
                                std::string_view salt,
                                std::string_view info,
                                size_t bytes);

// ---- Asymmetric keys: kind "EC" (curves "P-256", "P-384", "P-521") or
// "Ed25519" (curve "Ed25519").

struct ImportedKey {
  bool isPrivate = false;
  std::string der;    // SPKI or PKCS#8
  std::string curve;  // the curve the key data names
};

// Each returns the key, or an error text for a DataError.
struct ImportResult {
  std::optional<ImportedKey> key;
  std::string error;
};
ImportResult importRaw(std::string_view kind, std::string_view curve, std::string_view data);
ImportResult importSpki(std::string_view kind, std::string_view data);
ImportResult importPkcs8(std::string_view kind, std::string_view data);
// JWK fields, already base64url-decoded; `d` empty for a public key.
ImportResult importJwk(std::string_view kind,
                       std::string_view curve,
                       std::string_view x,
                       std::string_view y,
                       std::string_view d);

// The public key of a key (SPKI DER), from SPKI or PKCS#8 DER.
std::optional<std::string> publicDer(std::string_view der, bool isPrivate);

struct JwkFields {
  std::string x, y, d;  // raw bytes; y empty for Ed25519, d empty for public keys
};
std::optional<std::string> exportRaw(std::string_view spki);
std::optional<JwkFields> exportJwk(std::string_view der, bool isPrivate);

// ECDSA signatures are r || s, each padded to the curve's size, as
// WebCrypto wants; `hash` is ignored for Ed25519.
std::optional<std::string> sign(std::string_view hash,
                                std::string_view pkcs8,
                                std::string_view data);
bool verify(std::string_view hash,
            std::string_view spki,
            std::string_view signature,
            std::string_view data);

struct KeyPair {
  std::string spki, pkcs8;
};
std::optional<KeyPair> generate(std::string_view kind, std::string_view curve);

}  // namespace dohost::api::crypto
