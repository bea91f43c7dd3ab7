// Replays a config's Durable Object migrations in order, to learn what became of each class.
// Shared by the loader (classes created twice) and by checkExports and isSqliteClass.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "dohost/config.h"

namespace dohost::config {

// What the migrations did to one class, as of the last one.
struct ClassFate {
  enum class State { kLive, kRenamed, kDeleted };

  State state = State::kLive;
  bool sqlite = false;        // created by new_sqlite_classes (kept across renames)
  std::size_t migration = 0;  // the migration that last changed the class
  std::string origin;         // that entry's path: "migrations[0].new_sqlite_classes[0]"
  std::string renamedTo;      // for kRenamed
  std::string identity;       // see classIdentity()
};

// A class created, or renamed to, while a live class already has its name.
struct MigrationConflict {
  std::string path;            // the entry at fault: "migrations[1].new_classes[0]"
  std::string className;       // the name in use
  std::string renamedFrom;     // for a rename: the class being renamed; empty for a creation
  std::string existingOrigin;  // the entry that made the live class
};

struct MigrationReplay {
  std::map<std::string, ClassFate> classes;
  std::vector<MigrationConflict> conflicts;
};

// Applies `migrations` in order; within one migration new_sqlite_classes, new_classes,
// renamed_classes, then deleted_classes. Empty names (placeholders the loader keeps for invalid
// entries) and renames or deletions of classes that are not live are skipped: the loader reports
// what is wrong with them. A conflicting entry is recorded and otherwise skipped.
MigrationReplay replayMigrations(const std::vector<Migration>& migrations);

// A tag no migration in `migrations` uses, for a suggested fix: "v<first>", or the next free
// "v<n>" after it.
std::string unusedTag(const std::vector<Migration>& migrations, std::size_t first);

}  // namespace dohost::config
