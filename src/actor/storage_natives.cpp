// The natives behind `ctx.storage` (runtime/cloudflare/sql.js): SQL on the
// object's own database, with values converted as workerd converts them.
#include <cmath>
#include <cstring>

#include "dohost/actor.h"
#include "dohost/assert.h"
#include "dohost/storage.h"

#include "instance.h"

namespace dohost::actor {

using js::toStdString;
using js::toV8;

void ActorHost::installStorageNatives() {
  isolate_.addNative("sqlExec",
                     [this](const v8::FunctionCallbackInfo<v8::Value>& info) { sqlExec(info); });
  isolate_.addNative("sqlDatabaseSize", [this](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* database = databaseOf(info);
    if (!database) return;
    info.GetReturnValue().Set(static_cast<double>(database->size()));
  });
}

storage::Database* ActorHost::databaseOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  int handle = info[0]->Int32Value(isolate_.context()).FromMaybe(-1);
  DOHOST_REQUIRE(handle >= 0 && handle < static_cast<int>(storageHandles_.size()),
                 "bad storage handle");
  auto* instance = storageHandles_[handle];
  if (!instance || !instance->database) {
    js::throwError(info.GetIsolate(), "Error",
                   "SQL is not enabled for this Durable Object class. Use a "
                   "new_sqlite_classes migration to create it with SQLite storage.");
    return nullptr;
  }
  return instance->database.get();
}

namespace {

v8::Local<v8::Value> toJs(v8::Isolate* isolate, const storage::Value& value) {
  switch (value.index()) {
    case 0:
      return v8::Null(isolate);
    case 1:
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

// JS binding values to SQL values, as workerd converts them: numbers as
// REAL, bytes as BLOB, null/undefined as NULL, everything else via String().
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

}  // namespace

void ActorHost::sqlExec(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* isolate = info.GetIsolate();
  auto context = isolate_.context();
  auto* database = databaseOf(info);
  if (!database) return;

  auto query = toStdString(isolate, info[1]);
  std::vector<storage::Value> bindings;
  if (info[2]->IsArray()) {
    auto array = info[2].As<v8::Array>();
    for (uint32_t i = 0; i < array->Length(); ++i) {
      storage::Value value;
      if (!toSql(isolate, array->Get(context, i).ToLocalChecked(), value)) return;
      bindings.push_back(std::move(value));
    }
  }

  try {
    auto cursor = database->exec(query, std::move(bindings));
    auto columns = v8::Array::New(isolate);
    const auto& names = cursor.columnNames();
    for (uint32_t i = 0; i < names.size(); ++i) {
      columns->Set(context, i, toV8(isolate, names[i])).Check();
    }
    auto rows = v8::Array::New(isolate);
    std::vector<storage::Value> row;
    uint32_t count = 0;
    while (cursor.next(row)) {
      auto jsRow = v8::Array::New(isolate, static_cast<int>(row.size()));
      for (uint32_t i = 0; i < row.size(); ++i) {
        jsRow->Set(context, i, toJs(isolate, row[i])).Check();
      }
      rows->Set(context, count++, jsRow).Check();
    }
    auto result = v8::Object::New(isolate);
    result->Set(context, toV8(isolate, "columns"), columns).Check();
    result->Set(context, toV8(isolate, "rows"), rows).Check();
    result
        ->Set(context, toV8(isolate, "rowsRead"),
              v8::Number::New(isolate, static_cast<double>(cursor.rowsRead())))
        .Check();
    result
        ->Set(context, toV8(isolate, "rowsWritten"),
              v8::Number::New(isolate, static_cast<double>(cursor.rowsWritten())))
        .Check();
    info.GetReturnValue().Set(result);
  } catch (const storage::SqlError& e) {
    js::throwError(isolate, "Error", e.what());
  }
}

}  // namespace dohost::actor
