// Durable Object IDs: HMAC-keyed to their namespace as workerd's are, plus
// jurisdictions (see include/dohost/actor_id.h for the layout).
#include <array>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "dohost/actor_id.h"
#include "dohost/assert.h"

namespace dohost::actor {
namespace {

constexpr size_t kBaseBytes = 16;
constexpr size_t kMacBytes = 16;
constexpr size_t kHexDigits = 2 * (kBaseBytes + kMacBytes);

struct JurisdictionInfo {
  Jurisdiction jurisdiction;
  std::string_view name;
  unsigned char tag;  // the last byte of an ID's first half
};

// Tags are never 0, so an ID outside a jurisdiction whose last base byte
// happens to be 0 is not mistaken for one inside.
constexpr std::array<JurisdictionInfo, 4> kJurisdictions{{
    {Jurisdiction::kEu, "eu", 0x01},
    {Jurisdiction::kFedramp, "fedramp", 0x02},
    {Jurisdiction::kFedrampHigh, "fedramp-high", 0x03},
    {Jurisdiction::kUs, "us", 0x04},
}};

const JurisdictionInfo* infoOf(Jurisdiction jurisdiction) {
  for (const auto& info : kJurisdictions) {
    if (info.jurisdiction == jurisdiction) return &info;
  }
  return nullptr;
}

std::string toHex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hmac(const std::string& key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<char*>(out), size);
}

// The key IDs of `jurisdiction` are made with; the namespace's own key for
// kNone, so those IDs are workerd's.
std::string keyFor(const std::string& key, Jurisdiction jurisdiction) {
  const auto* info = infoOf(jurisdiction);
  if (!info) return key;
  return hmac(key, "dohost jurisdiction " + std::string(info->name));
}

// The full 32-byte ID (as hex) for a 16-byte base.
std::string withMac(const std::string& key, const std::string& base) {
  return toHex(base + hmac(key, base).substr(0, kMacBytes));
}

// Marks a base as belonging to `jurisdiction` (no change for kNone).
void tagBase(std::string& base, Jurisdiction jurisdiction) {
  if (const auto* info = infoOf(jurisdiction)) base[kBaseBytes - 1] = static_cast<char>(info->tag);
}

}  // namespace

std::string_view jurisdictionName(Jurisdiction jurisdiction) {
  const auto* info = infoOf(jurisdiction);
  return info ? info->name : std::string_view();
}

std::optional<Jurisdiction> parseJurisdiction(std::string_view name) {
  for (const auto& info : kJurisdictions) {
    if (info.name == name) return info.jurisdiction;
  }
  return std::nullopt;
}

std::string unknownJurisdictionMessage(std::string_view name) {
  std::string valid;
  for (size_t i = 0; i < kJurisdictions.size(); ++i) {
    if (i > 0) valid += i + 1 == kJurisdictions.size() ? " and " : ", ";
    valid += "\"" + std::string(kJurisdictions[i].name) + "\"";
  }
  return "Unknown Durable Object jurisdiction \"" + std::string(name) +
         "\"; the valid jurisdictions are " + valid + ".";
}

IdFactory::IdFactory(const std::string& worker, const std::string& className) {
  std::string uniqueKey = worker + "-" + className;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(uniqueKey.data()), uniqueKey.size(), digest);
  key_.assign(reinterpret_cast<char*>(digest), sizeof(digest));
}

std::string IdFactory::fromName(std::string_view name, Jurisdiction jurisdiction) const {
  auto key = keyFor(key_, jurisdiction);
  auto base = hmac(key, name).substr(0, kBaseBytes);
  tagBase(base, jurisdiction);
  return withMac(key, base);
}

std::string IdFactory::unique(Jurisdiction jurisdiction) const {
  std::string base(kBaseBytes, '\0');
  DOHOST_ASSERT(RAND_bytes(reinterpret_cast<unsigned char*>(base.data()), kBaseBytes) == 1,
                "no randomness");
  tagBase(base, jurisdiction);
  return withMac(keyFor(key_, jurisdiction), base);
}

IdFactory::Parsed IdFactory::parse(std::string_view text) const {
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

  // Outside any jurisdiction first (workerd's IDs), then the jurisdiction
  // the tag byte names, if any.
  auto base = bytes.substr(0, kBaseBytes);
  auto lower = toHex(bytes);
  if (withMac(key_, base) == lower) {
    parsed.id = ObjectId{lower, Jurisdiction::kNone};
    return parsed;
  }
  auto tag = static_cast<unsigned char>(base[kBaseBytes - 1]);
  for (const auto& info : kJurisdictions) {
    if (info.tag == tag && withMac(keyFor(key_, info.jurisdiction), base) == lower) {
      parsed.id = ObjectId{lower, info.jurisdiction};
      return parsed;
    }
  }
  parsed.error = "Durable Object ID is not valid for this namespace.";
  return parsed;
}

}  // namespace dohost::actor
