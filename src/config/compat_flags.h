// The compatibility flags workerd knows, to refuse a misspelt one as workerd does.
#pragma once

#include <string_view>
#include <vector>

namespace dohost::config {

// Whether workerd (the release dohost matches) has a compatibility flag `flag`.
bool isKnownCompatibilityFlag(std::string_view flag);

// All of them, sorted; for "did you mean" suggestions.
std::vector<std::string_view> knownCompatibilityFlags();

}  // namespace dohost::config
