// Little helpers for the sketches' byte formats: fixed-width values appended to a string and
// read back with bounds checks (host byte order; the bytes travel between Beam workers of one
// platform, not across architectures).
#ifndef TFX_CORE_SKETCHES_BYTES_H_
#define TFX_CORE_SKETCHES_BYTES_H_

#include <cstring>
#include <string>

namespace tfx_core {

template <typename T>
void PutBytes(std::string* out, const T& value) {
  out->append(reinterpret_cast<const char*>(&value), sizeof(T));
}

// Reads a T at *pos and advances it; false (and *pos unchanged) if too few bytes remain.
template <typename T>
bool GetBytes(const std::string& in, size_t* pos, T* value) {
  if (in.size() - *pos < sizeof(T)) return false;
  std::memcpy(value, in.data() + *pos, sizeof(T));
  *pos += sizeof(T);
  return true;
}

}  // namespace tfx_core

#endif  // TFX_CORE_SKETCHES_BYTES_H_
