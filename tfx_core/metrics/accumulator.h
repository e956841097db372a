// MetricsAccumulator: everything TFMA's metrics need about one model's predictions on one
// slice, for one kind of task, accumulated row by row, mergeable across workers and
// serializable between them. Metrics are read off at the end (see the accessors); TFMA's
// zero-denominator results are NaN.
#ifndef TFX_CORE_METRICS_ACCUMULATOR_H_
#define TFX_CORE_METRICS_ACCUMULATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tfx_core/metrics/binary_curve.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace metrics {

enum class Task : uint8_t {
  kBinary = 1,      // label in [0, 1] (fractional labels are TFMA's soft labels), one score.
  kMultiClass = 2,  // label a class id in [0, num_classes), one score per class.
  kRegression = 3,  // label and prediction any finite numbers.
};

struct AccumulatorOptions {
  Task task = Task::kBinary;
  int num_classes = 1;       // Scores per row: num_classes for multi-class, else 1.
  std::vector<int> top_k;    // Multi-class: the k of each top-k accuracy to count.
  bool per_class = false;    // Multi-class: keep one-vs-rest curves per class (and micro).
};

// Keras's clipping of probabilities in its crossentropies (backend.epsilon()).
constexpr double kKerasEpsilon = 1e-7;

class MetricsAccumulator {
 public:
  explicit MetricsAccumulator(const AccumulatorOptions& options);

  // One row: a label, options.num_classes scores, a weight (1 when unweighted), counted
  // `copies` times (a bootstrap replicate's draw). Rows are checked by the caller (CheckRow).
  void Add(double label, const double* scores, double weight, int copies = 1);
  // Fails when the other accumulator was made with different options.
  Status Merge(const MetricsAccumulator& other);

  void Serialize(std::string* out) const;
  static StatusOr<MetricsAccumulator> Deserialize(const std::string& in, size_t* pos);

  const AccumulatorOptions& options() const { return options_; }

  // Every task.
  int64_t example_count() const { return example_count_; }
  double weighted_example_count() const { return label_.weight; }
  double mean_label() const;
  double mean_prediction() const;  // Binary and regression.
  // Binary: TFMA's calibration, sum of weighted scores over sum of weighted labels.
  double calibration() const;

  // Binary: the score distribution (confusion matrices, AUCs, calibration plot), and the
  // weighted mean of Keras's binary crossentropy.
  const BinaryCurve& curve() const { return curve_; }
  double log_loss() const;

  // Multi-class.
  double sparse_categorical_accuracy() const;  // argmax (first on ties) == label
  // Label among the k highest scores (ties at the boundary count as in, as tf.math.in_top_k).
  double top_k_accuracy(int k) const;
  double sparse_categorical_crossentropy() const;  // Scores normalized to sum 1, clipped.
  // Weighted counts [label][argmax], num_classes x num_classes, row-major.
  const std::vector<double>& confusion_matrix() const { return confusion_; }
  // With per_class: class c against the rest, and every class's scores together (micro).
  const BinaryCurve& class_curve(int c) const { return class_curves_[c]; }
  const BinaryCurve& micro_curve() const { return micro_curve_; }

  // Regression.
  double mean_squared_error() const;
  double root_mean_squared_error() const;
  double mean_absolute_error() const;
  // 100 * |error / label|, over the rows whose label is not 0 (TFMA skips the others).
  double mean_absolute_percentage_error() const;
  double r_squared() const;  // 1 - residual / total sum of squares; NaN for a constant label.

 private:
  // Weighted running mean and sum of squared deviations (stable for large offsets).
  struct Running {
    double weight = 0, mean = 0, m2 = 0;
    void Add(double x, double w);
    void Merge(const Running& other);
  };

  AccumulatorOptions options_;
  int64_t example_count_ = 0;
  Running label_;        // Weighted labels (regression: their variance gives R²).
  Running prediction_;   // Weighted scores (binary) or predictions (regression).
  double loss_sum_ = 0;  // Weighted crossentropy (binary and multi-class).
  BinaryCurve curve_;
  std::vector<double> confusion_;
  std::vector<double> top_k_correct_;
  std::vector<BinaryCurve> class_curves_;
  BinaryCurve micro_curve_;
  double squared_error_ = 0, absolute_error_ = 0;
  double percentage_error_ = 0, percentage_weight_ = 0;
};

// Checks one row's label and scores for the task; the error names the row (first_row + i)
// and what was expected.
Status CheckRow(const AccumulatorOptions& options, int64_t row, double label,
                const double* scores);

}  // namespace metrics
}  // namespace tfx_core

#endif  // TFX_CORE_METRICS_ACCUMULATOR_H_
