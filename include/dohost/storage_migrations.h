// Durable Object migrations applied to the data on disk: renamed_classes move a class's objects
// to its new name, deleted_classes remove them. Each migration runs once per persist folder, in
// the order the config lists them; DIR/migrations.sqlite records which ran. docs/storage.md has
// the layout.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "dohost/config.h"

namespace dohost::storage {

// Applies to `persistDir` the migrations of `config` it has not seen yet, and records them.
// Returns the problems, each a complete line for the startup report; nothing is applied when the
// migrations already recorded are not the first ones of `config`, in order (a migration that
// ran cannot be changed or taken back). Safe against a crash part way: a step that already
// happened is skipped when the migration runs again. Several processes may call it at once.
std::vector<std::string> applyMigrations(const std::filesystem::path& persistDir,
                                         const config::WorkerConfig& config);

// The tags recorded for Worker `worker` in `persistDir`, in order.
std::vector<std::string> appliedMigrations(const std::filesystem::path& persistDir,
                                           const std::string& worker);

}  // namespace dohost::storage
