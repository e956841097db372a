// A 64-bit hash of bytes for sketches: FNV-1a over the bytes, then the splitmix64 finalizer
// so every output bit depends on every input bit (HyperLogLog reads the top bits).
#ifndef TFX_CORE_SKETCHES_HASH_H_
#define TFX_CORE_SKETCHES_HASH_H_

#include <cstdint>
#include <string_view>

namespace tfx_core {

inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline uint64_t HashBytes(std::string_view bytes) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return Mix64(h ^ bytes.size());
}

}  // namespace tfx_core

#endif  // TFX_CORE_SKETCHES_HASH_H_
