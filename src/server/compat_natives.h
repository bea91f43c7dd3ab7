// The Worker's compatibility settings as the runtime bundle reads them
// (natives.compatibility()), to choose the built-ins and Node.js modules
// it provides before the Worker's code runs.
#pragma once

#include "dohost/config.h"
#include "dohost/js.h"

namespace dohost::server {

// Adds natives.compatibility() to `isolate`: it returns
// { date, flags: [...], vars: { NAME: json text } }. `config` must outlive
// the isolate. Call before Isolate::start().
void installCompatNatives(js::Isolate& isolate, const config::WorkerConfig& config);

// The bare module names ("buffer", "node:"-less) the runtime provides for
// `config`: with nodejs_compat_v2, or nodejs_compat from 2024-09-23, as
// workerd. The bundler must leave them to the runtime.
std::vector<std::string> bareNodeModules(const config::WorkerConfig& config);

}  // namespace dohost::server
