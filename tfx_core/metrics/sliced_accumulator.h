// SlicedAccumulator: one model's MetricsAccumulator per slice, fed column batches of labels,
// scores, weights and slice ids, with optional Poisson-bootstrap replicates computed in the
// same pass (TFMA's confidence intervals: each replicate counts each row k ~ Poisson(1)
// times). Rows of a batch are processed in parallel on the shared thread pool.
//
// Slices are int64 ids the caller assigns (Python maps them to TFMA slice keys); a row belongs
// to every slice listed for it, one per slicing spec (-1: none for that spec), so the overall
// slice, each feature's slices and crosses all come from one pass.
//
// The replicates' draws depend only on (seed, row id, replicate): the same rows give the same
// intervals however they are batched, split across workers or merged.
#ifndef TFX_CORE_METRICS_SLICED_ACCUMULATOR_H_
#define TFX_CORE_METRICS_SLICED_ACCUMULATOR_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tfx_core/metrics/accumulator.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace metrics {

// TFMA's default number of bootstrap replicates.
constexpr int kDefaultBootstrapSamples = 20;

class SlicedAccumulator {
 public:
  explicit SlicedAccumulator(const AccumulatorOptions& options, int bootstrap_samples = 0,
                             uint64_t seed = 0);

  // A batch of `rows` rows: labels[rows]; scores[rows * options.num_classes] (row-major);
  // weights[rows] or null (every weight 1); slice_ids[rows * num_slicings] (row-major);
  // row ids first_row .. first_row + rows - 1 (for the bootstrap's draws and for errors).
  // Errors name the row and what was expected; nothing of a failed batch is added.
  Status Add(const double* labels, const double* scores, const double* weights,
             const int64_t* slice_ids, int num_slicings, int64_t rows, int64_t first_row);
  Status Merge(const SlicedAccumulator& other);

  std::string Serialize() const;
  static StatusOr<SlicedAccumulator> Deserialize(const std::string& bytes);

  const AccumulatorOptions& options() const { return options_; }
  int bootstrap_samples() const { return bootstrap_samples_; }
  uint64_t seed() const { return seed_; }

  // The slice ids seen, in increasing order.
  std::vector<int64_t> slices() const;
  // A slice's metrics over all its rows (replicate -1) or over bootstrap replicate r; null
  // for a slice never seen.
  const MetricsAccumulator* Find(int64_t slice, int replicate = -1) const;

 private:
  struct SliceState {
    std::vector<MetricsAccumulator> replicates;  // [0]: all rows; [1 + r]: replicate r.
  };
  SliceState& Slice(int64_t id);
  Status MergeSlices(const std::map<int64_t, SliceState>& other);

  AccumulatorOptions options_;
  int bootstrap_samples_;
  uint64_t seed_;
  std::map<int64_t, SliceState> slices_;
};

// The Poisson(1) draw of replicate r for a row: how many times the row counts in it.
int PoissonDraw(uint64_t seed, int64_t row, int replicate);

}  // namespace metrics
}  // namespace tfx_core

#endif  // TFX_CORE_METRICS_SLICED_ACCUMULATOR_H_
