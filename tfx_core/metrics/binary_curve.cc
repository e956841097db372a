#include "tfx_core/metrics/binary_curve.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tfx_core/sketches/bytes.h"

namespace tfx_core {
namespace metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

double Ratio(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : kNaN;
}

// One bucket of TFMA's calibration histogram (after rebinning: of a list of thresholds).
struct HistogramBucket {
  int64_t id;
  double labels = 0, predictions = 0, examples = 0;
};

// TFMA's CalibrationHistogramCombiner._bucket_index over [0, 1).
int64_t TfmaBucket(double score, int num_buckets) {
  const double index = score * num_buckets + 1;
  if (index < 0) return 0;
  if (index >= num_buckets + 1) return num_buckets + 1;
  return static_cast<int64_t>(index);
}

// TFMA's calibration_histogram.rebin: the histogram's buckets summed into the intervals
// [thresholds[i], thresholds[i + 1]); -inf and +inf buckets go to the ends.
std::vector<HistogramBucket> Rebin(const std::vector<double>& thresholds,
                                   const std::vector<HistogramBucket>& histogram,
                                   int num_buckets) {
  std::vector<HistogramBucket> out(thresholds.size());
  for (size_t i = 0; i < out.size(); ++i) out[i].id = static_cast<int64_t>(i);
  size_t offset = 0;
  for (const HistogramBucket& bucket : histogram) {
    const double pred = bucket.id == 0 ? -kInf
                        : bucket.id >= num_buckets + 1
                            ? kInf
                            : static_cast<double>(bucket.id - 1) / num_buckets;
    while (offset + 1 < thresholds.size() && pred >= thresholds[offset + 1]) ++offset;
    out[offset].labels += bucket.labels;
    out[offset].predictions += bucket.predictions;
    out[offset].examples += bucket.examples;
  }
  return out;
}

}  // namespace

std::vector<double> TfmaThresholds(int num_thresholds) {
  std::vector<double> out = {-kTfmaEpsilon};
  for (int i = 0; i < num_thresholds - 2; ++i) {
    out.push_back((i + 1) * 1.0 / (num_thresholds - 1));
  }
  out.push_back(1.0 + kTfmaEpsilon);
  return out;
}

ThresholdMetrics MetricsAt(const Confusion& c) {
  ThresholdMetrics m;
  const double total = c.tp + c.fp + c.tn + c.fn;
  m.precision = Ratio(c.tp, c.tp + c.fp);
  m.recall = Ratio(c.tp, c.tp + c.fn);
  m.f1 = Ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
  m.accuracy = Ratio(c.tp + c.tn, total);
  m.false_positive_rate = Ratio(c.fp, c.fp + c.tn);
  m.false_negative_rate = Ratio(c.fn, c.fn + c.tp);
  m.true_positive_rate = m.recall;
  m.true_negative_rate = Ratio(c.tn, c.tn + c.fp);
  m.positive_rate = Ratio(c.tp + c.fp, total);
  m.negative_rate = Ratio(c.tn + c.fn, total);
  m.false_discovery_rate = Ratio(c.fp, c.fp + c.tp);
  m.false_omission_rate = Ratio(c.fn, c.fn + c.tn);
  return m;
}

void BinaryCurve::Add(double score, double label, double weight) {
  points_.push_back({score, weight * label, weight * (1.0 - label)});
  MaybeCompact();
}

void BinaryCurve::Merge(const BinaryCurve& other) {
  other.Compact();
  points_.insert(points_.end(), other.points_.begin(), other.points_.end());
  MaybeCompact();
}

void BinaryCurve::MaybeCompact() {
  if (points_.size() - sorted_ > std::max<size_t>(4096, sorted_)) Compact();
}

void BinaryCurve::Compact() const {
  if (sorted_ == points_.size()) return;
  const auto by_score = [](const Point& a, const Point& b) { return a.score < b.score; };
  std::sort(points_.begin() + sorted_, points_.end(), by_score);
  std::inplace_merge(points_.begin(), points_.begin() + sorted_, points_.end(), by_score);
  size_t out = 0;
  for (size_t i = 0; i < points_.size(); ++i) {
    if (out > 0 && points_[out - 1].score == points_[i].score) {
      points_[out - 1].positive += points_[i].positive;
      points_[out - 1].negative += points_[i].negative;
    } else {
      points_[out++] = points_[i];
    }
  }
  points_.resize(out);
  sorted_ = out;
}

const std::vector<BinaryCurve::Point>& BinaryCurve::points() const {
  Compact();
  return points_;
}

double BinaryCurve::positive_weight() const {
  double sum = 0;
  for (const Point& p : points()) sum += p.positive;
  return sum;
}

double BinaryCurve::negative_weight() const {
  double sum = 0;
  for (const Point& p : points()) sum += p.negative;
  return sum;
}

std::vector<Confusion> BinaryCurve::ConfusionAt(const std::vector<double>& thresholds) const {
  const std::vector<Point>& pts = points();
  // above[i]: the weights of points [i, end), whose scores exceed any t below pts[i].score.
  std::vector<double> above_pos(pts.size() + 1, 0.0), above_neg(pts.size() + 1, 0.0);
  for (size_t i = pts.size(); i-- > 0;) {
    above_pos[i] = above_pos[i + 1] + pts[i].positive;
    above_neg[i] = above_neg[i + 1] + pts[i].negative;
  }
  std::vector<Confusion> out;
  out.reserve(thresholds.size());
  for (double t : thresholds) {
    const size_t first = std::upper_bound(pts.begin(), pts.end(), t,
                                          [](double v, const Point& p) { return v < p.score; }) -
                         pts.begin();
    Confusion c;
    c.tp = above_pos[first];
    c.fp = above_neg[first];
    c.fn = above_pos[0] - c.tp;
    c.tn = above_neg[0] - c.fp;
    out.push_back(c);
  }
  return out;
}

double InterpolatedAuc(const std::vector<Confusion>& m, Curve curve) {
  double sum = 0;
  const auto add = [&sum](double term) {
    if (!std::isnan(term)) sum += term;
  };
  for (size_t i = 0; i + 1 < m.size(); ++i) {
    const Confusion& a = m[i];
    const Confusion& b = m[i + 1];
    if (curve == Curve::kRoc) {
      const double xa = a.fp / (a.fp + a.tn), xb = b.fp / (b.fp + b.tn);
      const double ya = a.tp / (a.tp + a.fn), yb = b.tp / (b.tp + b.fn);
      add((xa - xb) * (ya + yb) / 2.0);
      continue;
    }
    // Davis & Goadrich: precision interpolated along the segment between the two points.
    const double dtp = a.tp - b.tp;
    const double pa = a.tp + a.fp, pb = b.tp + b.fp;
    const double slope = dtp / std::max(pa - pb, 0.0);
    const double intercept = b.tp - slope * pb;
    const double ratio = (pa > 0 && pb > 0) ? pa / std::max(pb, 0.0) : 1.0;
    add(slope * (dtp + intercept * std::log(ratio)) / std::max(b.tp + b.fn, 0.0));
  }
  return sum;
}

double BinaryCurve::ExactAuc(Curve curve) const {
  const std::vector<Point>& pts = points();
  const double positives = positive_weight(), negatives = negative_weight();
  if (!(positives > 0) || (curve == Curve::kRoc && !(negatives > 0))) return kNaN;
  // Every distinct score is a threshold: the curve's points from "all positive" to "none".
  std::vector<Confusion> m;
  m.reserve(pts.size() + 1);
  Confusion c{positives, negatives, 0, 0};
  m.push_back(c);
  for (const Point& p : pts) {
    c.tp -= p.positive;
    c.fp -= p.negative;
    c.fn += p.positive;
    c.tn += p.negative;
    m.push_back(c);
  }
  m.back().tp = m.back().fp = 0;  // Exactly: no rounding residue at the end of the curve.
  m.back().fn = positives;
  m.back().tn = negatives;
  return InterpolatedAuc(m, curve);
}

double BinaryCurve::TfmaAuc(Curve curve, int num_thresholds) const {
  const std::vector<double> thresholds = TfmaThresholds(num_thresholds);
  // TFMA's binary_confusion_matrices from its calibration histogram: the thresholds shifted
  // by epsilon (its histogram's intervals are [start, end), the matrices' (start, end]).
  std::vector<double> rebin_thresholds;
  for (double t : thresholds) rebin_thresholds.push_back(t != 0 ? t + kTfmaEpsilon : t);
  std::vector<HistogramBucket> histogram;
  for (const Point& p : points()) {
    const int64_t id = TfmaBucket(p.score, kTfmaHistogramBuckets);
    if (histogram.empty() || histogram.back().id != id) histogram.push_back({id});
    histogram.back().labels += p.positive;
    histogram.back().examples += p.positive + p.negative;
  }
  const std::vector<HistogramBucket> bins =
      Rebin(rebin_thresholds, histogram, kTfmaHistogramBuckets);
  const size_t n = bins.size();
  std::vector<Confusion> m(n);
  for (size_t i = n; i-- > 0;) {  // tp, fp: the weight of buckets >= i.
    const double pos = bins[i].labels, neg = bins[i].examples - bins[i].labels;
    m[i].tp = i + 1 < n ? m[i + 1].tp + pos : pos;
    m[i].fp = i + 1 < n ? m[i + 1].fp + neg : neg;
  }
  for (size_t i = 0; i + 1 < n; ++i) {  // fn, tn: the weight of buckets < i.
    m[i + 1].fn = m[i].fn + bins[i].labels;
    m[i + 1].tn = m[i].tn + (bins[i].examples - bins[i].labels);
  }
  for (size_t i = 0; i < n; ++i) {
    if (thresholds[i] >= 1.0 + kTfmaEpsilon) {
      m[i] = Confusion{0, 0, m[0].fp, m[0].tp};
    }
  }
  return InterpolatedAuc(m, curve);
}

std::vector<CalibrationBucket> BinaryCurve::Calibration(int num_buckets) const {
  // TFMA's CalibrationPlot: its 10,000-bucket histogram rebinned into num_buckets.
  std::vector<HistogramBucket> histogram;
  for (const Point& p : points()) {
    const int64_t id = TfmaBucket(p.score, kTfmaHistogramBuckets);
    if (histogram.empty() || histogram.back().id != id) histogram.push_back({id});
    histogram.back().labels += p.positive;
    histogram.back().predictions += p.score * (p.positive + p.negative);
    histogram.back().examples += p.positive + p.negative;
  }
  std::vector<double> thresholds = {-kInf};
  for (int i = 0; i <= num_buckets; ++i) thresholds.push_back(i * 1.0 / num_buckets);
  const std::vector<HistogramBucket> bins = Rebin(thresholds, histogram, kTfmaHistogramBuckets);
  std::vector<CalibrationBucket> out;
  for (size_t i = 0; i < bins.size(); ++i) {
    out.push_back({thresholds[i], i + 1 < thresholds.size() ? thresholds[i + 1] : kInf,
                   bins[i].examples, bins[i].labels, bins[i].predictions});
  }
  return out;
}

void BinaryCurve::Serialize(std::string* out) const {
  const std::vector<Point>& pts = points();
  PutBytes<uint64_t>(out, pts.size());
  for (const Point& p : pts) {
    PutBytes(out, p.score);
    PutBytes(out, p.positive);
    PutBytes(out, p.negative);
  }
}

bool BinaryCurve::Deserialize(const std::string& in, size_t* pos) {
  uint64_t n = 0;
  if (!GetBytes(in, pos, &n) || (in.size() - *pos) / (3 * sizeof(double)) < n) return false;
  points_.resize(n);
  for (Point& p : points_) {
    if (!GetBytes(in, pos, &p.score) || !GetBytes(in, pos, &p.positive) ||
        !GetBytes(in, pos, &p.negative)) {
      return false;
    }
  }
  sorted_ = 0;
  Compact();
  return true;
}

}  // namespace metrics
}  // namespace tfx_core
