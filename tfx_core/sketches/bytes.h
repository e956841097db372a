// The byte format of every serialized state (sketches, statistics accumulators, analyzers):
// a header, then fixed-width values in little-endian order whatever the host's (states move
// between Beam workers, into analyzer caches on disk, and across machines).
//
// Header: "TFXC", the format version (kStateFormatVersion), the kind of state. A reader
// refuses another kind, and a version newer than it knows, with an error naming both; each
// version's layout stays readable by later releases (tests/state_format_test.py loads
// states written by version 1).
#ifndef TFX_CORE_SKETCHES_BYTES_H_
#define TFX_CORE_SKETCHES_BYTES_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "tfx_core/util/status.h"

namespace tfx_core {

enum class StateKind : uint8_t {
  kKllSketch = 1,
  kTopKSketch = 2,
  kDistinctCountSketch = 3,
  kDatasetStatistics = 4,
  kMomentsAnalyzer = 5,
  kCovarianceAnalyzer = 6,
  kQuantilesAnalyzer = 7,
  kVocabularyAnalyzer = 8,
  kKeyedMomentsAnalyzer = 9,
  kLabeledVocabularyAnalyzer = 10,
  kWeightedQuantilesAnalyzer = 11,
  kKeyedQuantilesAnalyzer = 12,
  kSlicedMetrics = 13,
};

constexpr char kStateMagic[4] = {'T', 'F', 'X', 'C'};
constexpr uint8_t kStateFormatVersion = 1;
constexpr size_t kStateHeaderSize = sizeof(kStateMagic) + 2;

inline const char* StateKindName(StateKind kind) {
  switch (kind) {
    case StateKind::kKllSketch: return "KLL sketch";
    case StateKind::kTopKSketch: return "top-k sketch";
    case StateKind::kDistinctCountSketch: return "distinct-count sketch";
    case StateKind::kDatasetStatistics: return "dataset statistics";
    case StateKind::kMomentsAnalyzer: return "moments analyzer";
    case StateKind::kCovarianceAnalyzer: return "covariance analyzer";
    case StateKind::kQuantilesAnalyzer: return "quantiles analyzer";
    case StateKind::kVocabularyAnalyzer: return "vocabulary analyzer";
    case StateKind::kKeyedMomentsAnalyzer: return "per-key analyzer";
    case StateKind::kLabeledVocabularyAnalyzer: return "labeled vocabulary analyzer";
    case StateKind::kWeightedQuantilesAnalyzer: return "weighted quantiles analyzer";
    case StateKind::kKeyedQuantilesAnalyzer: return "per-key quantiles analyzer";
    case StateKind::kSlicedMetrics: return "sliced metrics accumulator";
  }
  return "unknown state";
}

// A new serialized state of `kind`: its header.
inline std::string StateHeader(StateKind kind) {
  std::string out(kStateMagic, sizeof(kStateMagic));
  out.push_back(static_cast<char>(kStateFormatVersion));
  out.push_back(static_cast<char>(kind));
  return out;
}

// Checks the header of `in` (a `kind` state this version can read); *pos is then just past it.
inline Status CheckStateHeader(const std::string& in, StateKind kind, size_t* pos) {
  const char* what = StateKindName(kind);
  if (in.size() < kStateHeaderSize || std::memcmp(in.data(), kStateMagic, 4) != 0) {
    return InvalidArgument("not a serialized ", what, " (no TFXC header)");
  }
  const auto version = static_cast<uint8_t>(in[4]);
  const auto found = static_cast<StateKind>(in[5]);
  if (version > kStateFormatVersion) {
    return InvalidArgument("serialized ", what, " has format version ", int{version},
                           "; this tfx_core reads up to ", int{kStateFormatVersion},
                           ": upgrade tfx_core");
  }
  if (found != kind) {
    return InvalidArgument("expected a serialized ", what, ", got a ", StateKindName(found));
  }
  *pos = kStateHeaderSize;
  return Status::OK();
}

namespace bytes_internal {

template <typename T>
T ToLittleEndian(T value) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  unsigned char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(raw[i], raw[sizeof(T) - 1 - i]);
  std::memcpy(&value, raw, sizeof(T));
#endif
  return value;
}

}  // namespace bytes_internal

// Appends a fixed-width arithmetic value, little-endian.
template <typename T>
void PutBytes(std::string* out, const T& value) {
  static_assert(std::is_arithmetic_v<T>, "PutBytes takes numbers");
  const T le = bytes_internal::ToLittleEndian(value);
  out->append(reinterpret_cast<const char*>(&le), sizeof(T));
}

// Reads a T at *pos and advances it; false (and *pos unchanged) if too few bytes remain.
template <typename T>
bool GetBytes(const std::string& in, size_t* pos, T* value) {
  static_assert(std::is_arithmetic_v<T>, "GetBytes reads numbers");
  if (in.size() < *pos || in.size() - *pos < sizeof(T)) return false;
  std::memcpy(value, in.data() + *pos, sizeof(T));
  *value = bytes_internal::ToLittleEndian(*value);  // The swap is its own inverse.
  *pos += sizeof(T);
  return true;
}

// n values at once (one copy on little-endian hosts).
template <typename T>
void PutArray(std::string* out, const T* values, size_t n) {
  static_assert(std::is_arithmetic_v<T>, "PutArray takes numbers");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  for (size_t i = 0; i < n; ++i) PutBytes(out, values[i]);
#else
  out->append(reinterpret_cast<const char*>(values), n * sizeof(T));
#endif
}

template <typename T>
bool GetArray(const std::string& in, size_t* pos, T* values, size_t n) {
  static_assert(std::is_arithmetic_v<T>, "GetArray reads numbers");
  if (in.size() < *pos || (in.size() - *pos) / sizeof(T) < n) return false;
  std::memcpy(values, in.data() + *pos, n * sizeof(T));
  for (size_t i = 0; i < n; ++i) values[i] = bytes_internal::ToLittleEndian(values[i]);
  *pos += n * sizeof(T);
  return true;
}

}  // namespace tfx_core

#endif  // TFX_CORE_SKETCHES_BYTES_H_
