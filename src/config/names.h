// Small text helpers for config messages: typo suggestions and binding-name checks.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dohost::config {

// The edit distance between `a` and `b`, ignoring ASCII case: insertions, deletions,
// substitutions and swaps of adjacent characters each cost 1 (optimal string alignment), so
// "mian" is 1 away from "main".
std::size_t editDistance(std::string_view a, std::string_view b);

// The candidate `word` is most likely a typo of: the nearest at distance 2 or less, and less than
// `word`'s length, so short words do not match everything. Ties go to the earlier candidate;
// nullopt when none is close or `word` is itself a candidate.
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string_view>& candidates);

// Whether `name` can be written as `env.name`: letters, digits, `_` and `$`, not starting with a
// digit. Bytes outside ASCII are accepted, since JavaScript identifiers may hold Unicode letters.
bool isJsIdentifier(std::string_view name);

// `name` made into an identifier, for a suggestion: every other character becomes `_`, and a
// leading digit gets a `_` before it ("my-object" -> "my_object").
std::string toJsIdentifier(std::string_view name);

// `name` in the CONSTANT_CASE that bindings conventionally use, for a suggestion:
// "MyDurableObject" -> "MY_DURABLE_OBJECT", "auth-worker" -> "AUTH_WORKER".
std::string toConstantCase(std::string_view name);

}  // namespace dohost::config
