// The checks that look at a loaded config as a whole: migration replay, the classes a Worker must
// export (checkExports) and which classes are SQLite-backed (isSqliteClass).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "dohost/config.h"

#include "migrations.h"
#include "names.h"

namespace dohost::config {
namespace {

std::string listPath(std::size_t migration, const char* list, std::size_t index) {
  return "migrations[" + std::to_string(migration) + "]." + list + "[" + std::to_string(index) +
         "]";
}

void createClasses(MigrationReplay& replay,
                   const std::vector<std::string>& names,
                   std::size_t migration,
                   const std::string& tag,
                   const char* list,
                   bool sqlite) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    if (name.empty()) continue;
    std::string path = listPath(migration, list, i);
    auto it = replay.classes.find(name);
    if (it != replay.classes.end() && it->second.state == ClassFate::State::kLive) {
      replay.conflicts.push_back(MigrationConflict{path, name, "", it->second.origin});
      continue;
    }
    // A name used before (its class deleted or renamed away) starts a new namespace.
    std::string identity = it == replay.classes.end() ? name : name + "@" + tag;
    replay.classes[name] =
        ClassFate{ClassFate::State::kLive, sqlite, migration, path, "", identity};
  }
}

void renameClasses(MigrationReplay& replay, const Migration& step, std::size_t migration) {
  for (std::size_t i = 0; i < step.renamedClasses.size(); ++i) {
    const auto& [from, to] = step.renamedClasses[i];
    if (from.empty() || to.empty()) continue;
    auto source = replay.classes.find(from);
    if (source == replay.classes.end() || source->second.state != ClassFate::State::kLive) {
      continue;
    }
    std::string path = listPath(migration, "renamed_classes", i);
    auto target = replay.classes.find(to);
    if (target != replay.classes.end() && target->second.state == ClassFate::State::kLive) {
      replay.conflicts.push_back(MigrationConflict{path, to, from, target->second.origin});
      continue;
    }

    bool sqlite = source->second.sqlite;
    std::string identity = source->second.identity;
    source->second = ClassFate{ClassFate::State::kRenamed, sqlite, migration, path, to, identity};
    replay.classes[to] = ClassFate{ClassFate::State::kLive, sqlite, migration, path, "", identity};
  }
}

void deleteClasses(MigrationReplay& replay, const Migration& step, std::size_t migration) {
  for (std::size_t i = 0; i < step.deletedClasses.size(); ++i) {
    auto it = replay.classes.find(step.deletedClasses[i]);
    if (it == replay.classes.end() || it->second.state != ClassFate::State::kLive) continue;
    it->second.state = ClassFate::State::kDeleted;
    it->second.migration = migration;
    it->second.origin = listPath(migration, "deleted_classes", i);
  }
}

// The start of a message about binding `index`, for configs not made by the loader.
std::string bindingWhere(const WorkerConfig& config, std::size_t index) {
  const DurableObjectBinding& binding = config.durableObjects[index];
  if (!binding.where.empty()) return binding.where;
  std::string file =
      !config.displayPath.empty() ? config.displayPath : config.configPath.filename().string();
  return file + ": durable_objects.bindings[" + std::to_string(index) + "]";
}

std::string mainForMessages(const WorkerConfig& config) {
  if (!config.mainAsWritten.empty()) return config.mainAsWritten;
  return config.main.string();
}

std::string describeMissingClass(const WorkerConfig& config,
                                 const std::string& className,
                                 const std::vector<std::string>& exportedClasses,
                                 const std::map<std::string, std::string>& otherExports) {
  if (auto it = otherExports.find(className); it != otherExports.end()) {
    return "\"" + className + "\" is exported by " + mainForMessages(config) + " as " +
           (it->second == "object" || it->second == "undefined" ? "" : "a ") + it->second +
           ", not a class; export the Durable Object class itself, e.g. export class " + className +
           " extends DurableObject { ... }";
  }
  std::vector<std::string_view> candidates(exportedClasses.begin(), exportedClasses.end());
  std::string message = "class \"" + className + "\" is not exported by " + mainForMessages(config);
  if (auto suggestion = closestMatch(className, candidates)) {
    message += " (did you mean \"" + *suggestion + "\"?)";
  }
  return message + "; export it, or set \"script_name\" to the Worker that defines it";
}

// Why a binding's class has no live migration, or "" when it has one.
std::string describeMigrationGap(const WorkerConfig& config,
                                 const MigrationReplay& replay,
                                 const std::string& className) {
  auto it = replay.classes.find(className);
  if (it == replay.classes.end()) {
    return "class \"" + className + "\" has no migration; add { \"tag\": \"" +
           unusedTag(config.migrations, config.migrations.size() + 1) +
           "\", \"new_sqlite_classes\": [\"" + className + "\"] } to \"migrations\"";
  }

  const ClassFate& fate = it->second;
  std::string by = "migrations[" + std::to_string(fate.migration) + "]";
  switch (fate.state) {
    case ClassFate::State::kLive:
      return "";
    case ClassFate::State::kRenamed:
      return "class \"" + className + "\" is renamed to \"" + fate.renamedTo + "\" by " + by +
             "; set \"class_name\" to \"" + fate.renamedTo + "\"";
    case ClassFate::State::kDeleted:
      return "class \"" + className + "\" is deleted by " + by +
             "; remove this binding, or create the class again in a new migration";
  }
  return "";
}

}  // namespace

std::string unusedTag(const std::vector<Migration>& migrations, std::size_t first) {
  std::set<std::string> used;
  for (const Migration& migration : migrations) used.insert(migration.tag);
  for (std::size_t n = first;; ++n) {
    std::string tag = std::to_string(n);
    tag.insert(0, 1, 'v');
    if (!used.count(tag)) return tag;
  }
}

MigrationReplay replayMigrations(const std::vector<Migration>& migrations) {
  MigrationReplay replay;
  for (std::size_t m = 0; m < migrations.size(); ++m) {
    const Migration& step = migrations[m];
    createClasses(replay, step.newSqliteClasses, m, step.tag, "new_sqlite_classes", true);
    createClasses(replay, step.newClasses, m, step.tag, "new_classes", false);
    renameClasses(replay, step, m);
    deleteClasses(replay, step, m);
  }
  return replay;
}

std::vector<Diagnostic> checkExports(const WorkerConfig& config,
                                     const std::vector<std::string>& exportedClasses,
                                     const std::map<std::string, std::string>& otherExports) {
  std::vector<Diagnostic> errors;
  std::set<std::string> exported(exportedClasses.begin(), exportedClasses.end());
  MigrationReplay replay = replayMigrations(config.migrations);

  for (std::size_t i = 0; i < config.durableObjects.size(); ++i) {
    const DurableObjectBinding& binding = config.durableObjects[i];
    // A class defined by another Worker is that Worker's to export and migrate; a script_name
    // naming this Worker is the same as none.
    bool elsewhere = !binding.scriptName.empty() && binding.scriptName != config.name;
    if (elsewhere || binding.className.empty()) continue;

    std::string where = bindingWhere(config, i);
    if (!exported.count(binding.className)) {
      errors.push_back(Diagnostic{
          Severity::kError,
          where + ": " +
              describeMissingClass(config, binding.className, exportedClasses, otherExports)});
    }
    std::string gap = describeMigrationGap(config, replay, binding.className);
    if (!gap.empty()) errors.push_back(Diagnostic{Severity::kError, where + ": " + gap});
  }

  // A class the migrations keep but the code no longer exports: its objects' data would be
  // stranded. Classes a binding names, or what they were renamed to, were reported above.
  std::set<std::string> bound;
  for (const DurableObjectBinding& binding : config.durableObjects) {
    for (std::string name = binding.className; !name.empty() && bound.insert(name).second;) {
      auto fate = replay.classes.find(name);
      if (fate == replay.classes.end() || fate->second.state != ClassFate::State::kRenamed) break;
      name = fate->second.renamedTo;
    }
  }
  // In file order: by migration, then by entry.
  std::vector<std::pair<std::string, const ClassFate*>> stranded;
  for (const auto& [name, fate] : replay.classes) {
    if (fate.state == ClassFate::State::kLive && !exported.count(name) && !bound.count(name)) {
      stranded.emplace_back(name, &fate);
    }
  }
  std::sort(stranded.begin(), stranded.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second->migration, a.second->origin) <
           std::tie(b.second->migration, b.second->origin);
  });
  for (const auto& [name, fatePointer] : stranded) {
    const ClassFate& fate = *fatePointer;
    auto location = config.locations.find(fate.origin);
    std::string where = location != config.locations.end() ? location->second
                        : !config.displayPath.empty()      ? config.displayPath
                                                           : config.configPath.filename().string();
    errors.push_back(Diagnostic{
        Severity::kError,
        where + ": " + fate.origin + ": class \"" + name + "\" is not exported by " +
            mainForMessages(config) +
            ", but the migrations keep it; export it again, or delete it and its objects' data "
            "with a new migration { \"tag\": \"" +
            unusedTag(config.migrations, config.migrations.size() + 1) +
            "\", \"deleted_classes\": [\"" + name + "\"] }"});
  }
  return errors;
}

std::vector<LiveClass> liveClasses(const WorkerConfig& config) {
  std::vector<LiveClass> live;
  for (const auto& [name, fate] : replayMigrations(config.migrations).classes) {
    if (fate.state == ClassFate::State::kLive)
      live.push_back(LiveClass{name, fate.sqlite, fate.identity});
  }
  return live;
}

std::string classIdentity(const WorkerConfig& config, const std::string& className) {
  MigrationReplay replay = replayMigrations(config.migrations);
  auto it = replay.classes.find(className);
  if (it == replay.classes.end() || it->second.state != ClassFate::State::kLive) return className;
  return it->second.identity;
}

bool isSqliteClass(const WorkerConfig& config, const std::string& className) {
  MigrationReplay replay = replayMigrations(config.migrations);
  auto it = replay.classes.find(className);
  return it != replay.classes.end() && it->second.state == ClassFate::State::kLive &&
         it->second.sqlite;
}

}  // namespace dohost::config
