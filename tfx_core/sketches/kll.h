// KLL quantile sketch (Karnin, Lang, Liberty 2016): mergeable, serializable, O(k log(n/k))
// memory. Values are kept in levels ("compactors"); an item at level h stands for 2^h inputs.
// When the sketch outgrows its capacity the lowest full level is sorted and every other item
// (from a random offset) moves up a level, halving it.
//
// Error bound: with k = 200 (the default), the normalized rank error of Quantile/Rank is at
// most 1.65% with 99% confidence (Apache DataSketches' figure for the same algorithm; the
// tests check adversarial inputs against exact ranks at 2%). Min and max are exact. NaNs are
// the caller's to count; Update rejects none and ignores them.
//
// Batches use the sampler of the KLL paper (section 4): once the sketch has seen n values, one
// value drawn at random from each block of w = 2^h consecutive values enters level h directly,
// standing for its block, with w <= n * kSamplerBudget. That adds an independent rank error of
// standard deviation <= sqrt(w / 4n) <= 0.56%; with the compactors' own (sd ~0.64% at k = 200)
// the stated bound for batches is 2.2% (99% confidence, errors added in quadrature). In exchange
// a batch costs O(count / w) sketch work plus one pass for min/max.
#ifndef TFX_CORE_SKETCHES_KLL_H_
#define TFX_CORE_SKETCHES_KLL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tfx_core/util/status.h"

namespace tfx_core {

class KllSketch {
 public:
  static constexpr int kDefaultK = 200;

  explicit KllSketch(int k = kDefaultK, uint64_t seed = 0x9E3779B97F4A7C15ULL);

  // Bound the batch sampler's block width (see above): w <= n * kSamplerBudget.
  static constexpr double kSamplerBudget = 1.25e-4;

  void Update(double value);
  // A batch: exact min/max, NaNs ignored, the sampler above for the quantiles.
  void Update(const double* values, int64_t count);
  // A batch without NaNs whose min and max the caller has computed (saves the pass).
  void UpdateWithRange(const double* values, int64_t count, double min, double max);
  // `value` `times` times: exact, O(log times) (one item per set bit of `times`).
  void UpdateRepeated(double value, uint64_t times);
  // Adds every item of `other` (built with the same k).
  Status Merge(const KllSketch& other);

  int k() const { return k_; }
  uint64_t count() const { return n_; }  // Values seen (NaNs excluded).
  bool empty() const { return n_ == 0; }
  double min() const { return min_; }
  double max() const { return max_; }
  size_t num_retained() const;

  // The value at normalized rank q in [0, 1] (q = 0: min, q = 1: max). Empty: NaN.
  double Quantile(double q) const;
  // Quantile for each of `qs`, sorting the retained items once.
  std::vector<double> Quantiles(const std::vector<double>& qs) const;
  // num_quantiles + 1 values from min to max at ranks i / num_quantiles, each picked as
  // TensorFlow's WeightedQuantilesSummary::GenerateQuantiles picks them from its entries (what
  // TFT's quantiles analyzer reports): the retained items, equal values merged, as entries.
  // While the sketch is exact (at most k values) the result is TFT's exactly; e.g. 1..9 with 3
  // quantiles gives [1, 4, 7, 9]. Empty: {}.
  std::vector<double> SummaryQuantiles(int num_quantiles) const;
  // The fraction of values <= x.
  double Rank(double x) const;
  // Rank of each of `xs` (sorted ascending), sorting the retained items once.
  std::vector<double> Ranks(const std::vector<double>& xs) const;

  std::string Serialize() const;
  static StatusOr<KllSketch> Deserialize(const std::string& bytes);

 private:
  size_t Capacity(size_t level) const { return capacities_[level]; }
  // Makes room for `num_levels` levels and recomputes the capacities, which depend on it.
  void EnsureLevels(size_t num_levels);
  void ExtendRange(double lo, double hi);
  // Adds NaN-free values whose min and max were already recorded.
  void AddSampled(const double* values, int64_t count);
  void CompressIfNeeded();
  void CompactLevel(size_t level);
  uint64_t NextRandom();
  bool NextBit() { return NextRandom() & 1; }
  // (value, weight) of every retained item, sorted by value.
  std::vector<std::pair<double, uint64_t>> SortedWeighted() const;

  int k_;
  uint64_t rng_;
  uint64_t n_ = 0;
  double min_;
  double max_;
  size_t retained_ = 0;
  std::vector<std::vector<double>> levels_;
  std::vector<size_t> capacities_;  // Per level, for the current number of levels.
  size_t total_capacity_ = 0;
};

}  // namespace tfx_core

#endif  // TFX_CORE_SKETCHES_KLL_H_
