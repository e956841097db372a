// UTF-8 validity (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), as
// TensorFlow Data Validation checks string features: invalid values are counted and shown as
// one placeholder instead of their bytes.
#ifndef TFX_CORE_UTIL_UTF8_H_
#define TFX_CORE_UTIL_UTF8_H_

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tfx_core {

inline bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = p + s.size();
  while (p < end) {
    if (end - p >= 8) {  // ASCII fast path: eight bytes at a time.
      uint64_t word;
      std::memcpy(&word, p, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    const uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint8_t lo = 0x80, hi = 0xBF;  // The range of the second byte.
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;  // Overlong.
      if (c == 0xED) hi = 0x9F;  // Surrogates.
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;  // Overlong.
      if (c == 0xF4) hi = 0x8F;  // Above U+10FFFF.
    } else {
      return false;
    }
    if (end - p <= extra || p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += extra + 1;
  }
  return true;
}

}  // namespace tfx_core

#endif  // TFX_CORE_UTIL_UTF8_H_
