// natives.compatibility(): the config's compatibility date, flags and
// vars, read by runtime/node/ (nodejs_compat, process.env).
#include "compat_natives.h"

#include <algorithm>

namespace dohost::server {

namespace {

// Node.js modules workerd provides under nodejs_compat; runtime/node/
// provides them or fails with an error naming the one it lacks.
const char* const kNodeModules[] = {"assert",
                                    "assert/strict",
                                    "async_hooks",
                                    "buffer",
                                    "crypto",
                                    "events",
                                    "path",
                                    "path/posix",
                                    "process",
                                    "querystring",
                                    "string_decoder",
                                    "timers",
                                    "timers/promises",
                                    "url",
                                    "util",
                                    "util/types",
                                    "stream",
                                    "stream/web",
                                    "stream/promises",
                                    "stream/consumers",
                                    "zlib",
                                    "net",
                                    "tls",
                                    "dns",
                                    "dns/promises",
                                    "diagnostics_channel",
                                    "module",
                                    "constants",
                                    "http",
                                    "https",
                                    "fs",
                                    "fs/promises",
                                    "os",
                                    "perf_hooks",
                                    "punycode",
                                    "readline",
                                    "tty",
                                    "worker_threads",
                                    "vm",
                                    "v8",
                                    "child_process",
                                    "cluster",
                                    "dgram",
                                    "http2",
                                    "inspector"};

}  // namespace

std::vector<std::string> bareNodeModules(const config::WorkerConfig& config) {
  const auto& flags = config.compatibilityFlags;
  auto has = [&](const char* flag) {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
  };
  bool v2 = has("nodejs_compat_v2") ||
            (has("nodejs_compat") && !has("no_nodejs_compat_v2") &&
             !config.compatibilityDate.empty() && config.compatibilityDate >= "2024-09-23");
  if (!v2) return {};
  return std::vector<std::string>(std::begin(kNodeModules), std::end(kNodeModules));
}

void installCompatNatives(js::Isolate& isolate, const config::WorkerConfig& config) {
  isolate.addNative("compatibility", [&config](const v8::FunctionCallbackInfo<v8::Value>& info) {
    auto* v8Isolate = info.GetIsolate();
    auto context = v8Isolate->GetCurrentContext();
    auto result = v8::Object::New(v8Isolate);
    auto flags = v8::Array::New(v8Isolate, static_cast<int>(config.compatibilityFlags.size()));
    for (uint32_t i = 0; i < config.compatibilityFlags.size(); ++i) {
      flags->Set(context, i, js::toV8(v8Isolate, config.compatibilityFlags[i])).Check();
    }
    auto vars = v8::Object::New(v8Isolate);
    for (const auto& [name, json] : config.vars) {
      vars->Set(context, js::toV8(v8Isolate, name), js::toV8(v8Isolate, json)).Check();
    }
    result->Set(context, js::toV8(v8Isolate, "date"), js::toV8(v8Isolate, config.compatibilityDate))
        .Check();
    result->Set(context, js::toV8(v8Isolate, "flags"), flags).Check();
    result->Set(context, js::toV8(v8Isolate, "vars"), vars).Check();
    info.GetReturnValue().Set(result);
  });
}

}  // namespace dohost::server
