// Heavy hitters: a weighted Misra-Gries summary with `capacity` counters. Every reported count
// is a lower bound and undercounts by at most max_error() <= total_weight / (capacity + 1),
// also after merges (Agarwal et al., "Mergeable summaries", 2012); any value whose true weight
// exceeds max_error() is guaranteed to be present. Counters are only pruned once there are more
// than kExactFactor * capacity of them, so counts are exact up to that many distinct values
// (then a column of unique values still reports its values, as TFDV's exact counts do).
#ifndef TFX_CORE_SKETCHES_TOP_K_H_
#define TFX_CORE_SKETCHES_TOP_K_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tfx_core/util/status.h"

namespace tfx_core {

class TopKSketch {
 public:
  static constexpr size_t kDefaultCapacity = 1000;
  static constexpr size_t kExactFactor = 16;

  explicit TopKSketch(size_t capacity = kDefaultCapacity);

  void Update(std::string_view value, double weight = 1.0);
  Status Merge(const TopKSketch& other);

  // The k values of largest (lower-bound) weight, heaviest first; ties by descending value,
  // as TFDV orders them.
  std::vector<std::pair<std::string, double>> Top(size_t k) const;
  double total_weight() const { return total_; }
  double max_error() const { return error_; }
  size_t capacity() const { return capacity_; }

  std::string Serialize() const;
  static StatusOr<TopKSketch> Deserialize(const std::string& bytes);

 private:
  // Subtracts the (capacity+1)-th largest weight from every counter and drops the ones that
  // reach zero; run once the map holds more than kExactFactor * capacity counters, so updates
  // stay O(1) amortized.
  void PruneIfFull();

  size_t capacity_;
  double total_ = 0.0;
  double error_ = 0.0;
  std::unordered_map<std::string, double> counts_;
};

}  // namespace tfx_core

#endif  // TFX_CORE_SKETCHES_TOP_K_H_
