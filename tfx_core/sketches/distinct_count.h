// Distinct count: exact up to `exact_limit` distinct values (a set of 64-bit hashes), then a
// HyperLogLog with 2^precision registers (relative standard error 1.04 / sqrt(2^precision):
// 0.81% at the default precision 14). Mergeable and serializable; merging exact sketches stays
// exact while the union fits.
#ifndef TFX_CORE_SKETCHES_DISTINCT_COUNT_H_
#define TFX_CORE_SKETCHES_DISTINCT_COUNT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "tfx_core/util/status.h"

namespace tfx_core {

class DistinctCountSketch {
 public:
  static constexpr int kDefaultPrecision = 14;
  static constexpr size_t kDefaultExactLimit = 4096;

  explicit DistinctCountSketch(int precision = kDefaultPrecision,
                               size_t exact_limit = kDefaultExactLimit);

  void Update(std::string_view value);
  void UpdateHash(uint64_t hash);
  Status Merge(const DistinctCountSketch& other);

  bool exact() const { return registers_.empty(); }
  // Exact while exact(); the HyperLogLog estimate afterwards.
  double Estimate() const;
  // Relative standard error of Estimate(): 0 while exact.
  double RelativeStandardError() const;

  std::string Serialize() const;
  static StatusOr<DistinctCountSketch> Deserialize(const std::string& bytes);

 private:
  void ToRegisters();
  void AddToRegisters(uint64_t hash);

  int precision_;
  size_t exact_limit_;
  std::unordered_set<uint64_t> exact_;
  std::vector<uint8_t> registers_;  // Empty while exact.
};

}  // namespace tfx_core

#endif  // TFX_CORE_SKETCHES_DISTINCT_COUNT_H_
