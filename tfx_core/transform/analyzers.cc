#include "tfx_core/transform/analyzers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "tfx_core/sketches/bytes.h"

namespace tfx_core {
namespace transform {
namespace {

using arrow::ArrayView;
using arrow::LeafRange;
using arrow::Type;

// Calls fn(values, count, validity, first_bit) with the typed values of a numeric leaf range.
// A null-typed array (every value missing) is skipped.
template <typename Fn>
Status VisitNumeric(const char* op, const LeafRange& r, Fn&& fn) {
  const ArrayView& leaf = *r.leaf;
  const int64_t bit = leaf.offset + r.begin;
  switch (leaf.type) {
    case Type::kNull:
      return Status::OK();
    case Type::kInt64:
      fn(leaf.Values<int64_t>() + r.begin, r.count, leaf.validity, bit);
      return Status::OK();
    case Type::kFloat:
      fn(leaf.Values<float>() + r.begin, r.count, leaf.validity, bit);
      return Status::OK();
    case Type::kDouble:
      fn(leaf.Values<double>() + r.begin, r.count, leaf.validity, bit);
      return Status::OK();
    default:
      return InvalidArgument(op, " expects int64, float or double values; got ",
                             arrow::TypeName(leaf.type));
  }
}

// The leaf values as doubles, NaN where missing.
Status ToDoubles(const char* op, const LeafRange& r, std::vector<double>* out) {
  out->assign(r.count, std::nan(""));
  return VisitNumeric(op, r, [&](const auto* x, int64_t n, const uint8_t* validity, int64_t bit) {
    for (int64_t i = 0; i < n; ++i) {
      if (arrow::BitIsSet(validity, bit + i)) (*out)[i] = static_cast<double>(x[i]);
    }
  });
}

Status ExpectInputs(const char* op, const std::vector<const ArrayView*>& inputs, size_t min,
                    size_t max) {
  if (inputs.size() < min || inputs.size() > max) {
    return InvalidArgument(op, " takes ", min == max ? "" : "at least ", min, " input array(s); got ",
                           inputs.size());
  }
  return Status::OK();
}

Status ExpectStrings(const char* op, const LeafRange& r) {
  if (r.leaf->type == Type::kNull || arrow::IsString(r.leaf->type)) return Status::OK();
  return InvalidArgument(op, " expects string values; got ", arrow::TypeName(r.leaf->type));
}

Status ExpectSameCount(const char* op, const LeafRange& a, const LeafRange& b, const char* what) {
  if (a.count == b.count) return Status::OK();
  return InvalidArgument(op, ": ", what, " must have one value per input value; got ", b.count,
                         " for ", a.count, " values");
}

// Moments of values without nulls or NaN, in four independent lanes so the adds pipeline;
// false (and *m untouched) if a NaN is found, for the careful loop to handle.
template <typename T>
bool DenseMoments(const T* x, int64_t n, Moments* m) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double sum[4] = {0, 0, 0, 0}, lo[4] = {kInf, kInf, kInf, kInf};
  double hi[4] = {-kInf, -kInf, -kInf, -kInf};
  uint64_t int_sum = 0;
  bool nan = false;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) {
      const double v = static_cast<double>(x[i + k]);
      sum[k] += v;
      lo[k] = v < lo[k] ? v : lo[k];
      hi[k] = v > hi[k] ? v : hi[k];
      nan |= v != v;
      if constexpr (std::is_integral_v<T>) int_sum += static_cast<uint64_t>(x[i + k]);
    }
  }
  for (; i < n; ++i) {
    const double v = static_cast<double>(x[i]);
    sum[0] += v;
    lo[0] = v < lo[0] ? v : lo[0];
    hi[0] = v > hi[0] ? v : hi[0];
    nan |= v != v;
    if constexpr (std::is_integral_v<T>) int_sum += static_cast<uint64_t>(x[i]);
  }
  if (nan) return false;
  m->count = n;
  m->sum = (sum[0] + sum[1]) + (sum[2] + sum[3]);
  m->int_sum = static_cast<int64_t>(int_sum);
  m->min = std::min({lo[0], lo[1], lo[2], lo[3]});
  m->max = std::max({hi[0], hi[1], hi[2], hi[3]});
  if (n == 0) return true;
  // The plain sum's mean can be off by far more than the spread for large offsets (2^53 +
  // small); the deviations from it are exact, and their sum corrects mean and m2 (Bjorck).
  const double rough = m->sum / n;
  double m2[4] = {0, 0, 0, 0}, dev[4] = {0, 0, 0, 0};
  for (i = 0; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) {
      const double d = static_cast<double>(x[i + k]) - rough;
      m2[k] += d * d;
      dev[k] += d;
    }
  }
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - rough;
    m2[0] += d * d;
    dev[0] += d;
  }
  const double correction = ((dev[0] + dev[1]) + (dev[2] + dev[3])) / n;
  m->mean = rough + correction;
  m->m2 = std::max(0.0, ((m2[0] + m2[1]) + (m2[2] + m2[3])) - correction * correction * n);
  return true;
}

// Moments of one batch: a first pass for count, sum, min and max, a second for the squared
// deviations from the batch mean (stabler than one-pass updates).
template <typename T>
Moments BatchMoments(const T* x, int64_t n, const uint8_t* validity, int64_t bit) {
  Moments m;
  if (validity == nullptr && DenseMoments(x, n, &m)) return m;
  uint64_t int_sum = 0;
  auto present = [&](int64_t i) {
    if (!arrow::BitIsSet(validity, bit + i)) return false;
    if constexpr (std::is_floating_point_v<T>) return !std::isnan(x[i]);
    return true;
  };
  for (int64_t i = 0; i < n; ++i) {
    if (!present(i)) continue;
    const double v = static_cast<double>(x[i]);
    ++m.count;
    m.sum += v;
    m.min = std::min(m.min, v);
    m.max = std::max(m.max, v);
    if constexpr (std::is_integral_v<T>) int_sum += static_cast<uint64_t>(x[i]);
  }
  m.int_sum = static_cast<int64_t>(int_sum);
  if (m.count == 0) return m;
  const double rough = m.sum / m.count;  // Corrected as in DenseMoments.
  double dev = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (!present(i)) continue;
    const double d = static_cast<double>(x[i]) - rough;
    m.m2 += d * d;
    dev += d;
  }
  const double correction = dev / m.count;
  m.mean = rough + correction;
  m.m2 = std::max(0.0, m.m2 - correction * correction * m.count);
  return m;
}

void PutMoments(std::string* out, const Moments& m) {
  PutBytes(out, m.count);
  PutBytes(out, m.mean);
  PutBytes(out, m.m2);
  PutBytes(out, m.min);
  PutBytes(out, m.max);
  PutBytes(out, m.sum);
  PutBytes(out, m.int_sum);
}

bool GetMoments(const std::string& in, size_t* pos, Moments* m) {
  return GetBytes(in, pos, &m->count) && GetBytes(in, pos, &m->mean) && GetBytes(in, pos, &m->m2) &&
         GetBytes(in, pos, &m->min) && GetBytes(in, pos, &m->max) && GetBytes(in, pos, &m->sum) &&
         GetBytes(in, pos, &m->int_sum);
}

template <typename V>
Status CheckInsert(const StringTable<V>& table, std::string_view key, const char* what) {
  if (table.CanInsert(key)) return Status::OK();
  return InvalidArgument(what, ": more than ", StringTable<V>::kMaxKeys,
                         " distinct values or a value of ", key.size(), " bytes (4 GiB or more)");
}

// Magic headers of the byte formats (host byte order, like the sketches').
// String tables serialize as: uint64 size, then per key: uint32 length, bytes, value.
template <typename V, typename PutValue>
void PutTable(std::string* out, const StringTable<V>& table, PutValue put_value) {
  PutBytes(out, static_cast<uint64_t>(table.size()));
  for (int64_t i = 0; i < table.size(); ++i) {
    const std::string_view key = table.key(i);
    PutBytes(out, static_cast<uint32_t>(key.size()));
    out->append(key.data(), key.size());
    put_value(out, table.value(i));
  }
}

template <typename V, typename GetValue>
Status GetTable(const std::string& in, size_t pos, const char* what, StringTable<V>* table,
                GetValue get_value) {
  uint64_t size;
  if (!GetBytes(in, &pos, &size)) return InvalidArgument("truncated ", what);
  for (uint64_t i = 0; i < size; ++i) {
    uint32_t length;
    if (!GetBytes(in, &pos, &length) || in.size() - pos < length) {
      return InvalidArgument("truncated ", what, " at key ", i, " of ", size);
    }
    V& value = (*table)[std::string_view(in.data() + pos, length)];
    pos += length;
    if (!get_value(in, &pos, &value)) return InvalidArgument("truncated ", what, " at key ", i);
  }
  if (pos != in.size()) return InvalidArgument(what, " has ", in.size() - pos, " trailing bytes");
  return Status::OK();
}

}  // namespace

void Moments::Merge(const Moments& other) {
  if (other.count == 0) return;
  if (count == 0) {
    *this = other;
    return;
  }
  CombineMoments(&count, &mean, &m2, other.count, other.mean, other.m2);
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  sum += other.sum;
  int_sum = static_cast<int64_t>(static_cast<uint64_t>(int_sum) + static_cast<uint64_t>(other.int_sum));
}

// ---- MomentsAnalyzer ----

Status MomentsAnalyzer::Add(const std::vector<const ArrayView*>& inputs) {
  TFX_RETURN_IF_ERROR(ExpectInputs("moments analyzer", inputs, 1, 1));
  const LeafRange r = arrow::Leaves(*inputs[0]);
  const int64_t w = width();
  if (r.count % w != 0) {
    return InvalidArgument("elementwise moments analyzer: ", r.count, " values are not whole "
                           "rows of ", w);
  }
  return VisitNumeric("moments analyzer", r,
                      [&](const auto* x, int64_t n, const uint8_t* validity, int64_t bit) {
                        if (w == 1) {
                          moments_[0].Merge(BatchMoments(x, n, validity, bit));
                          return;
                        }
                        for (int64_t i = 0; i < n; ++i) {
                          if (!arrow::BitIsSet(validity, bit + i)) continue;
                          const double v = static_cast<double>(x[i]);
                          if (std::isnan(v)) continue;
                          Moments& m = moments_[i % w];
                          m.Add(v);
                          if constexpr (std::is_integral_v<std::decay_t<decltype(x[i])>>) {
                            m.int_sum = static_cast<int64_t>(static_cast<uint64_t>(m.int_sum) +
                                                             static_cast<uint64_t>(x[i]));
                          }
                        }
                      });
}

Status MomentsAnalyzer::Merge(const Analyzer& other) {
  const auto* o = dynamic_cast<const MomentsAnalyzer*>(&other);
  if (o == nullptr || o->width() != width()) {
    return InvalidArgument("cannot merge a different analyzer into a moments analyzer of width ",
                           width());
  }
  for (int64_t i = 0; i < width(); ++i) moments_[i].Merge(o->moments_[i]);
  return Status::OK();
}

std::string MomentsAnalyzer::Serialize() const {
  std::string out = StateHeader(StateKind::kMomentsAnalyzer);
  PutBytes(&out, width());
  for (const Moments& m : moments_) PutMoments(&out, m);
  return out;
}

StatusOr<std::unique_ptr<MomentsAnalyzer>> MomentsAnalyzer::Deserialize(const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kMomentsAnalyzer, &pos));
  int64_t width;
  if (!GetBytes(bytes, &pos, &width) || width < 1 ||
      static_cast<uint64_t>(width) > (bytes.size() - pos) / 56) {
    return InvalidArgument("serialized moments analyzer has a bad width");
  }
  auto analyzer = std::make_unique<MomentsAnalyzer>(width);
  for (Moments& m : analyzer->moments_) {
    if (!GetMoments(bytes, &pos, &m)) return InvalidArgument("serialized moments analyzer is truncated");
  }
  if (pos != bytes.size()) {
    return InvalidArgument("serialized moments analyzer has ", bytes.size() - pos, " trailing bytes");
  }
  return analyzer;
}

// ---- CovarianceAnalyzer ----

CovarianceAnalyzer::CovarianceAnalyzer(int64_t width)
    : width_(width < 1 ? 1 : width), mean_(width_, 0.0), comoment_(width_ * width_, 0.0) {}

Status CovarianceAnalyzer::Add(const std::vector<const ArrayView*>& inputs) {
  TFX_RETURN_IF_ERROR(ExpectInputs("covariance analyzer", inputs, 1, 1));
  const LeafRange r = arrow::Leaves(*inputs[0]);
  if (r.count % width_ != 0) {
    return InvalidArgument("covariance analyzer: ", r.count, " values are not whole rows of ",
                           width_);
  }
  std::vector<double> values;
  TFX_RETURN_IF_ERROR(ToDoubles("covariance analyzer", r, &values));  // NaN where missing.
  const int64_t d = width_;
  // Keep the complete rows, then two passes over them: the batch mean, the comoment.
  std::vector<double> rows;
  rows.reserve(values.size());
  for (int64_t start = 0; start < r.count; start += d) {
    bool complete = true;
    for (int64_t j = 0; j < d && complete; ++j) complete = !std::isnan(values[start + j]);
    if (complete) rows.insert(rows.end(), values.begin() + start, values.begin() + start + d);
  }
  const int64_t n = static_cast<int64_t>(rows.size()) / d;
  if (n == 0) return Status::OK();
  std::vector<double> mean(d, 0.0), comoment(d * d, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) mean[j] += rows[i * d + j];
  }
  for (double& m : mean) m /= n;
  std::vector<double> centred(d);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) centred[j] = rows[i * d + j] - mean[j];
    for (int64_t j = 0; j < d; ++j) {
      const double cj = centred[j];
      double* out = comoment.data() + j * d;
      for (int64_t k = 0; k < d; ++k) out[k] += cj * centred[k];
    }
  }
  MergeBatch(n, mean, comoment);
  return Status::OK();
}

void CovarianceAnalyzer::MergeBatch(int64_t count, const std::vector<double>& mean,
                                    const std::vector<double>& comoment) {
  if (count == 0) return;
  if (count_ == 0) {
    count_ = count;
    mean_ = mean;
    comoment_ = comoment;
    return;
  }
  const int64_t d = width_;
  const double n = static_cast<double>(count_) + count;
  const double scale = static_cast<double>(count_) * count / n;
  std::vector<double> delta(d);
  for (int64_t j = 0; j < d; ++j) delta[j] = mean[j] - mean_[j];
  for (int64_t j = 0; j < d; ++j) {
    for (int64_t k = 0; k < d; ++k) {
      comoment_[j * d + k] += comoment[j * d + k] + delta[j] * delta[k] * scale;
    }
    mean_[j] += delta[j] * (count / n);
  }
  count_ += count;
}

Status CovarianceAnalyzer::Merge(const Analyzer& other) {
  const auto* o = dynamic_cast<const CovarianceAnalyzer*>(&other);
  if (o == nullptr || o->width_ != width_) {
    return InvalidArgument("cannot merge a different analyzer into a covariance analyzer of width ",
                           width_);
  }
  MergeBatch(o->count_, o->mean_, o->comoment_);
  return Status::OK();
}

std::vector<double> CovarianceAnalyzer::Covariance() const {
  std::vector<double> covariance(comoment_.size(), 0.0);
  if (count_ == 0) return covariance;
  for (size_t i = 0; i < comoment_.size(); ++i) covariance[i] = comoment_[i] / count_;
  return covariance;
}

std::string CovarianceAnalyzer::Serialize() const {
  std::string out = StateHeader(StateKind::kCovarianceAnalyzer);
  PutBytes(&out, width_);
  PutBytes(&out, count_);
  for (double m : mean_) PutBytes(&out, m);
  for (double c : comoment_) PutBytes(&out, c);
  return out;
}

StatusOr<std::unique_ptr<CovarianceAnalyzer>> CovarianceAnalyzer::Deserialize(
    const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kCovarianceAnalyzer, &pos));
  int64_t width, count;
  if (!GetBytes(bytes, &pos, &width) || !GetBytes(bytes, &pos, &count) || width < 1 ||
      static_cast<uint64_t>(width) > 1 << 20 ||
      bytes.size() - pos != static_cast<size_t>(width + width * width) * sizeof(double)) {
    return InvalidArgument("serialized covariance analyzer has a bad size");
  }
  auto analyzer = std::make_unique<CovarianceAnalyzer>(width);
  analyzer->count_ = count;
  for (double& m : analyzer->mean_) GetBytes(bytes, &pos, &m);
  for (double& c : analyzer->comoment_) GetBytes(bytes, &pos, &c);
  return analyzer;
}

// ---- QuantilesAnalyzer ----

Status QuantilesAnalyzer::Add(const std::vector<const ArrayView*>& inputs) {
  TFX_RETURN_IF_ERROR(ExpectInputs("quantiles analyzer", inputs, 1, 1));
  const LeafRange r = arrow::Leaves(*inputs[0]);
  const int64_t w = width();
  if (w == 1 && r.leaf->type == Type::kDouble && r.leaf->validity == nullptr) {
    sketches_[0].Update(r.leaf->Values<double>() + r.begin, r.count);  // Zero-copy; NaNs skipped.
    return Status::OK();
  }
  if (r.count % w != 0) {
    return InvalidArgument("quantiles analyzer of width ", w, ": ", r.count,
                           " values are not whole rows");
  }
  std::vector<double> values;
  TFX_RETURN_IF_ERROR(ToDoubles("quantiles analyzer", r, &values));
  if (w == 1) {
    sketches_[0].Update(values.data(), static_cast<int64_t>(values.size()));
    return Status::OK();
  }
  std::vector<double> column(r.count / w);  // One position's values, gathered from the rows.
  for (int64_t p = 0; p < w; ++p) {
    for (size_t row = 0; row < column.size(); ++row) column[row] = values[row * w + p];
    sketches_[p].Update(column.data(), static_cast<int64_t>(column.size()));
  }
  return Status::OK();
}

Status QuantilesAnalyzer::Merge(const Analyzer& other) {
  const auto* o = dynamic_cast<const QuantilesAnalyzer*>(&other);
  if (o == nullptr || o->width() != width()) {
    return InvalidArgument("cannot merge a different analyzer into a quantiles analyzer of width ",
                           width());
  }
  for (size_t p = 0; p < sketches_.size(); ++p) {
    TFX_RETURN_IF_ERROR(sketches_[p].Merge(o->sketches_[p]));
  }
  return Status::OK();
}

std::string QuantilesAnalyzer::Serialize() const {
  std::string out = StateHeader(StateKind::kQuantilesAnalyzer);
  PutBytes(&out, static_cast<uint64_t>(sketches_.size()));
  for (const KllSketch& sketch : sketches_) {
    const std::string bytes = sketch.Serialize();
    PutBytes(&out, static_cast<uint64_t>(bytes.size()));
    out += bytes;
  }
  return out;
}

StatusOr<std::unique_ptr<QuantilesAnalyzer>> QuantilesAnalyzer::Deserialize(const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kQuantilesAnalyzer, &pos));
  uint64_t width;
  if (!GetBytes(bytes, &pos, &width) || width == 0) {
    return InvalidArgument("serialized quantiles analyzer has a truncated or invalid width");
  }
  auto analyzer = std::make_unique<QuantilesAnalyzer>();
  analyzer->sketches_.clear();
  for (uint64_t p = 0; p < width; ++p) {
    uint64_t size;
    if (!GetBytes(bytes, &pos, &size) || bytes.size() - pos < size) {
      return InvalidArgument("serialized quantiles analyzer is truncated at sketch ", p);
    }
    TFX_ASSIGN_OR_RETURN(KllSketch sketch, KllSketch::Deserialize(bytes.substr(pos, size)));
    analyzer->sketches_.push_back(std::move(sketch));
    pos += size;
  }
  return analyzer;
}

uint64_t QuantilesAnalyzer::count() const {
  uint64_t n = 0;
  for (const KllSketch& sketch : sketches_) n += sketch.count();
  return n;
}

std::vector<double> QuantilesAnalyzer::Boundaries(int num_buckets, int64_t position) const {
  std::vector<double> boundaries;
  const KllSketch& sketch = sketches_.at(static_cast<size_t>(position));
  if (sketch.empty() || num_buckets < 2) return boundaries;
  // TFT's: the inner num_buckets - 1 of the summary's quantiles, repeats kept (so the output
  // shape does not depend on the data).
  boundaries = sketch.SummaryQuantiles(num_buckets);
  return std::vector<double>(boundaries.begin() + 1, boundaries.end() - 1);
}

// ---- WeightedQuantilesAnalyzer ----

Status WeightedQuantilesAnalyzer::Add(const std::vector<const ArrayView*>& inputs) {
  constexpr const char* kOp = "weighted quantiles analyzer";
  TFX_RETURN_IF_ERROR(ExpectInputs(kOp, inputs, 2, 2));
  const LeafRange r = arrow::Leaves(*inputs[0]);
  const LeafRange w = arrow::Leaves(*inputs[1]);
  TFX_RETURN_IF_ERROR(ExpectSameCount(kOp, r, w, "weights"));
  const int64_t width = this->width();
  if (r.count % width != 0) {
    return InvalidArgument(kOp, " of width ", width, ": ", r.count, " values are not whole rows");
  }
  std::vector<double> values, weights;
  TFX_RETURN_IF_ERROR(ToDoubles(kOp, r, &values));
  TFX_RETURN_IF_ERROR(ToDoubles(kOp, w, &weights));
  for (size_t i = 0; i < values.size(); ++i) summaries_[i % width].Add(values[i], weights[i]);
  return Status::OK();
}

Status WeightedQuantilesAnalyzer::Merge(const Analyzer& other) {
  const auto* o = dynamic_cast<const WeightedQuantilesAnalyzer*>(&other);
  if (o == nullptr || o->width() != width()) {
    return InvalidArgument("cannot merge a different analyzer into a weighted quantiles analyzer "
                           "of width ", width());
  }
  for (size_t p = 0; p < summaries_.size(); ++p) summaries_[p].Merge(o->summaries_[p]);
  return Status::OK();
}

std::string WeightedQuantilesAnalyzer::Serialize() const {
  std::string out = StateHeader(StateKind::kWeightedQuantilesAnalyzer);
  PutBytes(&out, static_cast<uint64_t>(summaries_.size()));
  for (const WeightedQuantilesSummary& summary : summaries_) summary.Serialize(&out);
  return out;
}

StatusOr<std::unique_ptr<WeightedQuantilesAnalyzer>> WeightedQuantilesAnalyzer::Deserialize(
    const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kWeightedQuantilesAnalyzer, &pos));
  uint64_t width;
  if (!GetBytes(bytes, &pos, &width) || width == 0 || width > bytes.size()) {
    return InvalidArgument("serialized weighted quantiles analyzer has a bad width");
  }
  auto analyzer = std::make_unique<WeightedQuantilesAnalyzer>(4096, static_cast<int64_t>(width));
  for (WeightedQuantilesSummary& summary : analyzer->summaries_) {
    if (!summary.Deserialize(bytes, &pos)) {
      return InvalidArgument("serialized weighted quantiles analyzer is truncated");
    }
  }
  if (pos != bytes.size()) {
    return InvalidArgument("serialized weighted quantiles analyzer has trailing bytes");
  }
  return analyzer;
}

std::vector<double> WeightedQuantilesAnalyzer::Boundaries(int num_buckets,
                                                          int64_t position) const {
  if (num_buckets < 2) return {};
  const std::vector<double> q = summaries_.at(static_cast<size_t>(position)).Quantiles(num_buckets);
  if (q.empty()) return q;
  return std::vector<double>(q.begin() + 1, q.end() - 1);  // As QuantilesAnalyzer's.
}

// ---- KeyedQuantilesAnalyzer ----

WeightedQuantilesSummary& KeyedQuantilesAnalyzer::SummaryOf(std::string_view key) {
  const int64_t before = table_.size();
  WeightedQuantilesSummary& summary = table_[key];
  if (table_.size() > before) summary = WeightedQuantilesSummary(capacity_);  // A new key.
  return summary;
}

Status KeyedQuantilesAnalyzer::Add(const std::vector<const ArrayView*>& inputs) {
  constexpr const char* kOp = "per-key quantiles analyzer";
  TFX_RETURN_IF_ERROR(ExpectInputs(kOp, inputs, 3, 3));
  const LeafRange keys = arrow::Leaves(*inputs[0]);
  TFX_RETURN_IF_ERROR(ExpectStrings(kOp, keys));
  std::vector<double> values, weights;
  const LeafRange v = arrow::Leaves(*inputs[1]), w = arrow::Leaves(*inputs[2]);
  TFX_RETURN_IF_ERROR(ExpectSameCount(kOp, keys, v, "values"));
  TFX_RETURN_IF_ERROR(ExpectSameCount(kOp, keys, w, "weights"));
  TFX_RETURN_IF_ERROR(ToDoubles(kOp, v, &values));
  TFX_RETURN_IF_ERROR(ToDoubles(kOp, w, &weights));
  if (keys.leaf->type == Type::kNull) return Status::OK();
  const ArrayView& leaf = *keys.leaf;
  for (int64_t i = 0; i < keys.count; ++i) {
    if (!leaf.IsValid(keys.begin + i)) continue;
    TFX_RETURN_IF_ERROR(CheckInsert(table_, leaf.String(keys.begin + i), kOp));
    SummaryOf(leaf.String(keys.begin + i)).Add(values[i], weights[i]);
  }
  return Status::OK();
}

Status KeyedQuantilesAnalyzer::Merge(const Analyzer& other) {
  const auto* o = dynamic_cast<const KeyedQuantilesAnalyzer*>(&other);
  if (o == nullptr) return InvalidArgument("cannot merge a different analyzer into a per-key quantiles analyzer");
  for (int64_t i = 0; i < o->table_.size(); ++i) {
    TFX_RETURN_IF_ERROR(CheckInsert(table_, o->table_.key(i), "per-key quantiles analyzer"));
    SummaryOf(o->table_.key(i)).Merge(o->table_.value(i));
  }
  return Status::OK();
}

std::string KeyedQuantilesAnalyzer::Serialize() const {
  std::string out = StateHeader(StateKind::kKeyedQuantilesAnalyzer);
  PutBytes(&out, capacity_);
  PutTable(&out, table_, [](std::string* o, const WeightedQuantilesSummary& summary) {
    summary.Serialize(o);
  });
  return out;
}

StatusOr<std::unique_ptr<KeyedQuantilesAnalyzer>> KeyedQuantilesAnalyzer::Deserialize(
    const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kKeyedQuantilesAnalyzer, &pos));
  int64_t capacity;
  if (!GetBytes(bytes, &pos, &capacity)) return InvalidArgument("truncated per-key quantiles analyzer");
  auto analyzer = std::make_unique<KeyedQuantilesAnalyzer>(capacity);
  TFX_RETURN_IF_ERROR(GetTable(
      bytes, pos, "serialized per-key quantiles analyzer", &analyzer->table_,
      [](const std::string& in, size_t* at, WeightedQuantilesSummary* summary) {
        return summary->Deserialize(in, at);
      }));
  return analyzer;
}

std::vector<double> KeyedQuantilesAnalyzer::Boundaries(int64_t i, int num_buckets) const {
  if (num_buckets < 2) return {};
  const std::vector<double> q = table_.value(i).Quantiles(num_buckets);
  if (q.empty()) return q;
  return std::vector<double>(q.begin() + 1, q.end() - 1);
}

// ---- VocabularyAnalyzer ----

Status VocabularyAnalyzer::Add(const std::vector<const ArrayView*>& inputs) {
  TFX_RETURN_IF_ERROR(ExpectInputs("vocabulary analyzer", inputs, 1, 2));
  const LeafRange r = arrow::Leaves(*inputs[0]);
  TFX_RETURN_IF_ERROR(ExpectStrings("vocabulary", r));
  if (r.leaf->type == Type::kNull) return Status::OK();
  std::vector<double> weights;
  if (inputs.size() == 2) {
    const LeafRange w = arrow::Leaves(*inputs[1]);
    TFX_RETURN_IF_ERROR(ExpectSameCount("vocabulary", r, w, "weights"));
    TFX_RETURN_IF_ERROR(ToDoubles("vocabulary weights", w, &weights));
  }
  const ArrayView& leaf = *r.leaf;
  for (int64_t i = 0; i < r.count; ++i) {
    if (!leaf.IsValid(r.begin + i)) continue;
    TFX_RETURN_IF_ERROR(CheckInsert(table_, leaf.String(r.begin + i), "vocabulary"));
    Counts& c = table_[leaf.String(r.begin + i)];
    ++c.count;
    if (!weights.empty() && !std::isnan(weights[i])) c.weight += weights[i];
  }
  return Status::OK();
}

Status VocabularyAnalyzer::Merge(const Analyzer& other) {
  const auto* o = dynamic_cast<const VocabularyAnalyzer*>(&other);
  if (o == nullptr) return InvalidArgument("cannot merge a different analyzer into a vocabulary analyzer");
  for (int64_t i = 0; i < o->table_.size(); ++i) {
    TFX_RETURN_IF_ERROR(CheckInsert(table_, o->table_.key(i), "vocabulary"));
    Counts& c = table_[o->table_.key(i)];
    c.count += o->table_.value(i).count;
    c.weight += o->table_.value(i).weight;
  }
  return Status::OK();
}

std::string VocabularyAnalyzer::Serialize() const {
  std::string out = StateHeader(StateKind::kVocabularyAnalyzer);
  PutTable(&out, table_, [](std::string* o, const Counts& c) {
    PutBytes(o, c.count);
    PutBytes(o, c.weight);
  });
  return out;
}

StatusOr<std::unique_ptr<VocabularyAnalyzer>> VocabularyAnalyzer::Deserialize(const std::string& bytes) {
  size_t header_end = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kVocabularyAnalyzer, &header_end));
  auto analyzer = std::make_unique<VocabularyAnalyzer>();
  TFX_RETURN_IF_ERROR(GetTable(bytes, header_end, "serialized vocabulary analyzer", &analyzer->table_,
                               [](const std::string& in, size_t* pos, Counts* c) {
                                 return GetBytes(in, pos, &c->count) && GetBytes(in, pos, &c->weight);
                               }));
  return analyzer;
}

std::vector<RankedToken> VocabularyAnalyzer::Ranked(bool weighted) const {
  std::vector<RankedToken> tokens(table_.size());
  for (int64_t i = 0; i < table_.size(); ++i) {
    const Counts& c = table_.value(i);
    const double frequency = weighted ? c.weight : static_cast<double>(c.count);
    tokens[i] = {table_.key(i), frequency, frequency};
  }
  return tokens;
}

// ---- LabeledVocabularyAnalyzer ----

Status LabeledVocabularyAnalyzer::Add(const std::vector<const ArrayView*>& inputs) {
  constexpr const char* kOp = "labeled vocabulary analyzer";
  TFX_RETURN_IF_ERROR(ExpectInputs(kOp, inputs, 4, 4));
  const LeafRange r = arrow::Leaves(*inputs[0]);
  TFX_RETURN_IF_ERROR(ExpectStrings(kOp, r));
  std::vector<double> labels, weights, row_flags;
  const char* names[] = {"labels", "weights", "row flags"};
  std::vector<double>* columns[] = {&labels, &weights, &row_flags};
  for (int k = 0; k < 3; ++k) {
    const LeafRange c = arrow::Leaves(*inputs[k + 1]);
    TFX_RETURN_IF_ERROR(ExpectSameCount(kOp, r, c, names[k]));
    TFX_RETURN_IF_ERROR(ToDoubles(kOp, c, columns[k]));
  }
  const ArrayView& leaf = *r.leaf;
  for (int64_t i = 0; i < r.count; ++i) {
    const int64_t label = std::isnan(labels[i]) ? -1 : static_cast<int64_t>(labels[i]);
    if (label > kMaxLabel) {
      return InvalidArgument(kOp, ": label ", label, " is above ", kMaxLabel,
                             "; labels must be integerized class ids (e.g. by "
                             "tft.compute_and_apply_vocabulary)");
    }
    const double w = std::isnan(weights[i]) ? 0.0 : weights[i];
    if (row_flags[i] == 1) {
      rows_.Add(label, w);
      continue;
    }
    if (leaf.type == Type::kNull || !leaf.IsValid(r.begin + i)) continue;
    TFX_RETURN_IF_ERROR(CheckInsert(table_, leaf.String(r.begin + i), kOp));
    table_[leaf.String(r.begin + i)].Add(label, w);
  }
  return Status::OK();
}

Status LabeledVocabularyAnalyzer::Merge(const Analyzer& other) {
  const auto* o = dynamic_cast<const LabeledVocabularyAnalyzer*>(&other);
  if (o == nullptr) {
    return InvalidArgument("cannot merge a different analyzer into a labeled vocabulary analyzer");
  }
  rows_.Merge(o->rows_);
  for (int64_t i = 0; i < o->table_.size(); ++i) {
    TFX_RETURN_IF_ERROR(CheckInsert(table_, o->table_.key(i), "labeled vocabulary analyzer"));
    table_[o->table_.key(i)].Merge(o->table_.value(i));
  }
  return Status::OK();
}

namespace {

void PutLabelCounts(std::string* out, const LabelCounts& c) {
  PutBytes(out, c.count);
  PutBytes(out, c.weight);
  PutBytes(out, static_cast<uint64_t>(c.label_weights.size()));
  for (double w : c.label_weights) PutBytes(out, w);
}

bool GetLabelCounts(const std::string& in, size_t* pos, LabelCounts* c) {
  uint64_t labels;
  if (!GetBytes(in, pos, &c->count) || !GetBytes(in, pos, &c->weight) ||
      !GetBytes(in, pos, &labels) || labels > (in.size() - *pos) / sizeof(double)) {
    return false;
  }
  c->label_weights.resize(labels);
  for (double& w : c->label_weights) GetBytes(in, pos, &w);
  return true;
}

}  // namespace

std::string LabeledVocabularyAnalyzer::Serialize() const {
  std::string out = StateHeader(StateKind::kLabeledVocabularyAnalyzer);
  PutLabelCounts(&out, rows_);
  PutTable(&out, table_, PutLabelCounts);
  return out;
}

StatusOr<std::unique_ptr<LabeledVocabularyAnalyzer>> LabeledVocabularyAnalyzer::Deserialize(
    const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kLabeledVocabularyAnalyzer, &pos));
  auto analyzer = std::make_unique<LabeledVocabularyAnalyzer>();
  if (!GetLabelCounts(bytes, &pos, &analyzer->rows_)) {
    return InvalidArgument("truncated serialized labeled vocabulary analyzer");
  }
  TFX_RETURN_IF_ERROR(GetTable(bytes, pos, "serialized labeled vocabulary analyzer",
                               &analyzer->table_, GetLabelCounts));
  return analyzer;
}

StatusOr<std::vector<RankedToken>> LabeledVocabularyAnalyzer::Ranked(
    bool adjusted, double min_diff_from_avg) const {
  if (std::isnan(min_diff_from_avg)) {
    min_diff_from_avg = RecommendedMinDiffFromAvg(rows_.weight);
  }
  std::vector<RankedToken> tokens(table_.size());
  for (int64_t i = 0; i < table_.size(); ++i) {
    StatusOr<TokenScore> score =
        TokenInformation(table_.value(i), rows_, adjusted, min_diff_from_avg);
    if (!score.ok()) {
      return InvalidArgument("vocabulary with labels: token '", table_.key(i), "': ",
                             score.status().message());
    }
    // TFT's frequency_threshold of a labeled vocabulary bounds the information, not the count.
    tokens[i] = {table_.key(i), score->information, score->information};
  }
  return tokens;
}

// ---- Vocabulary selection and files ----

std::vector<RankedToken> SelectTokens(std::vector<RankedToken> tokens, int64_t top_k,
                                      double frequency_threshold) {
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  auto dropped = [&](const RankedToken& t) {
    // NaN fails any threshold but -inf (no threshold), as TFT filters.
    return (frequency_threshold > -kInfinity && !(t.frequency >= frequency_threshold)) ||
           t.token.empty() ||
           t.token.find_first_of("\n\r") != std::string_view::npos;
  };
  tokens.erase(std::remove_if(tokens.begin(), tokens.end(), dropped), tokens.end());
  auto before = [](const RankedToken& a, const RankedToken& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.token > b.token;
  };
  if (top_k >= 0 && top_k < static_cast<int64_t>(tokens.size())) {
    std::partial_sort(tokens.begin(), tokens.begin() + top_k, tokens.end(), before);
    tokens.resize(top_k);
  } else {
    std::sort(tokens.begin(), tokens.end(), before);
  }
  return tokens;
}

Status WriteVocabularyFile(const std::string& path, const std::vector<RankedToken>& tokens,
                           bool store_frequency) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return InvalidArgument("cannot write vocabulary file ", tmp, ": ", std::strerror(errno));
  bool ok = true;
  for (const RankedToken& t : tokens) {
    // %.17g: counts print as integers, weight sums and scores round-trip.
    if (store_frequency) ok = ok && std::fprintf(f, "%.17g ", t.rank) > 0;
    ok = ok && std::fwrite(t.token.data(), 1, t.token.size(), f) == t.token.size() &&
         std::fputc('\n', f) != EOF;
  }
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return InvalidArgument("writing vocabulary file ", path, " failed: ", std::strerror(errno));
  }
  return Status::OK();
}

// ---- KeyedMomentsAnalyzer ----

Status KeyedMomentsAnalyzer::Add(const std::vector<const ArrayView*>& inputs) {
  TFX_RETURN_IF_ERROR(ExpectInputs("per-key analyzer", inputs, 2, 2));
  const LeafRange keys = arrow::Leaves(*inputs[0]);
  const LeafRange values = arrow::Leaves(*inputs[1]);
  TFX_RETURN_IF_ERROR(ExpectStrings("per-key analyzer keys", keys));
  TFX_RETURN_IF_ERROR(ExpectSameCount("per-key analyzer", keys, values, "keys and values"));
  if (keys.leaf->type == Type::kNull) return Status::OK();
  std::vector<double> v;
  TFX_RETURN_IF_ERROR(ToDoubles("per-key analyzer values", values, &v));
  const ArrayView& leaf = *keys.leaf;
  for (int64_t i = 0; i < keys.count; ++i) {
    if (!leaf.IsValid(keys.begin + i) || std::isnan(v[i])) continue;
    TFX_RETURN_IF_ERROR(CheckInsert(table_, leaf.String(keys.begin + i), "per-key analyzer"));
    table_[leaf.String(keys.begin + i)].Add(v[i]);
  }
  return Status::OK();
}

Status KeyedMomentsAnalyzer::Merge(const Analyzer& other) {
  const auto* o = dynamic_cast<const KeyedMomentsAnalyzer*>(&other);
  if (o == nullptr) return InvalidArgument("cannot merge a different analyzer into a per-key analyzer");
  for (int64_t i = 0; i < o->table_.size(); ++i) {
    TFX_RETURN_IF_ERROR(CheckInsert(table_, o->table_.key(i), "per-key analyzer"));
    table_[o->table_.key(i)].Merge(o->table_.value(i));
  }
  return Status::OK();
}

std::string KeyedMomentsAnalyzer::Serialize() const {
  std::string out = StateHeader(StateKind::kKeyedMomentsAnalyzer);
  PutTable(&out, table_, PutMoments);
  return out;
}

StatusOr<std::unique_ptr<KeyedMomentsAnalyzer>> KeyedMomentsAnalyzer::Deserialize(
    const std::string& bytes) {
  size_t header_end = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kKeyedMomentsAnalyzer, &header_end));
  auto analyzer = std::make_unique<KeyedMomentsAnalyzer>();
  TFX_RETURN_IF_ERROR(
      GetTable(bytes, header_end, "serialized per-key analyzer", &analyzer->table_, GetMoments));
  return analyzer;
}

}  // namespace transform
}  // namespace tfx_core
