// StorageHost: opening each object's database, and the natives behind `ctx.storage`
// (runtime/cloudflare/sql.js and storage.js). Values cross as workerd converts them: SQL
// INTEGERs become Numbers, BLOBs ArrayBuffers; key-value values are structured clones.
#include <cmath>
#include <cstring>
#include <ctime>
#include <utility>

#include "dohost/actor.h"
#include "dohost/assert.h"
#include "dohost/log.h"
#include "dohost/storage.h"

#include "instance.h"
#include "storage_host.h"

namespace dohost::actor {

using js::toStdString;
using js::toV8;

namespace {

constexpr char kSqlDisabled[] =
    "SQL is not enabled for this Durable Object class. To enable it, change `new_classes` to "
    "`new_sqlite_classes` within the 'migrations' field in your wrangler.jsonc or wrangler.toml "
    "file. If using workerd directly,set `enableSql = true` in your workerd config for the class. "
    "Note that this change cannot be made after the class is already deployed to production.";

constexpr char kSyncKvDisabled[] =
    "The storage.kv (synchronous KV) API is only available for SQLite-backed Durable Objects, "
    "but this object's namespace is not declared to use SQLite. You can use the older, "
    "asyncronous interface via methods of `storage` itself (e.g. `storage.get()`). "
    "Alternatively, to enable SQLite, change `new_classes` to `new_sqlite_classes` within the "
    "'migrations' field in your wrangler.jsonc or wrangler.toml file. If using workerd directly, "
    "set `enableSql = true` in your workerd config for the class. Note that this change cannot "
    "be made after the class is already deployed to production.";

constexpr char kNoAlarmHandler[] =
    "Your Durable Object class must have an alarm() handler in order to call setAlarm()";

constexpr char kDeleteAllInTransaction[] = "Cannot call deleteAll() within a transaction";

constexpr char kGone[] =
    "This Durable Object's storage is no longer available: the object was reset.";

int64_t nowNanos() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

v8::Local<v8::Value> toJs(v8::Isolate* isolate, const storage::Value& value) {
  switch (value.index()) {
    case 0:
      return v8::Null(isolate);
    case 1:
      // As workerd: every INTEGER is a Number, precision lost past 2^53.
      return v8::Number::New(isolate, static_cast<double>(std::get<int64_t>(value)));
    case 2:
      return v8::Number::New(isolate, std::get<double>(value));
    case 3:
      return toV8(isolate, std::get<std::string>(value));
    default: {
      const auto& bytes = std::get<storage::Blob>(value).bytes;
      auto buffer = v8::ArrayBuffer::New(isolate, bytes.size());
      if (!bytes.empty()) std::memcpy(buffer->Data(), bytes.data(), bytes.size());
      return buffer;
    }
  }
}

// A JS binding to a SQL value, as workerd converts it: numbers as REAL (NaN as NULL), bytes as
// BLOB, null and undefined as NULL, anything else through String(). False after throwing.
bool toSql(v8::Isolate* isolate, v8::Local<v8::Value> value, storage::Value& out) {
  auto context = isolate->GetCurrentContext();
  if (value->IsNull() || value->IsUndefined()) {
    out = std::monostate{};
  } else if (value->IsNumber()) {
    double number = value.As<v8::Number>()->Value();
    if (std::isnan(number)) {
      out = std::monostate{};
    } else {
      out = number;
    }
  } else if (value->IsString()) {
    out = toStdString(isolate, value);
  } else if (value->IsArrayBuffer()) {
    auto buffer = value.As<v8::ArrayBuffer>();
    auto* data = static_cast<const uint8_t*>(buffer->Data());
    out = storage::Blob{std::vector<uint8_t>(data, data + buffer->ByteLength())};
  } else if (value->IsArrayBufferView()) {
    auto view = value.As<v8::ArrayBufferView>();
    std::vector<uint8_t> bytes(view->ByteLength());
    view->CopyContents(bytes.data(), bytes.size());
    out = storage::Blob{std::move(bytes)};
  } else if (value->IsBigInt()) {
    js::throwError(isolate, "TypeError", "Cannot convert a BigInt value to a number");
    return false;
  } else {
    v8::Local<v8::String> text;
    if (!value->ToString(context).ToLocal(&text)) return false;
    out = toStdString(isolate, text);
  }
  return true;
}

std::span<const uint8_t> bytesOf(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// A stored key-value value back to JavaScript; empty after throwing.
v8::MaybeLocal<v8::Value> fromStored(v8::Isolate* isolate, const std::vector<uint8_t>& bytes) {
  return js::deserialize(
      isolate, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Strings of a JS array (the runtime has already applied String()).
std::vector<std::string> stringsOf(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  std::vector<std::string> out;
  if (!value->IsArray()) return out;
  auto array = value.As<v8::Array>();
  auto context = isolate->GetCurrentContext();
  out.reserve(array->Length());
  for (uint32_t i = 0; i < array->Length(); ++i) {
    out.push_back(toStdString(isolate, array->Get(context, i).ToLocalChecked()));
  }
  return out;
}

std::optional<std::string> optionalString(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value->IsUndefined()) return std::nullopt;
  return toStdString(isolate, value);
}

}  // namespace

// A host cursor owned by its JavaScript wrapper; freed when the wrapper is collected.
struct StorageHost::CursorHandle {
  explicit CursorHandle(storage::Cursor c) : cursor(std::move(c)) {}
  storage::Cursor cursor;
  v8::Global<v8::Object> wrapper;
  v8::Global<v8::Array> columns;
  std::vector<storage::Value> row;
};

// ==============================================================================================
// Lifecycle

std::unique_ptr<ObjectStorage> StorageHost::open(int handle,
                                                 const std::string& className,
                                                 const std::string& hex,
                                                 const std::optional<std::string>& name,
                                                 const std::filesystem::path& path,
                                                 bool sqlEnabled) {
  auto object = std::make_unique<ObjectStorage>();
  object->handle = handle;
  object->className = className;
  object->hex = hex;
  object->name = name;
  object->path = path;
  object->sqlEnabled = sqlEnabled;
  return object;
}

bool StorageHost::connect(ObjectStorage& object) {
  if (object.opened) return object.database != nullptr;
  object.opened = true;
  try {
    if (options_.inMemory) {
      auto& kept = memoryDatabases_[object.className + "/" + object.hex];
      if (!kept) kept = storage::Database::open(":memory:");
      object.database = kept;
    } else {
      object.database = storage::Database::open(object.path);
    }
  } catch (const std::exception& e) {
    log::error("storage", "cannot open the database of " + object.className + " " + object.hex +
                              ": " + e.what());
    object.openError = std::string("Durable Object storage could not be opened: ") + e.what();
    return false;
  }

  // Every event's writes join one batch; the gate commits it and lets replies go.
  int handle = object.handle;
  object.gate = std::make_shared<OutputGate>(
      host_.isolate_.loop(), *object.database,
      [this, handle](const std::string& reason) { resetObject(handle, reason); },
      options_.commitDelay);
  object.database->setWriteListener([weak = std::weak_ptr<OutputGate>(object.gate)] {
    if (auto gate = weak.lock()) gate->schedule();
  });
  object.database->beginBatch();
  try {
    adoptStoredAlarm(object);
  } catch (const std::exception& e) {
    log::error("alarm", "cannot schedule the alarm of " + object.className + " " + object.hex +
                            ": " + e.what());
  }
  return true;
}

ObjectStorage* StorageHost::objectAt(const std::string& key) {
  auto found = host_.instances_.find(key);
  if (found == host_.instances_.end() || !found->second->storage) return nullptr;
  return found->second->storage.get();
}

rpc::Reply StorageHost::outputGate(std::string key, rpc::Reply reply) {
  // The instance may not exist yet (the call constructs it): it is looked up at reply time.
  return [this, alive = std::weak_ptr<bool>(alive_), key = std::move(key),
          reply = std::move(reply)](rpc::Message message) {
    auto live = alive.lock();
    ObjectStorage* object = live && *live ? objectAt(key) : nullptr;
    if (!object || !object->gate) {
      reply(std::move(message));
      return;
    }
    object->gate->whenDurable(
        [reply, message] { reply(message); },
        [this, reply, message](const std::string&) { replyStorageFailure(reply, message); });
  };
}

ObjectStorage* StorageHost::objectFor(int handle) {
  const auto& handles = host_.storageHandles_;
  if (handle < 0 || handle >= static_cast<int>(handles.size()) || !handles[handle]) return nullptr;
  return handles[handle]->storage.get();
}

void StorageHost::replyStorageFailure(rpc::Reply reply, const rpc::Message& ret) {
  uint64_t callId = rpc::decodeReturn(ret).callId;
  // Building the error needs the isolate, and this may run inside a native: later, then.
  host_.isolate_.loop().post([this, alive = std::weak_ptr<bool>(alive_), reply, callId] {
    auto live = alive.lock();
    if (!live || !*live) return;
    host_.isolate_.run([&] {
      auto* isolate = host_.isolate_.v8();
      auto context = host_.isolate_.context();
      auto wire = v8::Object::New(isolate);
      for (auto [key, value] : {std::pair<const char*, const char*>{"type", "Error"},
                                {"name", "Error"},
                                {"message",
                                 "Internal error in Durable Object storage write caused object "
                                 "to be reset."}}) {
        wire->Set(context, toV8(isolate, key), toV8(isolate, value)).Check();
      }
      auto bytes = js::serialize(isolate, wire);
      DOHOST_ASSERT(bytes.has_value());
      reply(rpc::encode(rpc::Return{callId, true, std::move(*bytes)}));
    });
  });
}

void StorageHost::resetObject(int handle, const std::string& reason) {
  // The failure may be reported from inside the object's own code: the reset waits for a task
  // of its own, as resetting builds an error in the isolate.
  host_.isolate_.loop().post([this, alive = std::weak_ptr<bool>(alive_), handle, reason] {
    auto live = alive.lock();
    if (!live || !*live) return;
    const auto& handles = host_.storageHandles_;
    if (handle < 0 || handle >= static_cast<int>(handles.size()) || !handles[handle]) return;
    ActorHost::Instance& instance = *handles[handle];
    host_.isolate_.run([&] {
      auto* isolate = host_.isolate_.v8();
      host_.reset(instance,
                  v8::Exception::Error(toV8(isolate,
                                            "Internal error in Durable Object storage write "
                                            "caused object to be reset. (" +
                                                reason + ")")));
    });
  });
}

// ==============================================================================================
// Natives: plumbing

ObjectStorage* StorageHost::storageOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int handle = info[0]->Int32Value(host_.isolate_.context()).FromMaybe(-1);
  ObjectStorage* object = objectFor(handle);
  if (!object) {
    js::throwError(info.GetIsolate(), "Error", kGone);
    return nullptr;
  }
  if (!connect(*object)) {
    js::throwError(info.GetIsolate(), "Error", object->openError);
    return nullptr;
  }
  return object;
}

storage::Database* StorageHost::databaseOf(const v8::FunctionCallbackInfo<v8::Value>& info,
                                           bool sql) {
  // Refused before the database is opened: a key-value object's SQL never touches the disk.
  if (sql) {
    ObjectStorage* object = objectFor(info[0]->Int32Value(host_.isolate_.context()).FromMaybe(-1));
    if (object && !object->sqlEnabled) {
      js::throwError(info.GetIsolate(), "Error", kSqlDisabled);
      return nullptr;
    }
  }
  ObjectStorage* object = storageOf(info);
  return object ? object->database.get() : nullptr;
}

// Runs a native body, turning the storage layer's exceptions into JavaScript errors: a
// SqlError is a plain Error with workerd's text; anything else is a bug or the environment.
template <typename Body>
void guarded(v8::Isolate* isolate, Body&& body) {
  try {
    body();
  } catch (const storage::SqlError& e) {
    js::throwError(isolate, "Error", e.what());
  } catch (const std::exception& e) {
    log::error("storage", std::string("internal error: ") + e.what());
    js::throwError(isolate, "Error",
                   std::string("internal error in Durable Object storage: ") + e.what());
  }
}

void StorageHost::installNatives() {
  auto& isolate = host_.isolate_;
  using Info = v8::FunctionCallbackInfo<v8::Value>;
  auto add = [&](const char* name, void (StorageHost::*method)(const Info&)) {
    isolate.addNative(name, [this, method](const Info& info) { (this->*method)(info); });
  };

  add("sqlExec", &StorageHost::sqlExec);
  isolate.addNative("sqlDatabaseSize", [this](const Info& info) {
    auto* database = databaseOf(info, true);
    if (!database) return;
    guarded(info.GetIsolate(),
            [&] { info.GetReturnValue().Set(static_cast<double>(database->size())); });
  });

  isolate.addNative("cursorNext", [this](const Info& info) {
    auto* handle = cursorOf(info);
    if (!handle) return;
    auto* v8isolate = info.GetIsolate();
    guarded(v8isolate, [&] {
      if (!handle->cursor.next(handle->row)) {
        info.GetReturnValue().SetNull();
        return;
      }
      std::vector<v8::Local<v8::Value>> values;
      values.reserve(handle->row.size());
      for (const auto& value : handle->row) values.push_back(toJs(v8isolate, value));
      info.GetReturnValue().Set(v8::Array::New(v8isolate, values.data(), values.size()));
    });
  });
  isolate.addNative("cursorOne", [this](const Info& info) {
    auto* handle = cursorOf(info);
    if (!handle) return;
    auto* v8isolate = info.GetIsolate();
    guarded(v8isolate, [&] {
      auto row = handle->cursor.one();
      std::vector<v8::Local<v8::Value>> values;
      values.reserve(row.size());
      for (const auto& value : row) values.push_back(toJs(v8isolate, value));
      info.GetReturnValue().Set(v8::Array::New(v8isolate, values.data(), values.size()));
    });
  });
  isolate.addNative("cursorColumns", [this](const Info& info) {
    auto* handle = cursorOf(info);
    if (!handle) return;
    auto* v8isolate = info.GetIsolate();
    if (handle->columns.IsEmpty()) {
      const auto& names = handle->cursor.columnNames();
      std::vector<v8::Local<v8::Value>> values;
      for (const auto& name : names) values.push_back(toV8(v8isolate, name));
      handle->columns.Reset(v8isolate, v8::Array::New(v8isolate, values.data(), values.size()));
    }
    info.GetReturnValue().Set(handle->columns.Get(v8isolate));
  });
  isolate.addNative("cursorRowsRead", [this](const Info& info) {
    if (auto* handle = cursorOf(info)) {
      info.GetReturnValue().Set(static_cast<double>(handle->cursor.rowsRead()));
    }
  });
  isolate.addNative("cursorRowsWritten", [this](const Info& info) {
    if (auto* handle = cursorOf(info)) {
      info.GetReturnValue().Set(static_cast<double>(handle->cursor.rowsWritten()));
    }
  });

  isolate.addNative("kvGet", [this](const Info& info) { kvGet(info, false); });
  isolate.addNative("kvGetMany", [this](const Info& info) { kvGet(info, true); });
  isolate.addNative("kvPut", [this](const Info& info) { kvPut(info, false); });
  isolate.addNative("kvPutMany", [this](const Info& info) { kvPut(info, true); });
  isolate.addNative("kvDelete", [this](const Info& info) { kvDelete(info, false); });
  isolate.addNative("kvDeleteMany", [this](const Info& info) { kvDelete(info, true); });
  add("kvList", &StorageHost::kvList);
  add("kvDeleteAll", &StorageHost::kvDeleteAll);
  isolate.addNative("syncKvCheck", [this](const Info& info) {
    ObjectStorage* object = objectFor(info[0]->Int32Value(host_.isolate_.context()).FromMaybe(-1));
    if (!object) {
      js::throwError(info.GetIsolate(), "Error", kGone);
    } else if (!object->sqlEnabled) {
      js::throwError(info.GetIsolate(), "Error", kSyncKvDisabled);
    }
  });
  isolate.addNative("storageSync", [this](const Info& info) {
    if (ObjectStorage* object = storageOf(info)) object->commit();
  });
  isolate.addNative("storageBookmark", [this](const Info& info) {
    auto* database = databaseOf(info, false);
    if (!database) return;
    guarded(info.GetIsolate(),
            [&] { info.GetReturnValue().Set(toV8(info.GetIsolate(), database->nextBookmark())); });
  });

  add("alarmGet", &StorageHost::alarmGet);
  add("alarmSet", &StorageHost::alarmSet);
  isolate.addNative("instanceConstructed", [this](const Info& info) {
    // No storage operation: the database stays closed until the object uses it.
    ObjectStorage* object = objectFor(info[0]->Int32Value(host_.isolate_.context()).FromMaybe(-1));
    if (!object) return;
    object->constructed = true;
    object->hasAlarmHandler = info[1]->IsTrue();
  });

  add("txnBegin", &StorageHost::txnBegin);
  isolate.addNative("txnCommit", [this](const Info& info) { txnEnd(info, true); });
  isolate.addNative("txnRollback", [this](const Info& info) { txnEnd(info, false); });
}

// ==============================================================================================
// Natives: SQL

v8::Local<v8::Object> StorageHost::wrapCursor(storage::Cursor cursor) {
  auto* isolate = host_.isolate_.v8();
  auto context = host_.isolate_.context();
  if (cursorTemplate_.IsEmpty()) {
    auto tmpl = v8::ObjectTemplate::New(isolate);
    tmpl->SetInternalFieldCount(1);
    cursorTemplate_.Reset(isolate, tmpl);
  }
  auto wrapper = cursorTemplate_.Get(isolate)->NewInstance(context).ToLocalChecked();
  auto* handle = new CursorHandle(std::move(cursor));
  wrapper->SetAlignedPointerInInternalField(0, handle);
  handle->wrapper.Reset(isolate, wrapper);
  handle->wrapper.SetWeak(
      handle,
      [](const v8::WeakCallbackInfo<CursorHandle>& data) {
        auto* dead = data.GetParameter();
        dead->wrapper.Reset();
        delete dead;
      },
      v8::WeakCallbackType::kParameter);
  return wrapper;
}

StorageHost::CursorHandle* StorageHost::cursorOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  DOHOST_REQUIRE(info[0]->IsObject(), "not a cursor");
  auto object = info[0].As<v8::Object>();
  DOHOST_REQUIRE(object->InternalFieldCount() == 1, "not a cursor");
  return static_cast<CursorHandle*>(object->GetAlignedPointerFromInternalField(0));
}

void StorageHost::sqlExec(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto* database = databaseOf(info, true);
  if (!database) return;

  std::vector<storage::Value> bindings;
  if (info[2]->IsArray()) {
    auto array = info[2].As<v8::Array>();
    auto context = host_.isolate_.context();
    bindings.resize(array->Length());
    for (uint32_t i = 0; i < array->Length(); ++i) {
      if (!toSql(isolate, array->Get(context, i).ToLocalChecked(), bindings[i])) return;
    }
  }
  v8::String::Utf8Value query(isolate, info[1]);
  guarded(isolate, [&] {
    auto cursor = database->exec(std::string_view(*query, query.length()), std::move(bindings));
    info.GetReturnValue().Set(wrapCursor(std::move(cursor)));
  });
}

// ==============================================================================================
// Natives: key-value

void StorageHost::kvGet(const v8::FunctionCallbackInfo<v8::Value>& info, bool many) {
  auto* isolate = info.GetIsolate();
  auto* database = databaseOf(info, false);
  if (!database) return;
  auto context = host_.isolate_.context();

  if (!many) {
    std::optional<std::vector<uint8_t>> stored;
    guarded(isolate, [&] { stored = database->kvGet(toStdString(isolate, info[1])); });
    if (!stored) return;  // undefined, or the error thrown
    v8::Local<v8::Value> value;
    if (fromStored(isolate, *stored).ToLocal(&value)) info.GetReturnValue().Set(value);
    return;
  }

  // Present keys only, in key order, each once (workerd's get([...]) answer).
  std::vector<std::string> keys = stringsOf(isolate, info[1]);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  auto map = v8::Map::New(isolate);
  bool failed = false;
  guarded(isolate, [&] {
    for (const auto& key : keys) {
      auto stored = database->kvGet(key);
      if (!stored) continue;
      v8::Local<v8::Value> value;
      if (!fromStored(isolate, *stored).ToLocal(&value) ||
          map->Set(context, toV8(isolate, key), value).IsEmpty()) {
        failed = true;
        return;
      }
    }
  });
  if (!failed) info.GetReturnValue().Set(map);
}

void StorageHost::kvPut(const v8::FunctionCallbackInfo<v8::Value>& info, bool many) {
  auto* isolate = info.GetIsolate();
  auto* database = databaseOf(info, false);
  if (!database) return;
  auto context = host_.isolate_.context();

  // Every value is cloned before anything is written, so a value that cannot be cloned fails the
  // whole batch.
  std::vector<std::string> keys;
  std::vector<std::string> values;
  if (!many) {
    keys.push_back(toStdString(isolate, info[1]));
    auto bytes = js::serialize(isolate, info[2]);
    if (!bytes) return;
    values.push_back(std::move(*bytes));
  } else {
    keys = stringsOf(isolate, info[1]);
    auto array = info[2].As<v8::Array>();
    for (uint32_t i = 0; i < array->Length(); ++i) {
      auto bytes = js::serialize(isolate, array->Get(context, i).ToLocalChecked());
      if (!bytes) return;
      values.push_back(std::move(*bytes));
    }
  }
  guarded(isolate, [&] {
    for (size_t i = 0; i < keys.size(); ++i) database->kvPut(keys[i], bytesOf(values[i]));
  });
}

void StorageHost::kvDelete(const v8::FunctionCallbackInfo<v8::Value>& info, bool many) {
  auto* isolate = info.GetIsolate();
  auto* database = databaseOf(info, false);
  if (!database) return;
  guarded(isolate, [&] {
    if (!many) {
      info.GetReturnValue().Set(database->kvDelete(toStdString(isolate, info[1])));
      return;
    }
    int count = 0;
    for (const auto& key : stringsOf(isolate, info[1])) count += database->kvDelete(key) ? 1 : 0;
    info.GetReturnValue().Set(count);
  });
}

void StorageHost::kvList(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto* database = databaseOf(info, false);
  if (!database) return;
  auto context = host_.isolate_.context();

  // (handle, start, startAfter, end, prefix, limit, reverse), already checked by the runtime.
  storage::KvListOptions options;
  options.start = optionalString(isolate, info[1]);
  options.startAfter = optionalString(isolate, info[2]);
  options.end = optionalString(isolate, info[3]);
  options.prefix = optionalString(isolate, info[4]);
  if (!info[5]->IsUndefined()) {
    options.limit = static_cast<uint32_t>(info[5]->Int32Value(context).FromMaybe(1));
  }
  options.reverse = info[6]->IsTrue();

  auto map = v8::Map::New(isolate);
  bool failed = false;
  guarded(isolate, [&] {
    auto range = storage::compileListOptions(options);
    if (!range) return;
    for (const auto& entry : database->kvList(*range)) {
      v8::Local<v8::Value> value;
      if (!fromStored(isolate, entry.value).ToLocal(&value) ||
          map->Set(context, toV8(isolate, entry.key), value).IsEmpty()) {
        failed = true;
        return;
      }
    }
  });
  if (!failed) info.GetReturnValue().Set(map);
}

void StorageHost::kvDeleteAll(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  ObjectStorage* object = storageOf(info);
  if (!object) return;
  auto& database = *object->database;
  if (database.savepointDepth() > 0) {
    js::throwError(isolate, "Error", kDeleteAllInTransaction);
    return;
  }
  guarded(isolate, [&] {
    // Before delete_all_deletes_alarm the alarm outlives deleteAll(), as in workerd.
    std::optional<int64_t> alarm = database.getAlarm();
    database.deleteAll();
    if (options_.deleteAllDeletesAlarm) {
      if (alarm) scheduleAlarm(*object, std::nullopt);
    } else if (alarm) {
      database.setAlarm(alarm);
    }
    // The wipe itself is durable already; what the batch held before it is gone.
    if (object->gate) object->gate->schedule();
  });
}

// ==============================================================================================
// Natives: alarms

void StorageHost::alarmGet(const v8::FunctionCallbackInfo<v8::Value>& info) {
  ObjectStorage* object = storageOf(info);
  if (!object) return;
  guarded(info.GetIsolate(), [&] {
    auto alarm = object->database->getAlarm();
    // The alarm whose handler is running reads as deleted (workerd's deferred delete).
    if (!alarm || (object->alarmDeleteDeferred && alarm == object->runningAlarm)) {
      info.GetReturnValue().SetNull();
      return;
    }
    info.GetReturnValue().Set(static_cast<double>(*alarm / 1000000));
  });
}

void StorageHost::alarmSet(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  ObjectStorage* object = storageOf(info);
  if (!object) return;

  std::optional<int64_t> time;
  if (info[1]->IsNumber()) {
    if (object->constructed && !object->hasAlarmHandler) {
      js::throwError(isolate, "TypeError", kNoAlarmHandler);
      return;
    }
    // Milliseconds (fraction kept) to nanoseconds; a time in the past becomes now, to the
    // millisecond, as workerd clamps it.
    double ms = info[1].As<v8::Number>()->Value();
    // Whole milliseconds exactly, then the fraction: ms * 1e6 as a double would lose the last
    // digits at today's times.
    double whole = std::floor(ms);
    int64_t requested =
        static_cast<int64_t>(whole) * 1000000 + static_cast<int64_t>((ms - whole) * 1e6);
    int64_t now = nowNanos() / 1000000 * 1000000;
    time = std::max(requested, now);
  }
  guarded(isolate, [&] {
    object->alarmDeleteDeferred = false;
    object->database->setAlarm(time);
    // While alarm() runs, any setAlarm()/deleteAlarm() decides what comes after it.
    if (time != object->scheduledAlarm || object->runningAlarm) scheduleAlarm(*object, time);
  });
}

// ==============================================================================================
// Natives: transactions

void StorageHost::txnBegin(const v8::FunctionCallbackInfo<v8::Value>& info) {
  ObjectStorage* object = storageOf(info);
  if (!object) return;
  guarded(info.GetIsolate(),
          [&] { info.GetReturnValue().Set(object->database->beginSavepoint()); });
}

void StorageHost::txnEnd(const v8::FunctionCallbackInfo<v8::Value>& info, bool commit) {
  ObjectStorage* object = storageOf(info);
  if (!object) return;
  auto& database = *object->database;
  int depth = info[1]->Int32Value(host_.isolate_.context()).FromMaybe(-1);
  if (depth + 1 != database.savepointDepth()) {
    js::throwError(info.GetIsolate(), "Error",
                   "Cannot end a transaction while a transaction started inside it is still "
                   "running.");
    return;
  }
  guarded(info.GetIsolate(), [&] {
    if (commit) {
      database.releaseSavepoint();
    } else {
      database.rollbackSavepoint();
      resyncAlarm(*object);
    }
    // The outermost transaction ended: a commit put off while it ran may go now.
    if (database.savepointDepth() == 0 && object->gate) object->gate->schedule();
  });
}

}  // namespace dohost::actor
