// Durable Object IDs: HMAC-keyed to their namespace, as workerd's are.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "dohost/actor.h"
#include "dohost/assert.h"

namespace dohost::actor {
namespace {

constexpr size_t kBaseBytes = 16;
constexpr size_t kMacBytes = 16;

std::string toHex(const unsigned char* bytes, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<char*>(out), size);
}

}  // namespace

IdFactory::IdFactory(const std::string& worker, const std::string& className) {
  std::string seed = "dohost durable object namespace\n" + worker + "\n" + className;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), digest);
  key_.assign(reinterpret_cast<char*>(digest), sizeof(digest));
}

std::string IdFactory::withMac(const std::string& base) const {
  std::string mac = hmac(key_, "mac\n" + base).substr(0, kMacBytes);
  std::string id = base + mac;
  return toHex(reinterpret_cast<const unsigned char*>(id.data()), id.size());
}

std::string IdFactory::fromName(const std::string& name) const {
  return withMac(hmac(key_, "name\n" + name).substr(0, kBaseBytes));
}

std::string IdFactory::unique() const {
  unsigned char base[kBaseBytes];
  DOHOST_ASSERT(RAND_bytes(base, sizeof(base)) == 1, "no randomness");
  return withMac(std::string(reinterpret_cast<char*>(base), sizeof(base)));
}

IdFactory::Parsed IdFactory::parse(const std::string& text) const {
  constexpr size_t kHexDigits = 2 * (kBaseBytes + kMacBytes);
  Parsed parsed;
  std::string bytes;
  bool valid = text.size() == kHexDigits;
  for (size_t i = 0; valid && i < text.size(); i += 2) {
    int high = hexValue(text[i]);
    int low = hexValue(text[i + 1]);
    if (high < 0 || low < 0) valid = false;
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  if (!valid) {
    parsed.error = "Invalid Durable Object ID: must be 64 hex digits";
    return parsed;
  }
  std::string canonical = withMac(bytes.substr(0, kBaseBytes));
  std::string lower = toHex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  if (canonical != lower) {
    parsed.error = "Durable Object ID is not valid for this namespace.";
    return parsed;
  }
  parsed.hex = lower;
  return parsed;
}

}  // namespace dohost::actor
