// Typo distance and identifier rules for config messages.
#include "names.h"

#include <algorithm>
#include <cctype>

namespace dohost::config {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool isAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}

bool isIdentifierPart(char c) {
  auto byte = static_cast<unsigned char>(c);
  return std::isalnum(byte) || c == '_' || c == '$' || byte >= 0x80;
}

}  // namespace

std::size_t editDistance(std::string_view a, std::string_view b) {
  // Three rows of the usual dynamic programme: the swap case looks two rows back.
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    before.swap(previous);
    previous.swap(current);
  }
  return previous[b.size()];
}

std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string_view>& candidates) {
  constexpr std::size_t kMaxDistance = 2;
  std::optional<std::string> best;
  std::size_t bestDistance = kMaxDistance + 1;
  for (std::string_view candidate : candidates) {
    if (candidate == word) return std::nullopt;
    std::size_t distance = editDistance(word, candidate);
    if (distance < bestDistance && distance < word.size()) {
      best = std::string(candidate);
      bestDistance = distance;
    }
  }
  return best;
}

bool isJsIdentifier(std::string_view name) {
  if (name.empty() || isAsciiDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), isIdentifierPart);
}

std::string toJsIdentifier(std::string_view name) {
  std::string out;
  if (name.empty() || isAsciiDigit(name[0])) out += '_';
  for (char c : name) out += isIdentifierPart(c) ? c : '_';
  return out;
}

std::string toConstantCase(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto byte = static_cast<unsigned char>(name[i]);
    bool wordStart =
        i > 0 && std::isupper(byte) &&
        (std::islower(static_cast<unsigned char>(name[i - 1])) || isAsciiDigit(name[i - 1]));
    if (wordStart) out += '_';
    out += std::isalnum(byte) ? static_cast<char>(std::toupper(byte)) : '_';
  }
  return isJsIdentifier(out) ? out : toJsIdentifier(out);
}

}  // namespace dohost::config
