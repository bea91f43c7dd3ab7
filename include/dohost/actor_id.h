// Durable Object IDs: made and checked per namespace, with the jurisdiction
// an ID is restricted to recoverable from the ID alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dohost::actor {

// The jurisdictions Cloudflare documents for Durable Objects. An object of
// a jurisdiction keeps its data in its own folder of the persist dir.
enum class Jurisdiction { kNone, kEu, kFedramp, kFedrampHigh, kUs };

// "eu" for kEu...; "" for kNone.
std::string_view jurisdictionName(Jurisdiction jurisdiction);

// The jurisdiction called `name`, or nullopt when Cloudflare has none of
// that name. "" is not a name (kNone has none).
std::optional<Jurisdiction> parseJurisdiction(std::string_view name);

// The TypeError message for a name parseJurisdiction() refuses; it lists
// the valid names.
std::string unknownJurisdictionMessage(std::string_view name);

struct ObjectId {
  std::string hex;  // 64 lowercase hex digits
  Jurisdiction jurisdiction = Jurisdiction::kNone;
};

// Makes and checks the IDs of one namespace. An ID is 32 bytes, printed as
// 64 lowercase hex digits: 16 bytes that identify the object, then the
// first 16 bytes of an HMAC-SHA256 over them, keyed to the namespace, so an
// ID from another namespace or a tampered one is refused.
//
// IDs outside any jurisdiction are made exactly as workerd makes them for a
// namespace whose uniqueKey is "<worker>-<Class>" (wrangler's convention):
// the key is SHA-256 of that text, a name's 16 bytes are HMAC(key, name)
// and the MAC is HMAC(key, first 16 bytes). So the same name gives the same
// ID on dohost, wrangler dev and workerd.
//
// workerd has no jurisdictions locally. Here an ID of a jurisdiction ends
// its first 16 bytes with a tag byte naming the jurisdiction, and both its
// bytes and its MAC are made with a key derived for that jurisdiction: the
// MAC covers the tag, so the jurisdiction can be read from the ID string
// alone and cannot be changed without the ID being refused.
//
// Thread-safe: all methods are const.
class IdFactory {
 public:
  IdFactory(const std::string& worker, const std::string& className);

  // Deterministic for (namespace, jurisdiction, name).
  std::string fromName(std::string_view name,
                       Jurisdiction jurisdiction = Jurisdiction::kNone) const;

  // A new random ID; never repeats.
  std::string unique(Jurisdiction jurisdiction = Jurisdiction::kNone) const;

  // Checks an ID string (upper or lower case hex). On success `id` holds it
  // in canonical lowercase form with its jurisdiction; otherwise `error` is
  // the TypeError message workerd gives.
  struct Parsed {
    std::optional<ObjectId> id;
    std::string error;
  };
  Parsed parse(std::string_view text) const;

 private:
  std::string key_;
};

}  // namespace dohost::actor
