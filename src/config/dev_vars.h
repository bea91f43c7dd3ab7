// Secrets for local development, read as `wrangler dev` reads them.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dohost::config {

// KEY=VALUE pairs of a .dev.vars or .env file, by dotenv's rules: blank
// lines and # comments are skipped, an `export ` prefix is allowed, values
// are trimmed, may be quoted with ', " or ` (and then span lines), and
// "\n" in a double-quoted value is a newline. A later key wins.
std::map<std::string, std::string> parseDevVars(std::string text);

struct DevVars {
  std::vector<std::filesystem::path> files;  // the files read, for the log
  std::map<std::string, std::string> values;
};

// The secrets beside a config: `.dev.vars` in `configDir`, else `.env` and
// `.env.local` (unless CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV=false), as
// wrangler dev finds them; nullopt when there is none of these files.
std::optional<DevVars> loadDevVars(const std::filesystem::path& configDir);

}  // namespace dohost::config
