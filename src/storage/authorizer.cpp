// The authorizer callback and the statement facts it records. The rules are workerd's, so that
// the same SQL is refused with the same message: "not authorized: SQLITE_AUTH" for most denials,
// SQLite's own "not authorized to use function: X" for functions, and workerd's longer text for
// transaction statements.
#include "authorizer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>
#include <strings.h>
#include <unordered_map>
#include <unordered_set>

#include <sqlite3.h>

namespace dohost::storage {

const char kTransactionMessage[] =
    "To execute a transaction, please use the state.storage.transaction() or "
    "state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT "
    "statements. The JavaScript API is safer because it will automatically roll back on "
    "exceptions, and because it interacts correctly with Durable Objects' automatic atomic "
    "write coalescing.";

namespace {

// Functions a Durable Object may call: workerd's list. sqlite_version() and friends are left
// out there because they reveal build details. Names the system SQLite lacks (unhex, concat...)
// fail earlier with "no such function".
const std::unordered_set<std::string_view>& allowedFunctions() {
  static const std::unordered_set<std::string_view> kAllowed = {
      // Core functions.
      "abs",
      "changes",
      "char",
      "coalesce",
      "concat",
      "concat_ws",
      "format",
      "glob",
      "hex",
      "ifnull",
      "iif",
      "instr",
      "last_insert_rowid",
      "length",
      "like",
      "likelihood",
      "likely",
      "load_extension",
      "lower",
      "ltrim",
      "max_scalar",
      "min_scalar",
      "nullif",
      "octet_length",
      "printf",
      "quote",
      "random",
      "randomblob",
      "replace",
      "round",
      "rtrim",
      "sign",
      "soundex",
      "substr",
      "substring",
      "total_changes",
      "trim",
      "typeof",
      "unhex",
      "unicode",
      "unlikely",
      "upper",
      "zeroblob",
      // Date and time.
      "date",
      "time",
      "datetime",
      "julianday",
      "unixepoch",
      "strftime",
      "timediff",
      "current_date",
      "current_time",
      "current_timestamp",
      // Aggregates.
      "avg",
      "count",
      "group_concat",
      "max",
      "min",
      "string_agg",
      "sum",
      "total",
      // Window functions.
      "row_number",
      "rank",
      "dense_rank",
      "percent_rank",
      "cume_dist",
      "ntile",
      "lag",
      "lead",
      "first_value",
      "last_value",
      "nth_value",
      // Math.
      "acos",
      "acosh",
      "asin",
      "asinh",
      "atan",
      "atan2",
      "atanh",
      "ceil",
      "cos",
      "cosh",
      "degrees",
      "exp",
      "floor",
      "ln",
      "log",
      "log2",
      "mod",
      "pi",
      "pow",
      "radians",
      "sin",
      "sinh",
      "sqrt",
      "tan",
      "tanh",
      "trunc",
      // JSON.
      "json",
      "jsonb",
      "json_array",
      "jsonb_array",
      "json_array_length",
      "json_extract",
      "jsonb_extract",
      "->",
      "->>",
      "json_insert",
      "jsonb_insert",
      "json_object",
      "jsonb_object",
      "json_patch",
      "jsonb_patch",
      "json_remove",
      "jsonb_remove",
      "json_replace",
      "jsonb_replace",
      "json_set",
      "jsonb_set",
      "json_type",
      "json_valid",
      "json_quote",
      "json_group_array",
      "jsonb_group_array",
      "json_group_object",
      "jsonb_group_object",
      "json_each",
      "json_tree",
      // FTS5 and R*Tree.
      "match",
      "highlight",
      "bm25",
      "snippet",
      "rtreecheck",
      // Used internally by ALTER TABLE.
      "sqlite_rename_column",
      "sqlite_rename_table",
      "sqlite_rename_test",
      "sqlite_drop_column",
      "sqlite_rename_quotefix",
  };
  return kAllowed;
}

// How a permitted PRAGMA may be called.
enum class PragmaArgs {
  kNone,        // read only, no argument
  kBoolean,     // read, or set to a boolean spelling
  kObjectName,  // a table or index name is required
  kOptionalObjectName,
  kOptionalNumber,
  kOptionalNumberOrObjectName,
};

const std::unordered_map<std::string_view, PragmaArgs>& allowedPragmas() {
  static const std::unordered_map<std::string_view, PragmaArgs> kAllowed = {
      {"data_version", PragmaArgs::kNone},
      // R*Tree reads the page size internally; setting it stays refused.
      {"page_size", PragmaArgs::kNone},
      {"case_sensitive_like", PragmaArgs::kBoolean},
      {"foreign_keys", PragmaArgs::kBoolean},
      {"defer_foreign_keys", PragmaArgs::kBoolean},
      {"ignore_check_constraints", PragmaArgs::kBoolean},
      {"legacy_alter_table", PragmaArgs::kBoolean},
      {"recursive_triggers", PragmaArgs::kBoolean},
      {"reverse_unordered_selects", PragmaArgs::kBoolean},
      {"foreign_key_check", PragmaArgs::kOptionalObjectName},
      {"foreign_key_list", PragmaArgs::kObjectName},
      {"index_info", PragmaArgs::kObjectName},
      {"index_list", PragmaArgs::kObjectName},
      {"index_xinfo", PragmaArgs::kObjectName},
      {"quick_check", PragmaArgs::kOptionalNumberOrObjectName},
      {"optimize", PragmaArgs::kOptionalNumber},
  };
  return kAllowed;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

// Every spelling of a boolean SQLite accepts, compared the way workerd does: by prefix,
// ignoring case, after one pair of quotes is removed.
bool isBooleanArgument(std::string value) {
  if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
      value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  for (const char* spelling : {"true", "false", "yes", "no", "on", "off", "1", "0"}) {
    if (strncasecmp(value.c_str(), spelling, std::char_traits<char>::length(spelling)) == 0) {
      return true;
    }
  }
  return false;
}

// The whole text is a decimal integer in range (kj::StringPtr::tryParseAs, which workerd uses).
bool parsesAsInt32(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long value = std::strtoll(text.c_str(), &end, 10);
  return errno == 0 && end == text.c_str() + text.size() &&
         value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max();
}

bool parsesAsUnsigned(const std::string& text) {
  if (text.empty() || text.front() == '-') return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  return errno == 0 && end == text.c_str() + text.size() &&
         value <= std::numeric_limits<unsigned>::max();
}

bool isAllowedPragma(const char* pragma, const char* argument) {
  std::string_view name = pragma ? pragma : "";

  // table_list shows reserved tables' names, which are no secret; their contents are.
  if (name == "table_list") return true;
  if (name == "table_info" || name == "table_xinfo") {
    return argument != nullptr && isAllowedName(argument);
  }

  auto found = allowedPragmas().find(name);
  if (found == allowedPragmas().end()) return false;
  switch (found->second) {
    case PragmaArgs::kNone:
      return argument == nullptr;
    case PragmaArgs::kBoolean:
      return argument == nullptr || isBooleanArgument(argument);
    case PragmaArgs::kObjectName:
      return argument != nullptr && isAllowedName(argument);
    case PragmaArgs::kOptionalObjectName:
      return argument == nullptr || isAllowedName(argument);
    case PragmaArgs::kOptionalNumber:
      return argument == nullptr || parsesAsInt32(argument);
    case PragmaArgs::kOptionalNumberOrObjectName:
      return argument == nullptr || parsesAsUnsigned(argument) || isAllowedName(argument);
  }
  return false;
}

bool isAllowedVirtualTable(const char* table, const char* module) {
  if (module == nullptr) return false;
  for (const char* allowed : {"fts5", "fts5vocab", "rtree", "rtree_i32"}) {
    if (strcasecmp(module, allowed) == 0) return isAllowedName(table ? table : "");
  }
  return false;
}

// The rules for the Worker's own statements on the main database.
bool isAllowedForUser(AuthContext& context, int action, const char* param1, const char* param2) {
  auto name = [](const char* text) { return isAllowedName(text ? text : ""); };

  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
      return true;

    case SQLITE_CREATE_TABLE:
    case SQLITE_DELETE:
    case SQLITE_DROP_TABLE:
    case SQLITE_INSERT:
    case SQLITE_CREATE_VIEW:
    case SQLITE_DROP_VIEW:
    case SQLITE_REINDEX:
    case SQLITE_READ:
    case SQLITE_UPDATE:
    case SQLITE_ALTER_TABLE:
      return name(param1);

    // `PRAGMA optimize` runs ANALYZE over every table, reserved ones included; sqlite_stat1
    // holds no row data, so workerd allows it.
    case SQLITE_ANALYZE:
      return true;

    case SQLITE_CREATE_INDEX:
    case SQLITE_DROP_INDEX:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_DROP_TRIGGER:
      return name(param1) && name(param2);

    // Durable Objects batch writes into their own transactions, so workerd refuses these with
    // a pointer to transactionSync().
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
      context.deniedWith = kTransactionMessage;
      return false;

    case SQLITE_PRAGMA:
      return isAllowedPragma(param1, param2);

    case SQLITE_FUNCTION:
      return param2 != nullptr && allowedFunctions().count(param2) > 0;

    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_VTABLE:
      return isAllowedVirtualTable(param1, param2);

    // Attached databases, temporary objects and the long-gone COPY are never allowed.
    default:
      return false;
  }
}

// Notes what the rows-read/written estimate needs to know about a top-level action.
void recordFacts(StatementFacts& facts, int action, const char* param1, const char* param2) {
  std::string table = lower(param1 ? param1 : "");
  auto setDml = [&](StatementFacts::Dml kind) {
    if (facts.dml != StatementFacts::Dml::kNone || startsWithNoCase(table, "sqlite_")) return;
    facts.dml = kind;
    facts.dmlTable = table;
  };

  switch (action) {
    case SQLITE_READ:
      facts.tablesScanned.insert(table);
      break;
    case SQLITE_UPDATE:
      // A CREATE writes its row of sqlite_schema without scanning it.
      if (startsWithNoCase(table, "sqlite_")) break;
      facts.tablesScanned.insert(table);
      setDml(StatementFacts::Dml::kUpdate);
      if (facts.dml == StatementFacts::Dml::kUpdate && facts.dmlTable == table && param2) {
        facts.updatedColumns.insert(lower(param2));
      }
      break;
    case SQLITE_INSERT:
      setDml(StatementFacts::Dml::kInsert);
      break;
    case SQLITE_DELETE:
      setDml(StatementFacts::Dml::kDelete);
      break;
    // The first CREATE is the statement's own; a table's automatic indexes come after it.
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_VIEW:
      if (facts.create == 0) {
        facts.create = action;
        facts.createdOn = table;
      }
      facts.changesSchema = true;
      break;
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TRIGGER:
      if (facts.create == 0) {
        facts.create = action;
        facts.createdOn = lower(param2 ? param2 : "");
      }
      facts.changesSchema = true;
      break;
    case SQLITE_ALTER_TABLE:
      facts.altersTable = true;
      facts.changesSchema = true;
      break;
    case SQLITE_DROP_TABLE:
      if (facts.droppedTable.empty() && !facts.dropsIndex) facts.droppedTable = table;
      facts.changesSchema = true;
      break;
    case SQLITE_DROP_INDEX:
      if (facts.droppedTable.empty()) facts.dropsIndex = true;
      facts.changesSchema = true;
      break;
    case SQLITE_DROP_VIEW:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_VTABLE:
      facts.changesSchema = true;
      break;
    case SQLITE_FUNCTION:
      if (param2 && std::string_view(param2) == "count") facts.callsCount = true;
      break;
    default:
      break;
  }
}

// ---- A small SQL tokenizer for renamesToReservedName() ------------------------------------

struct Token {
  std::string text;
  bool quoted = false;
};

// Reads the next token after whitespace and comments; an empty token at the end.
Token nextToken(std::string_view sql, size_t& pos) {
  for (;;) {
    while (pos < sql.size() && std::isspace(static_cast<unsigned char>(sql[pos]))) ++pos;
    if (sql.substr(pos, 2) == "--") {
      while (pos < sql.size() && sql[pos] != '\n') ++pos;
    } else if (sql.substr(pos, 2) == "/*") {
      size_t close = sql.find("*/", pos + 2);
      pos = close == std::string_view::npos ? sql.size() : close + 2;
    } else {
      break;
    }
  }
  if (pos >= sql.size()) return {};

  char first = sql[pos];
  char closing = first == '[' ? ']' : first;
  if (first == '"' || first == '`' || first == '\'' || first == '[') {
    Token token{"", true};
    for (++pos; pos < sql.size(); ++pos) {
      if (sql[pos] == closing) {
        // A doubled quote inside a quoted name stands for one quote.
        if (closing != ']' && pos + 1 < sql.size() && sql[pos + 1] == closing) {
          token.text += closing;
          ++pos;
          continue;
        }
        ++pos;
        break;
      }
      token.text += sql[pos];
    }
    return token;
  }

  size_t start = pos;
  auto isWordChar = [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
  };
  if (isWordChar(static_cast<unsigned char>(first))) {
    while (pos < sql.size() && isWordChar(static_cast<unsigned char>(sql[pos]))) ++pos;
  } else {
    ++pos;
  }
  return {std::string(sql.substr(start, pos - start)), false};
}

bool isKeyword(const Token& token, const char* keyword) {
  return !token.quoted && strcasecmp(token.text.c_str(), keyword) == 0;
}

}  // namespace

bool isAllowedName(std::string_view name) {
  return !startsWithNoCase(name, "_cf_");
}

bool renamesToReservedName(std::string_view statementSql) {
  size_t pos = 0;
  Token previous;
  for (Token token = nextToken(statementSql, pos); !token.text.empty() || token.quoted;
       token = nextToken(statementSql, pos)) {
    if (isKeyword(previous, "RENAME") && isKeyword(token, "TO")) {
      Token newName = nextToken(statementSql, pos);
      return !isAllowedName(newName.text);
    }
    previous = std::move(token);
  }
  return false;
}

int authorize(void* userData,
              int action,
              const char* param1,
              const char* param2,
              const char* dbName,
              const char* triggerName) {
  auto& context = *static_cast<AuthContext*>(userData);
  if (context.mode == AuthMode::kDeny) return SQLITE_DENY;

  // SQLite passes the database name first for these two; put it where the others have it.
  if (action == SQLITE_ALTER_TABLE || action == SQLITE_DETACH) {
    const char* database = param1;
    param1 = param2;
    param2 = dbName;
    dbName = database;
  }

  std::string_view database = dbName ? dbName : "";
  if (context.facts && triggerName == nullptr && (database.empty() || database == "main")) {
    recordFacts(*context.facts, action, param1, param2);
  }
  if (context.mode == AuthMode::kTrusted) return SQLITE_OK;

  // One database file per object: the temp schema may only be read, nothing may be attached.
  if (database == "temp") {
    bool readOrUpdate = action == SQLITE_READ || action == SQLITE_UPDATE;
    return readOrUpdate && isAllowedName(param1 ? param1 : "") ? SQLITE_OK : SQLITE_DENY;
  }
  if (!database.empty() && database != "main") return SQLITE_DENY;

  return isAllowedForUser(context, action, param1, param2) ? SQLITE_OK : SQLITE_DENY;
}

}  // namespace dohost::storage
