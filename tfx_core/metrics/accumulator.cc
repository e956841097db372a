#include "tfx_core/metrics/accumulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tfx_core/sketches/bytes.h"
#include "tfx_core/util/moments.h"

namespace tfx_core {
namespace metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Ratio(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : kNaN;
}

double Clip(double p) { return std::min(std::max(p, kKerasEpsilon), 1.0 - kKerasEpsilon); }

const char* TaskName(Task task) {
  switch (task) {
    case Task::kBinary: return "binary classification";
    case Task::kMultiClass: return "multi-class classification";
    case Task::kRegression: return "regression";
  }
  return "unknown task";
}

bool SameOptions(const AccumulatorOptions& a, const AccumulatorOptions& b) {
  return a.task == b.task && a.num_classes == b.num_classes && a.top_k == b.top_k &&
         a.per_class == b.per_class;
}

}  // namespace

void MetricsAccumulator::Running::Add(double x, double w) {
  if (!(w > 0)) return;
  weight += w;
  const double delta = x - mean;
  mean += delta * (w / weight);
  m2 += w * delta * (x - mean);
}

void MetricsAccumulator::Running::Merge(const Running& other) {
  CombineMoments(&weight, &mean, &m2, other.weight, other.mean, other.m2);
}

MetricsAccumulator::MetricsAccumulator(const AccumulatorOptions& options) : options_(options) {
  if (options_.task == Task::kMultiClass) {
    const size_t k = static_cast<size_t>(options_.num_classes);
    confusion_.assign(k * k, 0.0);
    top_k_correct_.assign(options_.top_k.size(), 0.0);
    if (options_.per_class) class_curves_.resize(k);
  }
}

Status CheckRow(const AccumulatorOptions& options, int64_t row, double label,
                const double* scores) {
  const int n = options.task == Task::kMultiClass ? options.num_classes : 1;
  for (int c = 0; c < n; ++c) {
    if (!std::isfinite(scores[c])) {
      return InvalidArgument("row ", row, ": prediction ", scores[c],
                             n > 1 ? StrCat(" for class ", c) : std::string(),
                             " is not a finite number (", TaskName(options.task), ")");
    }
  }
  switch (options.task) {
    case Task::kBinary:
      if (!(label >= 0 && label <= 1)) {
        return InvalidArgument("row ", row, ": label ", label,
                               " is outside [0, 1]; binary classification metrics need labels "
                               "0 or 1 (or soft labels between them)");
      }
      break;
    case Task::kMultiClass:
      if (!(label >= 0 && label < options.num_classes) || label != std::floor(label)) {
        return InvalidArgument("row ", row, ": label ", label, " is not a class id in [0, ",
                               options.num_classes, ")");
      }
      break;
    case Task::kRegression:
      if (!std::isfinite(label)) {
        return InvalidArgument("row ", row, ": label ", label, " is not a finite number");
      }
      break;
  }
  return Status::OK();
}

void MetricsAccumulator::Add(double label, const double* scores, double weight, int copies) {
  example_count_ += copies;
  weight *= copies;
  label_.Add(label, weight);
  switch (options_.task) {
    case Task::kBinary: {
      const double p = scores[0];
      prediction_.Add(p, weight);
      curve_.Add(p, label, weight);
      const double q = Clip(p);
      loss_sum_ -= weight * (label * std::log(q) + (1 - label) * std::log(1 - q));
      break;
    }
    case Task::kMultiClass: {
      const int k = options_.num_classes;
      const int y = static_cast<int>(label);
      int argmax = 0;
      double total = 0;
      for (int c = 0; c < k; ++c) {
        if (scores[c] > scores[argmax]) argmax = c;
        total += scores[c];
      }
      confusion_[static_cast<size_t>(y) * k + argmax] += weight;
      int higher = 0;  // Classes scored strictly above the label's.
      for (int c = 0; c < k; ++c) higher += scores[c] > scores[y];
      for (size_t i = 0; i < options_.top_k.size(); ++i) {
        if (higher < options_.top_k[i]) top_k_correct_[i] += weight;
      }
      loss_sum_ -= weight * std::log(Clip(total > 0 ? scores[y] / total : 0.0));
      if (options_.per_class) {
        for (int c = 0; c < k; ++c) {
          class_curves_[c].Add(scores[c], c == y ? 1.0 : 0.0, weight);
          micro_curve_.Add(scores[c], c == y ? 1.0 : 0.0, weight);
        }
      }
      break;
    }
    case Task::kRegression: {
      const double error = scores[0] - label;
      prediction_.Add(scores[0], weight);
      squared_error_ += weight * error * error;
      absolute_error_ += weight * std::fabs(error);
      if (label != 0) {
        percentage_error_ += weight * 100.0 * std::fabs(error / label);
        percentage_weight_ += weight;
      }
      break;
    }
  }
}

Status MetricsAccumulator::Merge(const MetricsAccumulator& other) {
  if (!SameOptions(options_, other.options_)) {
    return InvalidArgument("cannot merge metrics accumulators of different tasks or options (",
                           TaskName(options_.task), " and ", TaskName(other.options_.task),
                           ")");
  }
  example_count_ += other.example_count_;
  label_.Merge(other.label_);
  prediction_.Merge(other.prediction_);
  loss_sum_ += other.loss_sum_;
  curve_.Merge(other.curve_);
  for (size_t i = 0; i < confusion_.size(); ++i) confusion_[i] += other.confusion_[i];
  for (size_t i = 0; i < top_k_correct_.size(); ++i) top_k_correct_[i] += other.top_k_correct_[i];
  for (size_t c = 0; c < class_curves_.size(); ++c) class_curves_[c].Merge(other.class_curves_[c]);
  micro_curve_.Merge(other.micro_curve_);
  squared_error_ += other.squared_error_;
  absolute_error_ += other.absolute_error_;
  percentage_error_ += other.percentage_error_;
  percentage_weight_ += other.percentage_weight_;
  return Status::OK();
}

double MetricsAccumulator::mean_label() const {
  return label_.weight > 0 ? label_.mean : kNaN;
}

double MetricsAccumulator::mean_prediction() const {
  return prediction_.weight > 0 ? prediction_.mean : kNaN;
}

double MetricsAccumulator::calibration() const {
  return Ratio(prediction_.mean * prediction_.weight, label_.mean * label_.weight);
}

double MetricsAccumulator::log_loss() const { return Ratio(loss_sum_, label_.weight); }

double MetricsAccumulator::sparse_categorical_accuracy() const {
  double correct = 0;
  for (int c = 0; c < options_.num_classes; ++c) {
    correct += confusion_[static_cast<size_t>(c) * options_.num_classes + c];
  }
  return Ratio(correct, label_.weight);
}

double MetricsAccumulator::top_k_accuracy(int k) const {
  for (size_t i = 0; i < options_.top_k.size(); ++i) {
    if (options_.top_k[i] == k) return Ratio(top_k_correct_[i], label_.weight);
  }
  return kNaN;
}

double MetricsAccumulator::sparse_categorical_crossentropy() const {
  return Ratio(loss_sum_, label_.weight);
}

double MetricsAccumulator::mean_squared_error() const {
  return Ratio(squared_error_, label_.weight);
}

double MetricsAccumulator::root_mean_squared_error() const {
  return std::sqrt(mean_squared_error());
}

double MetricsAccumulator::mean_absolute_error() const {
  return Ratio(absolute_error_, label_.weight);
}

double MetricsAccumulator::mean_absolute_percentage_error() const {
  return Ratio(percentage_error_, percentage_weight_);
}

double MetricsAccumulator::r_squared() const {
  return label_.m2 > 0 ? 1.0 - squared_error_ / label_.m2 : kNaN;
}

void MetricsAccumulator::Serialize(std::string* out) const {
  PutBytes(out, static_cast<uint8_t>(options_.task));
  PutBytes<int32_t>(out, options_.num_classes);
  PutBytes<uint32_t>(out, static_cast<uint32_t>(options_.top_k.size()));
  for (int k : options_.top_k) PutBytes<int32_t>(out, k);
  PutBytes<uint8_t>(out, options_.per_class);
  PutBytes(out, example_count_);
  for (const Running* r : {&label_, &prediction_}) {
    PutBytes(out, r->weight);
    PutBytes(out, r->mean);
    PutBytes(out, r->m2);
  }
  for (double v : {loss_sum_, squared_error_, absolute_error_, percentage_error_,
                   percentage_weight_}) {
    PutBytes(out, v);
  }
  curve_.Serialize(out);
  PutArray(out, confusion_.data(), confusion_.size());
  PutArray(out, top_k_correct_.data(), top_k_correct_.size());
  for (const BinaryCurve& c : class_curves_) c.Serialize(out);
  micro_curve_.Serialize(out);
}

StatusOr<MetricsAccumulator> MetricsAccumulator::Deserialize(const std::string& in,
                                                             size_t* pos) {
  const Status truncated = InvalidArgument("truncated or malformed metrics accumulator");
  AccumulatorOptions options;
  uint8_t task = 0, per_class = 0;
  int32_t num_classes = 0;
  uint32_t num_top_k = 0;
  if (!GetBytes(in, pos, &task) || task < 1 || task > 3 || !GetBytes(in, pos, &num_classes) ||
      num_classes < 1 || num_classes > (1 << 20) || !GetBytes(in, pos, &num_top_k) ||
      num_top_k > 1024) {
    return truncated;
  }
  options.task = static_cast<Task>(task);
  options.num_classes = num_classes;
  for (uint32_t i = 0; i < num_top_k; ++i) {
    int32_t k = 0;
    if (!GetBytes(in, pos, &k)) return truncated;
    options.top_k.push_back(k);
  }
  if (!GetBytes(in, pos, &per_class)) return truncated;
  options.per_class = per_class != 0;
  MetricsAccumulator acc(options);
  if (!GetBytes(in, pos, &acc.example_count_)) return truncated;
  for (Running* r : {&acc.label_, &acc.prediction_}) {
    if (!GetBytes(in, pos, &r->weight) || !GetBytes(in, pos, &r->mean) ||
        !GetBytes(in, pos, &r->m2)) {
      return truncated;
    }
  }
  for (double* v : {&acc.loss_sum_, &acc.squared_error_, &acc.absolute_error_,
                    &acc.percentage_error_, &acc.percentage_weight_}) {
    if (!GetBytes(in, pos, v)) return truncated;
  }
  if (!acc.curve_.Deserialize(in, pos) ||
      !GetArray(in, pos, acc.confusion_.data(), acc.confusion_.size()) ||
      !GetArray(in, pos, acc.top_k_correct_.data(), acc.top_k_correct_.size())) {
    return truncated;
  }
  for (BinaryCurve& c : acc.class_curves_) {
    if (!c.Deserialize(in, pos)) return truncated;
  }
  if (!acc.micro_curve_.Deserialize(in, pos)) return truncated;
  return acc;
}

}  // namespace metrics
}  // namespace tfx_core
