# Writes INPUT's bytes into OUTPUT as dohost::js::runtimeBundle().
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}" "// Generated from runtime/ by cmake/embed.cmake. Do not edit.\n#include <string_view>\nnamespace dohost::js {\nnamespace {\nconst char kBundle[] = {\n${bytes}0};\n}  // namespace\nstd::string_view runtimeBundle() { return {kBundle, sizeof(kBundle) - 1}; }\n}  // namespace dohost::js\n")
