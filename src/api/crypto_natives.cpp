// natives.crypto*: the bridge from runtime/web/crypto.js to crypto.cpp.
// Arguments were checked in JavaScript; these only move bytes.
#include "crypto.h"
#include "native_util.h"

namespace dohost::api {
namespace {

using js::toStdString;
using js::toV8;
using Info = v8::FunctionCallbackInfo<v8::Value>;

void setBytes(const Info& info, const std::optional<std::string>& bytes) {
  if (bytes) {
    info.GetReturnValue().Set(toUint8Array(info.GetIsolate(), *bytes));
  } else {
    info.GetReturnValue().SetNull();
  }
}

std::string str(const Info& info, int index) {
  return toStdString(info.GetIsolate(), info[index]);
}

// { isPrivate, der, curve } or the error text.
void setImported(const Info& info, const crypto::ImportResult& result) {
  auto* isolate = info.GetIsolate();
  if (!result.key) {
    info.GetReturnValue().Set(toV8(isolate, result.error));
    return;
  }
  auto context = isolate->GetCurrentContext();
  auto object = v8::Object::New(isolate);
  object->Set(context, toV8(isolate, "isPrivate"), v8::Boolean::New(isolate, result.key->isPrivate))
      .Check();
  object->Set(context, toV8(isolate, "der"), toUint8Array(isolate, result.key->der)).Check();
  object->Set(context, toV8(isolate, "curve"), toV8(isolate, result.key->curve)).Check();
  info.GetReturnValue().Set(object);
}

std::string field(const Info& info, v8::Local<v8::Value> object, const char* name) {
  auto* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  v8::Local<v8::Value> value;
  if (!object->IsObject() ||
      !object.As<v8::Object>()->Get(context, toV8(isolate, name)).ToLocal(&value)) {
    return {};
  }
  return std::string(viewOf(value));
}

}  // namespace

void installCryptoNatives(js::Isolate& isolate) {
  isolate.addNative("cryptoRandomFill", [](const Info& info) {
    guarded(info, "cryptoRandomFill", [&] {
      auto view = viewOf(info[0]);
      if (!crypto::randomBytes(const_cast<char*>(view.data()), view.size())) {
        js::throwError(info.GetIsolate(), "Error", "random bytes are not available");
      }
    });
  });
  isolate.addNative("cryptoDigest", [](const Info& info) {
    guarded(info, "cryptoDigest",
            [&] { setBytes(info, crypto::digest(str(info, 0), viewOf(info[1]))); });
  });
  isolate.addNative("cryptoHmac", [](const Info& info) {
    guarded(info, "cryptoHmac",
            [&] { setBytes(info, crypto::hmac(str(info, 0), viewOf(info[1]), viewOf(info[2]))); });
  });
  isolate.addNative("cryptoAesGcm", [](const Info& info) {
    guarded(info, "cryptoAesGcm", [&] {
      auto tagBytes = static_cast<size_t>(
          info[5]->NumberValue(info.GetIsolate()->GetCurrentContext()).FromMaybe(16));
      setBytes(info, crypto::aesGcm(info[0]->IsTrue(), viewOf(info[1]), viewOf(info[2]),
                                    viewOf(info[3]), viewOf(info[4]), tagBytes));
    });
  });
  isolate.addNative("cryptoPbkdf2", [](const Info& info) {
    guarded(info, "cryptoPbkdf2", [&] {
      auto context = info.GetIsolate()->GetCurrentContext();
      auto iterations = static_cast<uint32_t>(info[3]->NumberValue(context).FromMaybe(0));
      auto bytes = static_cast<size_t>(info[4]->NumberValue(context).FromMaybe(0));
      setBytes(info,
               crypto::pbkdf2(str(info, 0), viewOf(info[1]), viewOf(info[2]), iterations, bytes));
    });
  });
  isolate.addNative("cryptoHkdf", [](const Info& info) {
    guarded(info, "cryptoHkdf", [&] {
      auto context = info.GetIsolate()->GetCurrentContext();
      auto bytes = static_cast<size_t>(info[4]->NumberValue(context).FromMaybe(0));
      setBytes(info, crypto::hkdf(str(info, 0), viewOf(info[1]), viewOf(info[2]), viewOf(info[3]),
                                  bytes));
    });
  });
  // cryptoImport(kind, format, curve, data): data is bytes, or for "jwk"
  // an object { x, y, d } of decoded bytes.
  isolate.addNative("cryptoImport", [](const Info& info) {
    guarded(info, "cryptoImport", [&] {
      auto kind = str(info, 0);
      auto format = str(info, 1);
      auto curve = str(info, 2);
      if (format == "raw") {
        setImported(info, crypto::importRaw(kind, curve, viewOf(info[3])));
      } else if (format == "spki") {
        setImported(info, crypto::importSpki(kind, viewOf(info[3])));
      } else if (format == "pkcs8") {
        setImported(info, crypto::importPkcs8(kind, viewOf(info[3])));
      } else {
        setImported(info, crypto::importJwk(kind, curve, field(info, info[3], "x"),
                                            field(info, info[3], "y"), field(info, info[3], "d")));
      }
    });
  });
  isolate.addNative("cryptoPublicDer", [](const Info& info) {
    guarded(info, "cryptoPublicDer",
            [&] { setBytes(info, crypto::publicDer(viewOf(info[0]), info[1]->IsTrue())); });
  });
  isolate.addNative("cryptoExportRaw", [](const Info& info) {
    guarded(info, "cryptoExportRaw", [&] { setBytes(info, crypto::exportRaw(viewOf(info[0]))); });
  });
  isolate.addNative("cryptoExportJwk", [](const Info& info) {
    guarded(info, "cryptoExportJwk", [&] {
      auto fields = crypto::exportJwk(viewOf(info[0]), info[1]->IsTrue());
      if (!fields) {
        info.GetReturnValue().SetNull();
        return;
      }
      auto* isolate = info.GetIsolate();
      auto context = isolate->GetCurrentContext();
      auto object = v8::Object::New(isolate);
      object->Set(context, toV8(isolate, "x"), toUint8Array(isolate, fields->x)).Check();
      object->Set(context, toV8(isolate, "y"), toUint8Array(isolate, fields->y)).Check();
      object->Set(context, toV8(isolate, "d"), toUint8Array(isolate, fields->d)).Check();
      info.GetReturnValue().Set(object);
    });
  });
  isolate.addNative("cryptoSign", [](const Info& info) {
    guarded(info, "cryptoSign",
            [&] { setBytes(info, crypto::sign(str(info, 0), viewOf(info[1]), viewOf(info[2]))); });
  });
  isolate.addNative("cryptoVerify", [](const Info& info) {
    guarded(info, "cryptoVerify", [&] {
      info.GetReturnValue().Set(
          crypto::verify(str(info, 0), viewOf(info[1]), viewOf(info[2]), viewOf(info[3])));
    });
  });
  isolate.addNative("cryptoGenerate", [](const Info& info) {
    guarded(info, "cryptoGenerate", [&] {
      auto pair = crypto::generate(str(info, 0), str(info, 1));
      if (!pair) {
        info.GetReturnValue().SetNull();
        return;
      }
      auto* isolate = info.GetIsolate();
      auto context = isolate->GetCurrentContext();
      auto object = v8::Object::New(isolate);
      object->Set(context, toV8(isolate, "spki"), toUint8Array(isolate, pair->spki)).Check();
      object->Set(context, toV8(isolate, "pkcs8"), toUint8Array(isolate, pair->pkcs8)).Check();
      info.GetReturnValue().Set(object);
    });
  });
}

}  // namespace dohost::api
