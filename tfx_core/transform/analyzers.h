// Full-pass analyzers of the Transform (tensorflow_transform's mean/var/min/max/sum/size,
// quantiles, vocabulary, count_per_key and the per-key statistics).
//
// Each analyzer is an accumulator fed batches of Arrow arrays read in place (a list array
// contributes its values, so SparseTensor values and dense columns look alike), merged across
// Beam workers and serialized between them. Nulls and NaN are skipped by every analyzer: a
// missing value has no magnitude, and one NaN would otherwise poison a whole column's mean
// (tensorflow_transform propagates it).
//
// Thread-safety: one accumulator must not be used from two threads at once; different
// accumulators may be fed concurrently.
#ifndef TFX_CORE_TRANSFORM_ANALYZERS_H_
#define TFX_CORE_TRANSFORM_ANALYZERS_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfx_core/arrow/array.h"
#include "tfx_core/sketches/kll.h"
#include "tfx_core/sketches/weighted_quantiles.h"
#include "tfx_core/transform/mutual_information.h"
#include "tfx_core/transform/string_table.h"
#include "tfx_core/util/moments.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace transform {

// Count, sum, mean, population variance (tensorflow_transform's `var`), min and max.
struct Moments {
  int64_t count = 0;
  double mean = 0;
  double m2 = 0;  // Sum of squared deviations from the mean.
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double sum = 0;
  int64_t int_sum = 0;  // Exact sum of int64 inputs (wraps like TensorFlow's int64 sum).

  void Add(double x) {
    ++count;
    const double delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
    min = x < min ? x : min;
    max = x > max ? x : max;
    sum += x;
  }
  // Count, mean and m2 combine by the shared CombineMoments (tfx_core/util/moments.h).
  void Merge(const Moments& other);
  double variance() const { return count > 0 ? m2 / count : 0.0; }
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // `inputs` are the analyzer's input arrays for one batch, in the order its kind documents.
  virtual Status Add(const std::vector<const arrow::ArrayView*>& inputs) = 0;
  // `other` must be the same kind of analyzer with the same parameters.
  virtual Status Merge(const Analyzer& other) = 0;
  virtual std::string Serialize() const = 0;
};

// Input: numeric values (int64, float or double). With width w > 1 (elementwise statistics of
// rows of w values, laid out row after row), value i counts towards position i % w, and a
// batch must hold whole rows.
class MomentsAnalyzer : public Analyzer {
 public:
  explicit MomentsAnalyzer(int64_t width = 1) : moments_(width < 1 ? 1 : width) {}
  Status Add(const std::vector<const arrow::ArrayView*>& inputs) override;
  Status Merge(const Analyzer& other) override;
  std::string Serialize() const override;
  static StatusOr<std::unique_ptr<MomentsAnalyzer>> Deserialize(const std::string& bytes);

  int64_t width() const { return static_cast<int64_t>(moments_.size()); }
  const Moments& moments(int64_t position = 0) const { return moments_[position]; }

 private:
  std::vector<Moments> moments_;  // One per position.
};

// Input: numeric values, rows of `width` values laid out row after row (a dense [n, width]
// tensor). The population covariance matrix of the rows (tensorflow_transform's covariance and
// pca); rows holding a null or NaN are skipped. Batches are centred on their own mean and merged
// with Chan et al.'s update, so large offsets cost no precision.
class CovarianceAnalyzer : public Analyzer {
 public:
  explicit CovarianceAnalyzer(int64_t width);
  Status Add(const std::vector<const arrow::ArrayView*>& inputs) override;
  Status Merge(const Analyzer& other) override;
  std::string Serialize() const override;
  static StatusOr<std::unique_ptr<CovarianceAnalyzer>> Deserialize(const std::string& bytes);

  int64_t width() const { return width_; }
  int64_t count() const { return count_; }
  const std::vector<double>& mean() const { return mean_; }
  // Row-major width x width; all zero when no rows were seen.
  std::vector<double> Covariance() const;

 private:
  void MergeBatch(int64_t count, const std::vector<double>& mean,
                  const std::vector<double>& comoment);
  int64_t width_;
  int64_t count_ = 0;
  std::vector<double> mean_;
  std::vector<double> comoment_;  // Sum over rows of (x - mean)(x - mean)^T, row-major.
};

// Input: numeric values. A KLL sketch per position of the rows (width 1: one for all values,
// TFT's reduce_instance_dims; width w: value i goes to sketch i % w, elementwise): ranks
// within the sketch's stated bound, exact while a sketch holds at most k values.
class QuantilesAnalyzer : public Analyzer {
 public:
  explicit QuantilesAnalyzer(int k = KllSketch::kDefaultK, int64_t width = 1)
      : sketches_(static_cast<size_t>(width < 1 ? 1 : width), KllSketch(k)) {}
  Status Add(const std::vector<const arrow::ArrayView*>& inputs) override;
  Status Merge(const Analyzer& other) override;
  std::string Serialize() const override;
  static StatusOr<std::unique_ptr<QuantilesAnalyzer>> Deserialize(const std::string& bytes);

  // num_buckets - 1 boundaries at ranks i / num_buckets of position `position`'s values, as
  // TFT picks them (KllSketch::SummaryQuantiles), repeats kept; empty if no values were seen.
  std::vector<double> Boundaries(int num_buckets, int64_t position = 0) const;
  int64_t width() const { return static_cast<int64_t>(sketches_.size()); }
  uint64_t count() const;

 private:
  std::vector<KllSketch> sketches_;
};

// Inputs: numeric values and numeric weights, one weight per value (values that are NaN or
// missing, and weights that are not positive, are skipped). Weighted quantiles with TFT's
// boundary rule; width as QuantilesAnalyzer's. `capacity`: the distinct values kept exactly.
class WeightedQuantilesAnalyzer : public Analyzer {
 public:
  explicit WeightedQuantilesAnalyzer(int64_t capacity = 4096, int64_t width = 1)
      : summaries_(static_cast<size_t>(width < 1 ? 1 : width),
                   WeightedQuantilesSummary(capacity)) {}
  Status Add(const std::vector<const arrow::ArrayView*>& inputs) override;
  Status Merge(const Analyzer& other) override;
  std::string Serialize() const override;
  static StatusOr<std::unique_ptr<WeightedQuantilesAnalyzer>> Deserialize(
      const std::string& bytes);

  std::vector<double> Boundaries(int num_buckets, int64_t position = 0) const;
  int64_t width() const { return static_cast<int64_t>(summaries_.size()); }

 private:
  std::vector<WeightedQuantilesSummary> summaries_;
};

// Inputs: string keys, numeric values and numeric weights, one of each per value. Weighted
// quantiles per key (tensorflow_transform's bucketize_per_key), as WeightedQuantilesAnalyzer.
class KeyedQuantilesAnalyzer : public Analyzer {
 public:
  explicit KeyedQuantilesAnalyzer(int64_t capacity = 4096) : capacity_(capacity) {}
  Status Add(const std::vector<const arrow::ArrayView*>& inputs) override;
  Status Merge(const Analyzer& other) override;
  std::string Serialize() const override;
  static StatusOr<std::unique_ptr<KeyedQuantilesAnalyzer>> Deserialize(const std::string& bytes);

  int64_t size() const { return table_.size(); }
  std::string_view key(int64_t i) const { return table_.key(i); }
  // The num_buckets - 1 boundaries of key i's values (empty if it has no weight).
  std::vector<double> Boundaries(int64_t i, int num_buckets) const;

 private:
  WeightedQuantilesSummary& SummaryOf(std::string_view key);

  int64_t capacity_;
  StringTable<WeightedQuantilesSummary> table_;
};

// A vocabulary token with the figure that ranks it (its frequency, or its information about a
// label) and what frequency_threshold compares with (its frequency; for a labeled vocabulary,
// as in TFT, its information). Views point into the
// analyzer that made it.
struct RankedToken {
  std::string_view token;
  double rank;
  double frequency;
};

// tensorflow_transform's vocabulary selection and order: tokens below frequency_threshold (NaN
// too, unless it is -inf: no threshold), the
// empty string and tokens holding '\n' or '\r' (a vocabulary file has one token per line) are
// left out; rank descending, ties by token bytes descending; then the first top_k (< 0: all).
std::vector<RankedToken> SelectTokens(std::vector<RankedToken> tokens, int64_t top_k,
                                      double frequency_threshold);

// Writes `tokens` as a vocabulary file, one token per line, or "rank token" lines if
// store_frequency; to path + ".tmp", then renamed, so a failure leaves no partial file.
Status WriteVocabularyFile(const std::string& path, const std::vector<RankedToken>& tokens,
                           bool store_frequency);

// Input: string values, and optionally numeric weights with one weight per value. Counts every
// token exactly (and sums its weights).
class VocabularyAnalyzer : public Analyzer {
 public:
  struct Counts {
    int64_t count = 0;
    double weight = 0;
  };

  Status Add(const std::vector<const arrow::ArrayView*>& inputs) override;
  Status Merge(const Analyzer& other) override;
  std::string Serialize() const override;
  static StatusOr<std::unique_ptr<VocabularyAnalyzer>> Deserialize(const std::string& bytes);

  // Every token, ranked by its frequency: the weight sum if weighted, else the count.
  std::vector<RankedToken> Ranked(bool weighted) const;
  int64_t size() const { return table_.size(); }

 private:
  StringTable<Counts> table_;
};

// Inputs: string tokens, int64 labels, numeric weights and int64 row flags, one of each per
// entry. An entry flagged 1 is a row of the data: its label and weight count towards the label
// counts of all rows (its token is ignored). An entry flagged 0 is a token with its row's label
// (< 0 or missing: none) and weight. Counts each token's co-occurrences with each label, for
// tensorflow_transform's mutual-information vocabularies (tft.vocabulary(labels=...)).
class LabeledVocabularyAnalyzer : public Analyzer {
 public:
  // Labels are class ids; each token keeps a weight per id up to the largest it met.
  static constexpr int64_t kMaxLabel = 65535;

  Status Add(const std::vector<const arrow::ArrayView*>& inputs) override;
  Status Merge(const Analyzer& other) override;
  std::string Serialize() const override;
  static StatusOr<std::unique_ptr<LabeledVocabularyAnalyzer>> Deserialize(
      const std::string& bytes);

  // Every token, ranked by its (adjusted) mutual information with the label
  // (TokenInformation); min_diff_from_avg NaN: TFT's default for the number of rows.
  StatusOr<std::vector<RankedToken>> Ranked(bool adjusted, double min_diff_from_avg) const;
  int64_t size() const { return table_.size(); }

 private:
  LabelCounts rows_;
  StringTable<LabelCounts> table_;
};

// Inputs: string keys and numeric values, one value per key. Moments per key
// (tensorflow_transform's count_per_key and the *_per_key mappers).
class KeyedMomentsAnalyzer : public Analyzer {
 public:
  Status Add(const std::vector<const arrow::ArrayView*>& inputs) override;
  Status Merge(const Analyzer& other) override;
  std::string Serialize() const override;
  static StatusOr<std::unique_ptr<KeyedMomentsAnalyzer>> Deserialize(const std::string& bytes);

  const StringTable<Moments>& table() const { return table_; }

 private:
  StringTable<Moments> table_;
};

}  // namespace transform
}  // namespace tfx_core

#endif  // TFX_CORE_TRANSFORM_ANALYZERS_H_
