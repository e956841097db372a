// The metrics against reference computations written out here: brute force over the rows
// (pairs for AUC, a scan per threshold for confusion matrices), hand-derived values, and
// TFMA's documented edge cases (single-class slices, zero weights, ties, NaN predictions).
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tfx_core/metrics/accumulator.h"
#include "tfx_core/metrics/binary_curve.h"
#include "tfx_core/metrics/sliced_accumulator.h"

namespace tfx_core {
namespace metrics {
namespace {

struct Row {
  double score, label, weight;
};

// Rows with few distinct scores (many ties), labels in {0, 1}, some zero weights.
std::vector<Row> RandomRows(int n, unsigned seed, int distinct_scores = 50) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> score(0, distinct_scores - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    const double s = (score(rng) + 0.5) / distinct_scores;
    const double label = unit(rng) < s ? 1.0 : 0.0;  // Informative, not perfect.
    const double weight = i % 17 == 0 ? 0.0 : 0.5 + unit(rng);
    rows.push_back({s, label, weight});
  }
  return rows;
}

BinaryCurve CurveOf(const std::vector<Row>& rows) {
  BinaryCurve curve;
  for (const Row& r : rows) curve.Add(r.score, r.label, r.weight);
  return curve;
}

// The Mann-Whitney statistic: P(score of a positive > score of a negative), ties half.
double PairwiseRocAuc(const std::vector<Row>& rows) {
  double sum = 0, pos = 0, neg = 0;
  for (const Row& a : rows) {
    pos += a.weight * a.label;
    neg += a.weight * (1 - a.label);
    for (const Row& b : rows) {
      const double pairs = a.weight * a.label * b.weight * (1 - b.label);
      sum += pairs * (a.score > b.score ? 1.0 : a.score == b.score ? 0.5 : 0.0);
    }
  }
  return sum / (pos * neg);
}

Confusion ScanConfusion(const std::vector<Row>& rows, double t) {
  Confusion c;
  for (const Row& r : rows) {
    const bool predicted = r.score > t;
    (predicted ? c.tp : c.fn) += r.weight * r.label;
    (predicted ? c.fp : c.tn) += r.weight * (1 - r.label);
  }
  return c;
}

TEST(BinaryCurveTest, ExactRocAucIsThePairwiseStatisticWithTiesAndWeights) {
  const std::vector<Row> rows = RandomRows(600, 1);
  EXPECT_NEAR(CurveOf(rows).ExactAuc(Curve::kRoc), PairwiseRocAuc(rows), 1e-12);
}

TEST(BinaryCurveTest, ConfusionMatricesEqualAScanOfTheRows) {
  const std::vector<Row> rows = RandomRows(500, 2, 20);
  const std::vector<double> thresholds = {-1, 0, 0.025, 0.3, 0.5, 0.525, 0.975, 1, 2};
  const std::vector<Confusion> got = CurveOf(rows).ConfusionAt(thresholds);
  for (size_t i = 0; i < thresholds.size(); ++i) {
    const Confusion want = ScanConfusion(rows, thresholds[i]);
    EXPECT_NEAR(got[i].tp, want.tp, 1e-9) << thresholds[i];
    EXPECT_NEAR(got[i].fp, want.fp, 1e-9) << thresholds[i];
    EXPECT_NEAR(got[i].tn, want.tn, 1e-9) << thresholds[i];
    EXPECT_NEAR(got[i].fn, want.fn, 1e-9) << thresholds[i];
  }
}

TEST(BinaryCurveTest, ExactPrAucIsTheDavisGoadrichIntegral) {
  // Scores 0.9 (positive), 0.8 (negative), 0.7 (positive). From the top: 0.9 adds recall 1/2
  // at precision 1; 0.8 adds no recall; 0.7 adds recall 1/2 with precision interpolated
  // from 1/2 to 2/3 along the added positive: (1 - ln 1.5) / 2.
  BinaryCurve curve;
  curve.Add(0.9, 1, 1);
  curve.Add(0.8, 0, 1);
  curve.Add(0.7, 1, 1);
  EXPECT_NEAR(curve.ExactAuc(Curve::kPr), 0.5 + (1 - std::log(1.5)) / 2, 1e-12);
  EXPECT_NEAR(curve.ExactAuc(Curve::kRoc), 0.5, 1e-12);
}

TEST(BinaryCurveTest, PerfectAndSingleClassSlices) {
  BinaryCurve perfect;
  for (int i = 0; i < 10; ++i) perfect.Add(i / 10.0, i >= 5 ? 1 : 0, 1);
  EXPECT_DOUBLE_EQ(perfect.ExactAuc(Curve::kRoc), 1.0);
  EXPECT_DOUBLE_EQ(perfect.ExactAuc(Curve::kPr), 1.0);
  BinaryCurve positives;
  for (int i = 0; i < 10; ++i) positives.Add(i / 10.0, 1, 1);
  EXPECT_TRUE(std::isnan(positives.ExactAuc(Curve::kRoc)));  // No negatives: undefined.
  EXPECT_DOUBLE_EQ(positives.ExactAuc(Curve::kPr), 1.0);
  EXPECT_DOUBLE_EQ(positives.TfmaAuc(Curve::kRoc), 0.0);  // TFMA's nansum of NaN terms.
  BinaryCurve negatives;
  for (int i = 0; i < 10; ++i) negatives.Add(i / 10.0, 0, 1);
  EXPECT_TRUE(std::isnan(negatives.ExactAuc(Curve::kPr)));
  EXPECT_DOUBLE_EQ(negatives.TfmaAuc(Curve::kPr), 0.0);
}

TEST(BinaryCurveTest, TfmaAucIsCloseToExactAndEqualWhenScoresSitOnBuckets) {
  const std::vector<Row> rows = RandomRows(2000, 3, 1000);
  const BinaryCurve curve = CurveOf(rows);
  EXPECT_NEAR(curve.TfmaAuc(Curve::kRoc), curve.ExactAuc(Curve::kRoc), 1e-3);
  EXPECT_NEAR(curve.TfmaAuc(Curve::kPr), curve.ExactAuc(Curve::kPr), 1e-3);
  // Two well-separated scores: TFMA's thresholds split them exactly as the exact curve does.
  BinaryCurve two;
  two.Add(0.25, 1, 1);
  two.Add(0.25, 0, 3);
  two.Add(0.75, 1, 2);
  two.Add(0.75, 0, 1);
  EXPECT_NEAR(two.TfmaAuc(Curve::kRoc), two.ExactAuc(Curve::kRoc), 1e-12);
  EXPECT_NEAR(two.TfmaAuc(Curve::kPr), two.ExactAuc(Curve::kPr), 1e-9);
}

TEST(BinaryCurveTest, TfmaThresholds) {
  const std::vector<double> t = TfmaThresholds(5);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_DOUBLE_EQ(t[0], -1e-7);
  EXPECT_DOUBLE_EQ(t[1], 0.25);
  EXPECT_DOUBLE_EQ(t[3], 0.75);
  EXPECT_DOUBLE_EQ(t[4], 1 + 1e-7);
}

TEST(BinaryCurveTest, ThresholdMetricsAndZeroDenominators) {
  const ThresholdMetrics m = MetricsAt(Confusion{3, 1, 4, 2});
  EXPECT_DOUBLE_EQ(m.precision, 0.75);
  EXPECT_DOUBLE_EQ(m.recall, 0.6);
  EXPECT_DOUBLE_EQ(m.f1, 6.0 / 9.0);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.7);
  EXPECT_DOUBLE_EQ(m.false_positive_rate, 0.2);
  EXPECT_DOUBLE_EQ(m.false_negative_rate, 0.4);
  EXPECT_DOUBLE_EQ(m.true_negative_rate, 0.8);
  EXPECT_DOUBLE_EQ(m.positive_rate, 0.4);
  EXPECT_DOUBLE_EQ(m.negative_rate, 0.6);
  EXPECT_DOUBLE_EQ(m.false_discovery_rate, 0.25);
  EXPECT_DOUBLE_EQ(m.false_omission_rate, 2.0 / 6.0);
  const ThresholdMetrics none = MetricsAt(Confusion{0, 0, 5, 0});
  EXPECT_TRUE(std::isnan(none.precision));
  EXPECT_TRUE(std::isnan(none.recall));
  EXPECT_DOUBLE_EQ(none.accuracy, 1.0);
}

TEST(BinaryCurveTest, CalibrationBucketsSumTheirRows) {
  const std::vector<Row> rows = RandomRows(400, 4, 37);
  BinaryCurve curve = CurveOf(rows);
  curve.Add(-0.5, 1, 1);  // Underflow.
  curve.Add(1.0, 0, 2);   // 1.0 itself falls in [1, inf).
  const std::vector<CalibrationBucket> buckets = curve.Calibration(10);
  ASSERT_EQ(buckets.size(), 12u);
  EXPECT_EQ(buckets[0].upper, 0.0);
  EXPECT_DOUBLE_EQ(buckets[0].weighted_examples, 1.0);
  EXPECT_DOUBLE_EQ(buckets[11].lower, 1.0);
  EXPECT_DOUBLE_EQ(buckets[11].weighted_examples, 2.0);
  for (int b = 1; b <= 10; ++b) {
    double examples = 0, labels = 0, predictions = 0;
    for (const Row& r : rows) {
      if (static_cast<int>(r.score * 10) + 1 == b) {
        examples += r.weight;
        labels += r.weight * r.label;
        predictions += r.weight * r.score;
      }
    }
    EXPECT_DOUBLE_EQ(buckets[b].lower, (b - 1) / 10.0);
    EXPECT_NEAR(buckets[b].weighted_examples, examples, 1e-9) << b;
    EXPECT_NEAR(buckets[b].weighted_labels, labels, 1e-9) << b;
    EXPECT_NEAR(buckets[b].weighted_predictions, predictions, 1e-9) << b;
  }
}

TEST(BinaryCurveTest, MergeAndSerializationKeepEveryPoint) {
  const std::vector<Row> rows = RandomRows(10000, 5, 9000);
  BinaryCurve a, b;
  for (size_t i = 0; i < rows.size(); ++i) {
    (i % 3 ? a : b).Add(rows[i].score, rows[i].label, rows[i].weight);
  }
  std::string bytes;
  b.Serialize(&bytes);
  BinaryCurve restored;
  size_t pos = 0;
  ASSERT_TRUE(restored.Deserialize(bytes, &pos));
  EXPECT_EQ(pos, bytes.size());
  a.Merge(restored);
  const BinaryCurve whole = CurveOf(rows);
  EXPECT_EQ(a.points().size(), whole.points().size());
  EXPECT_NEAR(a.ExactAuc(Curve::kRoc), whole.ExactAuc(Curve::kRoc), 1e-12);
  EXPECT_NEAR(a.ExactAuc(Curve::kPr), whole.ExactAuc(Curve::kPr), 1e-12);
  size_t short_pos = 0;
  EXPECT_FALSE(BinaryCurve().Deserialize(bytes.substr(0, bytes.size() - 3), &short_pos));
}

AccumulatorOptions Binary() { return AccumulatorOptions(); }

TEST(MetricsAccumulatorTest, BinaryCountsMeansCalibrationAndLogLoss) {
  MetricsAccumulator acc(Binary());
  const std::vector<Row> rows = {{0.8, 1, 2}, {0.4, 0, 1}, {0.6, 1, 0}, {1.0, 0, 1}};
  double loss = 0;
  for (const Row& r : rows) {
    acc.Add(r.label, &r.score, r.weight);
    const double p = std::min(std::max(r.score, 1e-7), 1 - 1e-7);
    loss -= r.weight * (r.label * std::log(p) + (1 - r.label) * std::log(1 - p));
  }
  EXPECT_EQ(acc.example_count(), 4);
  EXPECT_DOUBLE_EQ(acc.weighted_example_count(), 4.0);
  EXPECT_DOUBLE_EQ(acc.mean_label(), 0.5);
  EXPECT_DOUBLE_EQ(acc.mean_prediction(), (1.6 + 0.4 + 1.0) / 4);
  EXPECT_DOUBLE_EQ(acc.calibration(), 3.0 / 2.0);
  EXPECT_NEAR(acc.log_loss(), loss / 4, 1e-12);
  const MetricsAccumulator empty(Binary());
  EXPECT_TRUE(std::isnan(empty.mean_label()));
  EXPECT_TRUE(std::isnan(empty.calibration()));
}

TEST(MetricsAccumulatorTest, MultiClassAccuracyTopKCrossentropyAndPerClassCurves) {
  AccumulatorOptions options;
  options.task = Task::kMultiClass;
  options.num_classes = 3;
  options.top_k = {1, 2};
  options.per_class = true;
  MetricsAccumulator acc(options);
  const std::vector<std::vector<double>> scores = {
      {0.7, 0.2, 0.1}, {0.3, 0.3, 0.4}, {0.1, 0.6, 0.3}, {0.5, 0.5, 0.0}, {0.2, 0.2, 0.6}};
  const std::vector<double> labels = {0, 1, 2, 1, 0};
  const std::vector<double> weights = {1, 2, 1, 1, 1};
  double loss = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    acc.Add(labels[i], scores[i].data(), weights[i]);
    loss -= weights[i] * std::log(scores[i][static_cast<int>(labels[i])]);
  }
  // argmax: 0, 2, 1, 0 (first of a tie), 2 -> only row 0 is right.
  EXPECT_DOUBLE_EQ(acc.sparse_categorical_accuracy(), 1.0 / 6.0);
  // Top 2: rows 0 (yes), 1 (label 1 at 0.3 ties 0.3 at the boundary: in), 2 (label 2 at 0.3
  // is second: in), 3 (label 1 ties for first: in), 4 (label 0 at 0.2 ties for second: in).
  EXPECT_DOUBLE_EQ(acc.top_k_accuracy(2), 1.0);
  EXPECT_DOUBLE_EQ(acc.top_k_accuracy(1), 2.0 / 6.0);  // Rows 0 and 3 (its tie counts as in).
  EXPECT_NEAR(acc.sparse_categorical_crossentropy(), loss / 6, 1e-12);
  EXPECT_DOUBLE_EQ(acc.confusion_matrix()[1 * 3 + 2], 2.0);  // Label 1 predicted 2, weight 2.
  EXPECT_DOUBLE_EQ(acc.class_curve(0).positive_weight(), 2.0);
  EXPECT_DOUBLE_EQ(acc.class_curve(0).negative_weight(), 4.0);
  EXPECT_DOUBLE_EQ(acc.micro_curve().positive_weight(), 6.0);
  EXPECT_DOUBLE_EQ(acc.micro_curve().negative_weight(), 12.0);
}

TEST(MetricsAccumulatorTest, RegressionErrorsAndRSquared) {
  AccumulatorOptions options;
  options.task = Task::kRegression;
  MetricsAccumulator acc(options);
  const std::vector<double> labels = {1e6 + 1, 1e6 + 2, 1e6 + 4, 0};
  const std::vector<double> predictions = {1e6 + 1.5, 1e6 + 2, 1e6 + 3, 0.5};
  const std::vector<double> weights = {1, 2, 1, 1};
  double sw = 0, se = 0, ae = 0, pe = 0, pw = 0, mean = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    acc.Add(labels[i], &predictions[i], weights[i]);
    const double e = predictions[i] - labels[i];
    sw += weights[i];
    se += weights[i] * e * e;
    ae += weights[i] * std::fabs(e);
    mean += weights[i] * labels[i];
    if (labels[i] != 0) {
      pe += weights[i] * 100 * std::fabs(e / labels[i]);
      pw += weights[i];
    }
  }
  mean /= sw;
  double total = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    total += weights[i] * (labels[i] - mean) * (labels[i] - mean);
  }
  EXPECT_DOUBLE_EQ(acc.mean_squared_error(), se / sw);
  EXPECT_DOUBLE_EQ(acc.root_mean_squared_error(), std::sqrt(se / sw));
  EXPECT_DOUBLE_EQ(acc.mean_absolute_error(), ae / sw);
  EXPECT_NEAR(acc.mean_absolute_percentage_error(), pe / pw, 1e-12);  // The 0 label skipped.
  EXPECT_NEAR(acc.r_squared(), 1 - se / total, 1e-9);
}

TEST(MetricsAccumulatorTest, RowChecksNameTheRow) {
  const double nan = std::nan("");
  const Status bad_score = CheckRow(Binary(), 41, 1, &nan);
  EXPECT_FALSE(bad_score.ok());
  EXPECT_NE(bad_score.message().find("row 41"), std::string::npos) << bad_score.message();
  const double score = 0.5;
  const Status bad_label = CheckRow(Binary(), 7, 2, &score);
  EXPECT_NE(bad_label.message().find("row 7: label 2 is outside [0, 1]"), std::string::npos)
      << bad_label.message();
  AccumulatorOptions multi;
  multi.task = Task::kMultiClass;
  multi.num_classes = 3;
  const double scores[3] = {0.2, 0.3, 0.5};
  EXPECT_FALSE(CheckRow(multi, 0, 3, scores).ok());
  EXPECT_FALSE(CheckRow(multi, 0, 1.5, scores).ok());
  EXPECT_TRUE(CheckRow(multi, 0, 2, scores).ok());
}

// Two slicings: overall (id 0) and a feature with slices 1 and 2 (-1: the row has none).
struct Batch {
  std::vector<double> labels, scores, weights;
  std::vector<int64_t> slice_ids;
};

Batch RandomBatch(int n, unsigned seed) {
  Batch b;
  for (const Row& r : RandomRows(n, seed)) {
    b.labels.push_back(r.label);
    b.scores.push_back(r.score);
    b.weights.push_back(r.weight);
    b.slice_ids.push_back(0);
    b.slice_ids.push_back(b.labels.size() % 5 == 0 ? -1 : 1 + b.labels.size() % 2);
  }
  return b;
}

void ExpectSame(const MetricsAccumulator& a, const MetricsAccumulator& b) {
  EXPECT_EQ(a.example_count(), b.example_count());
  EXPECT_NEAR(a.weighted_example_count(), b.weighted_example_count(), 1e-9);
  EXPECT_NEAR(a.mean_label(), b.mean_label(), 1e-12);
  EXPECT_NEAR(a.log_loss(), b.log_loss(), 1e-12);
  EXPECT_NEAR(a.curve().ExactAuc(Curve::kRoc), b.curve().ExactAuc(Curve::kRoc), 1e-12);
}

TEST(SlicedAccumulatorTest, SlicesBatchesMergesAndSerializationAgree) {
  const Batch batch = RandomBatch(20000, 6);
  SlicedAccumulator whole(Binary(), 5, 42);
  ASSERT_TRUE(whole.Add(batch.labels.data(), batch.scores.data(), batch.weights.data(),
                        batch.slice_ids.data(), 2, 20000, 0)
                  .ok());
  EXPECT_EQ(whole.slices(), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(whole.Find(0)->example_count(), 20000);
  EXPECT_EQ(whole.Find(1)->example_count() + whole.Find(2)->example_count(), 16000);
  EXPECT_EQ(whole.Find(3), nullptr);

  // The same rows in two batches on two "workers", one of them serialized in between.
  SlicedAccumulator first(Binary(), 5, 42), second(Binary(), 5, 42);
  ASSERT_TRUE(first.Add(batch.labels.data(), batch.scores.data(), batch.weights.data(),
                        batch.slice_ids.data(), 2, 7000, 0)
                  .ok());
  ASSERT_TRUE(second.Add(batch.labels.data() + 7000, batch.scores.data() + 7000,
                         batch.weights.data() + 7000, batch.slice_ids.data() + 14000, 2, 13000,
                         7000)
                  .ok());
  StatusOr<SlicedAccumulator> restored = SlicedAccumulator::Deserialize(second.Serialize());
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  ASSERT_TRUE(first.Merge(restored.value()).ok());
  for (int64_t slice : whole.slices()) {
    for (int r = -1; r < 5; ++r) ExpectSame(*first.Find(slice, r), *whole.Find(slice, r));
  }
  EXPECT_FALSE(first.Merge(SlicedAccumulator(Binary(), 20, 42)).ok());
  EXPECT_FALSE(SlicedAccumulator::Deserialize("TFXC").ok());
}

TEST(SlicedAccumulatorTest, BootstrapReplicatesResampleTheRows) {
  const Batch batch = RandomBatch(20000, 7);
  SlicedAccumulator acc(Binary(), kDefaultBootstrapSamples, 1);
  ASSERT_TRUE(acc.Add(batch.labels.data(), batch.scores.data(), nullptr, batch.slice_ids.data(),
                      2, 20000, 0)
                  .ok());
  double count_sum = 0;
  for (int r = 0; r < kDefaultBootstrapSamples; ++r) {
    const MetricsAccumulator* rep = acc.Find(0, r);
    count_sum += rep->example_count();
    EXPECT_NE(rep->example_count(), 20000);  // Resampled: a replicate's size varies.
    EXPECT_NEAR(rep->example_count(), 20000, 5 * std::sqrt(20000.0));
    EXPECT_NEAR(rep->mean_label(), acc.Find(0)->mean_label(), 0.02);
  }
  EXPECT_NEAR(count_sum / kDefaultBootstrapSamples, 20000, 200);
  // Poisson(1): mean and variance 1.
  double mean = 0, square = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const int k = PoissonDraw(3, i, i % 20);
    mean += k;
    square += k * k;
  }
  mean /= n;
  EXPECT_NEAR(mean, 1.0, 0.01);
  EXPECT_NEAR(square / n - mean * mean, 1.0, 0.02);
}

TEST(SlicedAccumulatorTest, BadRowsFailTheBatchNamingTheFirstBadRow) {
  Batch batch = RandomBatch(10000, 8);
  batch.scores[9000] = std::nan("");
  batch.labels[6000] = 3;
  SlicedAccumulator acc(Binary());
  const Status status = acc.Add(batch.labels.data(), batch.scores.data(), batch.weights.data(),
                                batch.slice_ids.data(), 2, 10000, 100);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("row 6100: label 3"), std::string::npos) << status.message();
  EXPECT_TRUE(acc.slices().empty());  // Nothing of the failed batch was added.
  batch.labels[6000] = 1;
  batch.scores[9000] = 0.5;
  batch.weights[10] = -1;
  const Status weight = acc.Add(batch.labels.data(), batch.scores.data(), batch.weights.data(),
                                batch.slice_ids.data(), 2, 10000, 0);
  EXPECT_NE(weight.message().find("row 10: example weight -1"), std::string::npos)
      << weight.message();
}

}  // namespace
}  // namespace metrics
}  // namespace tfx_core
