// BinaryCurve: the weighted distribution of a binary classifier's scores, kept exactly (one
// point per distinct score, with the positive and negative weight it carries), from which
// every threshold metric, AUC and curve of TFMA's binary classification metrics follows.
//
// Labels may be fractional (TFMA's soft labels): label l of weight w adds w*l positive and
// w*(1 - l) negative weight at its score. A prediction counts as positive at threshold t when
// score > t, as TFMA's confusion matrices count it.
//
// AUCs come two ways. Exact (the default): the ROC trapezoid and the Davis-Goadrich
// interpolated PR integral over every distinct score, so ties get half credit and nothing is
// bucketed. TFMA's: the same formulas over confusion matrices at TFMA's num_thresholds
// thresholds, counted from its 10,000-bucket calibration histogram exactly as TFMA 0.52 does,
// so the value equals the one TFMA reports.
#ifndef TFX_CORE_METRICS_BINARY_CURVE_H_
#define TFX_CORE_METRICS_BINARY_CURVE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tfx_core/util/status.h"

namespace tfx_core {
namespace metrics {

// Weighted counts at one threshold.
struct Confusion {
  double tp = 0, fp = 0, tn = 0, fn = 0;
};

// TFMA's thresholds for num_thresholds: -1e-7, then (i + 1) / (n - 1) for i < n - 2, then
// 1 + 1e-7.
std::vector<double> TfmaThresholds(int num_thresholds);

// TFMA's defaults: AUC's confusion matrices come from a histogram of this many buckets.
constexpr int kTfmaHistogramBuckets = 10000;
constexpr int kTfmaNumThresholds = 10000;
constexpr double kTfmaEpsilon = 1e-7;

enum class Curve { kRoc, kPr };

// Threshold metrics of one confusion matrix, as TFMA defines them; a zero denominator gives
// NaN.
struct ThresholdMetrics {
  double precision, recall, f1, accuracy;
  double false_positive_rate, false_negative_rate, true_positive_rate, true_negative_rate;
  double positive_rate, negative_rate, false_discovery_rate, false_omission_rate;
};
ThresholdMetrics MetricsAt(const Confusion& c);

// One calibration-plot bucket: [lower, upper) of the score.
struct CalibrationBucket {
  double lower, upper;
  double weighted_examples = 0, weighted_labels = 0, weighted_predictions = 0;
};

class BinaryCurve {
 public:
  struct Point {
    double score, positive, negative;
  };

  void Add(double score, double label, double weight);
  void Merge(const BinaryCurve& other);

  // Confusion matrices at each threshold (any order).
  std::vector<Confusion> ConfusionAt(const std::vector<double>& thresholds) const;
  // AUC under the curve; NaN when the slice has no positive (or, for ROC, no negative)
  // weight.
  double ExactAuc(Curve curve) const;
  // TFMA 0.52's AUC(num_thresholds=n, curve=..., summation_method='interpolation'),
  // including its value of 0 for a single-class slice.
  double TfmaAuc(Curve curve, int num_thresholds = kTfmaNumThresholds) const;
  // TFMA's CalibrationPlot: [-inf, 0), num_buckets equal buckets over [0, 1), [1, inf).
  std::vector<CalibrationBucket> Calibration(int num_buckets) const;

  double positive_weight() const;
  double negative_weight() const;

  // The distinct scores in increasing order, with their weights.
  const std::vector<Point>& points() const;

  void Serialize(std::string* out) const;
  bool Deserialize(const std::string& in, size_t* pos);

 private:
  // Sorts the points and merges equal scores (amortized: when the unsorted tail outgrows the
  // sorted head).
  void Compact() const;
  void MaybeCompact();

  mutable std::vector<Point> points_;
  mutable size_t sorted_ = 0;  // points_[0, sorted_) are sorted and distinct.
};

// Area under a curve given by confusion matrices in order of increasing threshold, with TFMA's
// interpolation (trapezoids for ROC; Davis-Goadrich for PR). NaN terms are skipped, as numpy's
// nansum does in TFMA.
double InterpolatedAuc(const std::vector<Confusion>& by_increasing_threshold, Curve curve);

}  // namespace metrics
}  // namespace tfx_core

#endif  // TFX_CORE_METRICS_BINARY_CURVE_H_
