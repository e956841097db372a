// Per-feature statistics over Arrow columns: mergeable, serializable, one pass per batch.
//
// A feature's type is fixed by the first column that carries values (int64 -> INT, float or
// double -> FLOAT, string or binary -> STRING, lists of those alike); a later column of another
// type is an error naming both. Null rows are missing; a present list of length 0 is present
// with 0 values (tf.Example semantics, as in TensorFlow Data Validation).
//
// Exact: counts, missing, value counts per example (min/max/total), numeric mean, std (shifted
// two-pass per batch, Chan's pairwise update across batches), min, max, zeros, NaN and infinity
// counts, string lengths (avg/min/max bytes), invalid UTF-8 counts, and every weighted total.
// Strings that are not valid UTF-8 count under the one label kInvalidUtf8Label in the top
// values, as in TFDV. Sketched (bounds in tfx_core/sketches): quantiles, median and both numeric
// histograms (KLL: rank error <= 2.2%), the num-values histogram, unique counts (exact up to
// 4096 values, then HyperLogLog, 0.81% standard error) and top values (Misra-Gries: counts are
// lower bounds, short by at most max_error()).
#ifndef TFX_CORE_STATISTICS_FEATURE_ACCUMULATOR_H_
#define TFX_CORE_STATISTICS_FEATURE_ACCUMULATOR_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tfx_core/arrow/array.h"
#include "tfx_core/sketches/distinct_count.h"
#include "tfx_core/sketches/kll.h"
#include "tfx_core/sketches/top_k.h"
#include "tfx_core/util/moments.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace statistics {

// Numbers match tensorflow_metadata's FeatureNameStatistics.Type where they overlap.
enum class FeatureType : int32_t { kInt = 0, kFloat = 1, kString = 2, kUnknown = -1 };
const char* FeatureTypeName(FeatureType type);

// TFDV's top-values label for values that are not valid UTF-8.
inline constexpr char kInvalidUtf8Label[] = "__BYTES_VALUE__";

struct StatsOptions {
  int kll_k = KllSketch::kDefaultK;
  size_t top_k_capacity = TopKSketch::kDefaultCapacity;
  int hll_precision = DistinctCountSketch::kDefaultPrecision;
  size_t exact_distinct_limit = DistinctCountSketch::kDefaultExactLimit;
};

struct ResultOptions {
  int num_top_values = 20;
  int num_rank_histogram_buckets = 1000;
  int num_histogram_buckets = 10;
  int num_quantiles_histogram_buckets = 10;
  int num_values_histogram_buckets = 10;
};

struct Bucket {
  double low;
  double high;
  double count;
};

using ::tfx_core::Moments;

struct FeatureResult {
  FeatureType type = FeatureType::kUnknown;
  // Common.
  uint64_t num_non_missing = 0;
  uint64_t num_missing = 0;
  uint64_t min_num_values = 0;
  uint64_t max_num_values = 0;
  uint64_t tot_num_values = 0;
  std::vector<Bucket> num_values_histogram;  // Quantile buckets.
  double weighted_num_non_missing = 0.0;
  double weighted_num_missing = 0.0;
  double weighted_tot_num_values = 0.0;
  // Numeric (INT, FLOAT).
  double mean = 0.0;
  double std_dev = 0.0;
  double min = 0.0;
  double max = 0.0;
  double median = 0.0;
  uint64_t num_zeros = 0;
  uint64_t num_nan = 0;
  uint64_t num_pos_inf = 0;
  uint64_t num_neg_inf = 0;
  // Equal-width over the finite values (from the quantile sketch), with TFDV's extra buckets
  // [-inf, -inf] first and [inf, inf] last when there are infinities.
  std::vector<Bucket> standard_histogram;
  std::vector<Bucket> quantiles_histogram;  // Equal-mass.
  double weighted_mean = 0.0;
  double weighted_std_dev = 0.0;
  // String.
  uint64_t unique = 0;
  bool unique_is_exact = true;
  double unique_relative_error = 0.0;  // Standard error of `unique` when not exact.
  double avg_length = 0.0;
  uint64_t min_length = 0;  // Bytes.
  uint64_t max_length = 0;
  uint64_t invalid_utf8_count = 0;
  std::vector<std::pair<std::string, double>> top_values;  // Heaviest first; rank histogram too.
  double top_values_max_error = 0.0;
  double weighted_avg_length = 0.0;
  std::vector<std::pair<std::string, double>> weighted_top_values;
};

class FeatureAccumulator {
 public:
  explicit FeatureAccumulator(const StatsOptions& options = StatsOptions());

  // Adds the rows of one column (a batch); `weights` holds one weight per row, or is null.
  Status Add(const arrow::ArrayView& column, const double* weights);
  // Adds `rows` rows in which the feature is absent, of total weight `weight`.
  void AddMissing(uint64_t rows, double weight);
  Status Merge(const FeatureAccumulator& other);

  void Serialize(std::string* out) const;
  static StatusOr<FeatureAccumulator> Deserialize(const std::string& bytes, size_t* pos);

  FeatureType type() const { return type_; }
  FeatureResult Result(const ResultOptions& options) const;

 private:
  Status SetType(arrow::Type leaf_type);
  void AddNumeric(const double* values, int64_t count);
  void AddWeightedNumeric(const double* values, const double* weights, int64_t count);

  FeatureType type_ = FeatureType::kUnknown;
  bool weighted_ = false;
  // Common.
  uint64_t num_non_missing_ = 0;
  uint64_t num_missing_ = 0;
  uint64_t min_num_values_ = UINT64_MAX;
  uint64_t max_num_values_ = 0;
  uint64_t tot_num_values_ = 0;
  double weighted_non_missing_ = 0.0;
  double weighted_missing_ = 0.0;
  double weighted_tot_num_values_ = 0.0;
  KllSketch num_values_;
  // Numeric: moments of the finite values, relative to shift_ (the first finite value seen;
  // NaN before), so that large offsets keep their low digits through merges.
  double shift_ = std::numeric_limits<double>::quiet_NaN();
  Moments moments_;
  Moments weighted_moments_;
  double min_;
  double max_;
  double finite_min_;
  double finite_max_;
  uint64_t num_zeros_ = 0;
  uint64_t num_nan_ = 0;
  uint64_t num_pos_inf_ = 0;
  uint64_t num_neg_inf_ = 0;
  KllSketch quantiles_;
  // String.
  double total_length_ = 0.0;
  double weighted_total_length_ = 0.0;
  double num_strings_ = 0.0;
  uint64_t min_length_ = UINT64_MAX;
  uint64_t max_length_ = 0;
  uint64_t invalid_utf8_ = 0;
  DistinctCountSketch distinct_;
  TopKSketch top_k_;
  TopKSketch weighted_top_k_;
};

}  // namespace statistics
}  // namespace tfx_core

#endif  // TFX_CORE_STATISTICS_FEATURE_ACCUMULATOR_H_
