// IcuDecoder on ucnv_toUnicode, with the STOP callback in fatal mode and
// otherwise one U+FFFD per malformed sequence, as the Encoding standard
// asks (ICU's own substitution writes U+001A for some converters).
#include "icu_decoder.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucnv_err.h>

namespace dohost::api {
namespace {

void replaceWithFffd(const void* context,
                     UConverterToUnicodeArgs* args,
                     const char* codeUnits,
                     int32_t length,
                     UConverterCallbackReason reason,
                     UErrorCode* error) {
  if (reason > UCNV_IRREGULAR) return;  // reset, close, clone: nothing to write
  static const UChar kReplacement = 0xfffd;
  *error = U_ZERO_ERROR;
  ucnv_cbToUWriteUChars(args, &kReplacement, 1, 0, error);
}

}  // namespace

struct IcuDecoder::State {
  UConverter* converter = nullptr;
  bool fatal = false;
};

IcuDecoder::IcuDecoder(std::unique_ptr<State> state) : state_(std::move(state)) {}

IcuDecoder::~IcuDecoder() {
  ucnv_close(state_->converter);
}

std::unique_ptr<IcuDecoder> IcuDecoder::open(std::string_view encoding, bool fatal) {
  UErrorCode status = U_ZERO_ERROR;
  std::string name(encoding);
  UConverter* converter = ucnv_open(name.c_str(), &status);
  if (U_FAILURE(status) || !converter) return nullptr;
  if (fatal) {
    ucnv_setToUCallBack(converter, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  } else {
    ucnv_setToUCallBack(converter, replaceWithFffd, nullptr, nullptr, nullptr, &status);
  }
  if (U_FAILURE(status)) {
    ucnv_close(converter);
    return nullptr;
  }
  auto state = std::make_unique<State>();
  state->converter = converter;
  state->fatal = fatal;
  return std::unique_ptr<IcuDecoder>(new IcuDecoder(std::move(state)));
}

std::optional<std::u16string> IcuDecoder::decode(std::string_view bytes, bool flush) {
  std::u16string out;
  const char* source = bytes.data();
  const char* sourceLimit = bytes.data() + bytes.size();
  char16_t buffer[4096];
  for (;;) {
    UChar* target = reinterpret_cast<UChar*>(buffer);
    UErrorCode status = U_ZERO_ERROR;
    ucnv_toUnicode(state_->converter, &target, reinterpret_cast<UChar*>(buffer + 4096), &source,
                   sourceLimit, nullptr, flush, &status);
    out.append(buffer, reinterpret_cast<char16_t*>(target) - buffer);
    if (status == U_BUFFER_OVERFLOW_ERROR) continue;
    if (U_FAILURE(status)) {
      reset();
      return std::nullopt;
    }
    break;
  }
  if (flush) ucnv_resetToUnicode(state_->converter);
  return out;
}

void IcuDecoder::reset() {
  ucnv_resetToUnicode(state_->converter);
}

}  // namespace dohost::api
