// The dev registry folder: one JSON file per Worker, written atomically,
// read with a liveness check that deletes what dead processes left behind.
#include "dohost/registry.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <errno.h>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <system_error>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "dohost/assert.h"
#include "dohost/log.h"

namespace dohost::rpc {
namespace fs = std::filesystem;
namespace {

constexpr const char* kEntrySuffix = ".json";
constexpr int kEntryFormat = 1;

std::optional<std::string> readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool processRuns(pid_t pid) {
  if (pid <= 0) return false;
  // EPERM: it runs, as another user.
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  // A killed process whose parent has not reaped it yet still answers
  // kill(); its state in /proc says it is gone.
  auto stat = readText("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  auto close = stat->rfind(')');
  return close == std::string::npos || close + 2 >= stat->size() || (*stat)[close + 2] != 'Z';
}

bool isSocket(const fs::path& path) {
  struct stat info;
  return ::lstat(path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode);
}

// Worker names become file names: letters, digits, '-', '_' and '.' stay,
// every other byte (and a leading '.') is written %XX, so no name can reach
// outside the folder or hide as a dot file.
std::string encodeName(const std::string& name) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    bool plain = std::isalnum(c) || c == '-' || c == '_' || (c == '.' && i != 0);
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<RegistryEntry> parseEntry(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  try {
    RegistryEntry entry;
    entry.worker = json.at("name").get<std::string>();
    entry.socket = json.at("socket").get<std::string>();
    entry.pid = json.at("pid").get<pid_t>();
    entry.entrypoints = json.value("entrypoints", std::vector<std::string>{});
    entry.classes = json.value("classes", std::vector<std::string>{});
    return entry;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string formatEntry(const RegistryEntry& entry) {
  nlohmann::json json = {
      {"format", kEntryFormat},           {"name", entry.worker},
      {"socket", entry.socket.string()},  {"pid", entry.pid},
      {"entrypoints", entry.entrypoints}, {"classes", entry.classes},
  };
  return json.dump(2) + "\n";
}

// Deletes `file` if it still holds `stale`: between our read and now the
// Worker's new process may have written a fresh entry, which must stay.
void removeStale(const fs::path& file, const RegistryEntry& stale) {
  auto text = readText(file);
  if (!text) return;
  auto current = parseEntry(*text);
  if (!current || current->pid != stale.pid || current->socket != stale.socket) return;
  std::error_code ignored;
  fs::remove(file, ignored);
  if (!processRuns(stale.pid) && isSocket(stale.socket)) fs::remove(stale.socket, ignored);
  log::info("registry",
            "removed stale entry worker=" + stale.worker + " pid=" + std::to_string(stale.pid));
}

// The pid in a name like `1234.sock` or `.name.1234.tmp`; 0 when none.
pid_t pidIn(const std::string& name, const std::string& suffix) {
  if (name.size() <= suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return 0;
  }
  auto stem = name.substr(0, name.size() - suffix.size());
  auto dot = stem.rfind('.');
  auto digits = dot == std::string::npos ? stem : stem.substr(dot + 1);
  if (digits.empty() || digits.size() > 9) return 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
  }
  return static_cast<pid_t>(std::stol(digits));
}

}  // namespace

fs::path defaultRegistryDir(const char* xdgRuntimeDir, const char* home) {
  if (xdgRuntimeDir && *xdgRuntimeDir) return fs::path(xdgRuntimeDir) / "dohost" / "registry";
  if (home && *home) return fs::path(home) / ".dohost" / "registry";
  return fs::temp_directory_path() / ("dohost-" + std::to_string(::getuid())) / "registry";
}

Registry::Registry(fs::path dir) : dir_(fs::absolute(std::move(dir))) {
  std::error_code error;
  fs::create_directories(dir_ / "sockets", error);
  if (error) {
    throw Error("cannot create the dev registry folder " + dir_.string() + ": " + error.message() +
                "; pass another with --registry DIR");
  }
  // Sockets of this user's processes: nobody else needs to open them.
  ::chmod(dir_.c_str(), 0700);
  ::chmod((dir_ / "sockets").c_str(), 0700);
}

fs::path Registry::socketPathFor(pid_t pid) const {
  auto name = std::to_string(pid) + ".sock";
  auto path = dir_ / "sockets" / name;
  if (path.string().size() < sizeof(sockaddr_un::sun_path)) return path;
  auto fallback = fs::temp_directory_path() / ("dohost-" + std::to_string(::getuid()));
  std::error_code error;
  fs::create_directories(fallback, error);
  ::chmod(fallback.c_str(), 0700);
  return fallback / name;
}

fs::path Registry::fileFor(const std::string& worker) const {
  return dir_ / (encodeName(worker) + kEntrySuffix);
}

void Registry::add(const RegistryEntry& entry) {
  auto file = fileFor(entry.worker);
  // A dot file, which readers skip, named after its writer so a dead one's can be removed.
  std::string tempName(1, '.');
  tempName += file.filename().string();
  tempName += '.';
  tempName += std::to_string(::getpid());
  tempName += ".tmp";
  auto temp = dir_ / tempName;
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << formatEntry(entry);
    out.close();
    if (!out) {
      throw Error("cannot write the dev registry entry " + temp.string() + ": " +
                  std::strerror(errno));
    }
  }
  std::error_code error;
  fs::rename(temp, file, error);
  if (error) {
    fs::remove(temp, error);
    throw Error("cannot write the dev registry entry " + file.string() + ": " + error.message());
  }
}

void Registry::remove(const std::string& worker, pid_t pid) {
  auto file = fileFor(worker);
  auto text = readText(file);
  if (!text) return;
  auto entry = parseEntry(*text);
  if (entry && entry->pid != pid) return;
  std::error_code ignored;
  fs::remove(file, ignored);
}

std::optional<RegistryEntry> Registry::readLive(const fs::path& file) const {
  auto text = readText(file);
  if (!text) return std::nullopt;
  auto entry = parseEntry(*text);
  // A file that does not parse may come from another dohost version: left alone.
  if (!entry) return std::nullopt;
  if (!processRuns(entry->pid) || !isSocket(entry->socket)) {
    removeStale(file, *entry);
    return std::nullopt;
  }
  return entry;
}

std::optional<RegistryEntry> Registry::find(const std::string& worker) const {
  auto entry = readLive(fileFor(worker));
  if (entry && entry->worker != worker) return std::nullopt;
  return entry;
}

std::map<std::string, RegistryEntry> Registry::list() const {
  std::map<std::string, RegistryEntry> entries;
  std::error_code error;
  for (const auto& item : fs::directory_iterator(dir_, error)) {
    auto name = item.path().filename().string();
    if (name.empty()) continue;
    if (name[0] == '.') {
      // A temporary file whose writer died before renaming it.
      pid_t writer = pidIn(name, ".tmp");
      if (writer != 0 && !processRuns(writer)) fs::remove(item.path(), error);
      continue;
    }
    if (item.path().extension() != kEntrySuffix) continue;
    if (auto entry = readLive(item.path())) entries[entry->worker] = std::move(*entry);
  }
  for (const auto& item : fs::directory_iterator(dir_ / "sockets", error)) {
    pid_t owner = pidIn(item.path().filename().string(), ".sock");
    if (owner != 0 && !processRuns(owner)) fs::remove(item.path(), error);
  }
  return entries;
}

}  // namespace dohost::rpc
