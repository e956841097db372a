// Quantiles of weighted values, and the rule by which TensorFlow (and so tensorflow_transform)
// picks quantiles from a summary.
//
// WeightedQuantilesSummary keeps sorted distinct values with their weight and the bounds of
// the rank range they cover, in the manner of TensorFlow's WeightedQuantilesSummary: exact
// while it holds at most `capacity` distinct values, then compressed to about `capacity`
// entries. Like TensorFlow's WeightedQuantilesStream, summaries are kept in levels (a binary
// counter of full buffers): a value passes through O(log(n / capacity)) compressions, each
// adding at most total_weight / capacity to its rank error. Adding is O(log capacity)
// amortized per value (buffers are sorted).
#ifndef TFX_CORE_SKETCHES_WEIGHTED_QUANTILES_H_
#define TFX_CORE_SKETCHES_WEIGHTED_QUANTILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tfx_core/util/status.h"

namespace tfx_core {

// A distinct value of a summary, its weight, and the ranks (cumulative weights) it spans:
// at least min_rank of the total weight lies below it, at most max_rank at or below it.
struct SummaryEntry {
  double value, weight, min_rank, max_rank;
};

// TensorFlow's GenerateQuantiles: num_quantiles + 1 values at ranks i * total / num_quantiles
// (the first and last are the smallest and largest), each the entry whose rank range holds
// the rank, the upper one on a boundary between two entries. `entries` sorted, distinct.
std::vector<double> SummaryQuantiles(const std::vector<SummaryEntry>& entries,
                                     int num_quantiles);

class WeightedQuantilesSummary {
 public:
  explicit WeightedQuantilesSummary(int64_t capacity = 4096);

  // Values that are NaN, or whose weight is NaN or not positive, are skipped.
  void Add(double value, double weight);
  void Merge(const WeightedQuantilesSummary& other);
  // SummaryQuantiles of everything added (empty if nothing was).
  std::vector<double> Quantiles(int num_quantiles) const;
  double total_weight() const;
  int64_t capacity() const { return capacity_; }

  void Serialize(std::string* out) const;
  // Reads what Serialize wrote at *pos; false if truncated or malformed.
  bool Deserialize(const std::string& in, size_t* pos);

 private:
  void Flush() const;  // Folds the buffer into the entries (logically const).

  void Carry(std::vector<SummaryEntry> summary, size_t level) const;
  std::vector<SummaryEntry> Combined() const;  // Every level merged, uncompressed.

  int64_t capacity_;
  mutable std::vector<std::vector<SummaryEntry>> levels_;  // Level l: ~2^l buffers' worth.
  mutable std::vector<std::pair<double, double>> buffer_;
};

}  // namespace tfx_core

#endif  // TFX_CORE_SKETCHES_WEIGHTED_QUANTILES_H_
