// IcuDecoder: a streaming decoder for the multi-byte legacy encodings of
// the Encoding standard (shift_jis, euc-jp, iso-2022-jp, gbk, gb18030,
// big5, euc-kr) on ICU's converters, behind TextDecoder, as workerd does.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dohost::api {

class IcuDecoder {
 public:
  // `encoding` is the Encoding standard's name (e.g. "shift_jis"), which
  // ICU resolves as an alias. nullptr when ICU has no such converter.
  // With `fatal`, a malformed sequence fails decode() instead of becoming
  // U+FFFD.
  static std::unique_ptr<IcuDecoder> open(std::string_view encoding, bool fatal);
  ~IcuDecoder();
  IcuDecoder(const IcuDecoder&) = delete;
  IcuDecoder& operator=(const IcuDecoder&) = delete;

  // Decodes `bytes` to UTF-16; with `flush`, also ends the stream (an
  // incomplete sequence at the end is malformed). nullopt on a malformed
  // sequence in fatal mode; the decoder is then reset.
  std::optional<std::u16string> decode(std::string_view bytes, bool flush);

  void reset();

 private:
  struct State;
  explicit IcuDecoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace dohost::api
