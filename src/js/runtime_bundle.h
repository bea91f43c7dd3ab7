// The JavaScript runtime bundle (runtime/ built by esbuild), embedded in the
// binary at build time by src/js/CMakeLists.txt.
#pragma once

#include <string_view>

namespace dohost::js {

std::string_view runtimeBundle();

}  // namespace dohost::js
