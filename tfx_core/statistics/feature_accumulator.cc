#include "tfx_core/statistics/feature_accumulator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "tfx_core/sketches/bytes.h"
#include "tfx_core/sketches/hash.h"
#include "tfx_core/util/utf8.h"

namespace tfx_core {
namespace statistics {
namespace {

using arrow::ArrayView;
using arrow::Type;

constexpr char kMagic[4] = {'F', 'A', 'C', '2'};
constexpr double kInf = std::numeric_limits<double>::infinity();

FeatureType TypeOf(Type leaf) {
  if (leaf == Type::kInt64) return FeatureType::kInt;
  if (leaf == Type::kFloat || leaf == Type::kDouble) return FeatureType::kFloat;
  if (arrow::IsString(leaf)) return FeatureType::kString;
  return FeatureType::kUnknown;
}

// Calls fn(leaf_index, row) for every value of every present row of `column`.
template <typename Fn>
void ForEachValue(const ArrayView& column, Fn&& fn) {
  if (!column.child) {
    for (int64_t i = 0; i < column.length; ++i) {
      if (column.IsValid(i)) fn(i, i);
    }
    return;
  }
  const ArrayView& leaf = *column.child;
  for (int64_t row = 0; row < column.length; ++row) {
    if (!column.IsValid(row)) continue;
    const int64_t end = column.ValueOffset(column.offset + row + 1);
    for (int64_t j = column.ValueOffset(column.offset + row); j < end; ++j) {
      if (leaf.IsValid(j)) fn(j, row);
    }
  }
}

// The numeric values of a column as doubles (and each value's row weight, if weighted).
template <typename T>
void GatherNumeric(const ArrayView& column, const double* weights, std::vector<double>* values,
                   std::vector<double>* value_weights) {
  const ArrayView& leaf = column.child ? *column.child : column;
  const T* data = leaf.template Values<T>();
  if (!column.child && column.validity == nullptr && weights == nullptr) {
    values->resize(column.length);  // Dense scalar column: a straight conversion.
    for (int64_t i = 0; i < column.length; ++i) (*values)[i] = static_cast<double>(data[i]);
    return;
  }
  ForEachValue(column, [&](int64_t j, int64_t row) {
    values->push_back(static_cast<double>(data[j]));
    if (weights != nullptr) value_weights->push_back(weights[row]);
  });
}

// Counts the distinct strings of one batch, so the sketches see each value once per batch
// (Zipf-like columns repeat a few values most of the time). Keys point into the Arrow buffers.
class BatchCounter {
 public:
  struct Slot {
    uint64_t hash = 0;
    std::string_view value;
    double count = 0.0;  // 0: empty slot.
    double weight = 0.0;
  };

  BatchCounter() : slots_(1024) {}

  void Add(std::string_view value, double weight) {
    const uint64_t hash = HashBytes(value);
    Slot* slot = Find(hash, value);
    if (slot->count == 0.0) {
      slot->hash = hash;
      slot->value = value;
      if (++used_ * 2 > slots_.size()) {
        slot->count = 1.0;
        slot->weight = weight;
        Grow();
        return;
      }
    }
    slot->count += 1.0;
    slot->weight += weight;
  }

  const std::vector<Slot>& slots() const { return slots_; }

 private:
  Slot* Find(uint64_t hash, std::string_view value) {
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i].count != 0.0 && (slots_[i].hash != hash || slots_[i].value != value)) {
      i = (i + 1) & mask;
    }
    return &slots_[i];
  }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.count != 0.0) *Find(s.hash, s.value) = s;
    }
  }

  std::vector<Slot> slots_;  // Open addressing, linear probing, power-of-two size.
  size_t used_ = 0;
};

// Equal-mass buckets: boundaries at the sketch's quantiles i/B, each holding 1/B of `total`.
std::vector<Bucket> QuantileBuckets(const KllSketch& sketch, int num_buckets, double total) {
  std::vector<Bucket> buckets;
  if (sketch.empty() || num_buckets <= 0) return buckets;
  std::vector<double> qs(num_buckets + 1);
  for (int i = 0; i <= num_buckets; ++i) qs[i] = static_cast<double>(i) / num_buckets;
  const std::vector<double> edges = sketch.Quantiles(qs);
  for (int i = 0; i < num_buckets; ++i) {
    buckets.push_back({edges[i], edges[i + 1], total / num_buckets});
  }
  return buckets;
}

// Equal-width buckets over the finite values' [lo, hi], counts from the sketch's ranks (which
// hold the infinities too); infinities get buckets of their own at the ends, as in TFDV, so an
// outlier at inf does not stretch the finite buckets into one.
std::vector<Bucket> EqualWidthBuckets(const KllSketch& sketch, int num_buckets, double lo,
                                      double hi, uint64_t num_neg_inf, uint64_t num_pos_inf) {
  std::vector<Bucket> buckets;
  if (sketch.empty() || num_buckets <= 0) return buckets;
  const double n = static_cast<double>(sketch.count());
  const double neg = static_cast<double>(num_neg_inf), pos = static_cast<double>(num_pos_inf);
  if (neg > 0) buckets.push_back({-kInf, -kInf, neg});
  const double finite = n - neg - pos;
  if (finite > 0) {
    if (!(hi > lo) || !std::isfinite(hi - lo)) {
      buckets.push_back({lo, hi, finite});
    } else {
      std::vector<double> uppers(num_buckets);
      for (int i = 0; i < num_buckets; ++i) uppers[i] = lo + (hi - lo) * (i + 1) / num_buckets;
      uppers.back() = hi;
      const std::vector<double> ranks = sketch.Ranks(uppers);
      double previous = 0.0;  // Cumulative counts are whole numbers of the sketch's weight.
      for (int i = 0; i < num_buckets; ++i) {
        const double cumulative = std::clamp(std::round(n * ranks[i]) - neg, previous, finite);
        buckets.push_back({i == 0 ? lo : uppers[i - 1], uppers[i], cumulative - previous});
        previous = cumulative;
      }
      buckets.back().count += finite - previous;  // Rounding: every finite value is counted.
    }
  }
  if (pos > 0) buckets.push_back({kInf, kInf, pos});
  return buckets;
}

void PutString(std::string* out, const std::string& s) {
  PutBytes(out, static_cast<uint64_t>(s.size()));
  out->append(s);
}

bool GetString(const std::string& in, size_t* pos, std::string* s) {
  uint64_t size;
  if (!GetBytes(in, pos, &size) || in.size() - *pos < size) return false;
  s->assign(in, *pos, size);
  *pos += size;
  return true;
}

}  // namespace

const char* FeatureTypeName(FeatureType type) {
  switch (type) {
    case FeatureType::kInt: return "INT";
    case FeatureType::kFloat: return "FLOAT";
    case FeatureType::kString: return "STRING";
    case FeatureType::kUnknown: return "unknown";
  }
  return "unknown";
}

FeatureAccumulator::FeatureAccumulator(const StatsOptions& options)
    : num_values_(options.kll_k),
      min_(kInf),
      max_(-kInf),
      finite_min_(kInf),
      finite_max_(-kInf),
      quantiles_(options.kll_k),
      distinct_(options.hll_precision, options.exact_distinct_limit),
      top_k_(options.top_k_capacity),
      weighted_top_k_(options.top_k_capacity) {}

Status FeatureAccumulator::SetType(Type leaf_type) {
  const FeatureType type = TypeOf(leaf_type);
  if (type == FeatureType::kUnknown) {
    return InvalidArgument("unsupported value type ", arrow::TypeName(leaf_type),
                           "; expected int64, float, double, string or binary values");
  }
  if (type_ != FeatureType::kUnknown && type_ != type) {
    return InvalidArgument("values of type ", FeatureTypeName(type), " (Arrow ",
                           arrow::TypeName(leaf_type), ") after earlier values of type ",
                           FeatureTypeName(type_));
  }
  type_ = type;
  return Status::OK();
}

void FeatureAccumulator::AddMissing(uint64_t rows, double weight) {
  num_missing_ += rows;
  weighted_missing_ += weight;
}

Status FeatureAccumulator::Add(const ArrayView& column, const double* weights) {
  if (weights != nullptr) weighted_ = true;
  const int64_t rows = column.length;
  if (column.type == Type::kNull) {
    double weight = static_cast<double>(rows);
    if (weights != nullptr) weight = std::accumulate(weights, weights + rows, 0.0);
    AddMissing(rows, weight);
    return Status::OK();
  }
  const ArrayView& leaf = column.child ? *column.child : column;
  TFX_RETURN_IF_ERROR(SetType(leaf.type));

  // Rows: presence and values per example.
  uint64_t present = 0;
  double present_weight = 0.0, missing_weight = 0.0, values_weight = 0.0;
  if (!column.child) {
    if (column.validity == nullptr) {
      present = rows;
    } else {
      for (int64_t i = 0; i < rows; ++i) present += column.IsValid(i);
    }
    if (weights != nullptr) {
      for (int64_t i = 0; i < rows; ++i) (column.IsValid(i) ? present_weight : missing_weight) += weights[i];
    }
    if (present > 0) {
      min_num_values_ = std::min<uint64_t>(min_num_values_, 1);
      max_num_values_ = std::max<uint64_t>(max_num_values_, 1);
    }
    tot_num_values_ += present;
    num_values_.UpdateRepeated(1.0, present);
    values_weight = present_weight;
  } else {
    std::vector<double> lengths;
    lengths.reserve(rows);
    for (int64_t i = 0; i < rows; ++i) {
      const double w = weights != nullptr ? weights[i] : 0.0;
      if (!column.IsValid(i)) {
        missing_weight += w;
        continue;
      }
      const uint64_t length = column.ValueOffset(column.offset + i + 1) -
                              column.ValueOffset(column.offset + i);
      min_num_values_ = std::min(min_num_values_, length);
      max_num_values_ = std::max(max_num_values_, length);
      tot_num_values_ += length;
      present_weight += w;
      values_weight += w * static_cast<double>(length);
      lengths.push_back(static_cast<double>(length));
    }
    present = lengths.size();
    num_values_.Update(lengths.data(), static_cast<int64_t>(lengths.size()));
  }
  num_non_missing_ += present;
  num_missing_ += rows - present;
  if (weights != nullptr) {
    weighted_non_missing_ += present_weight;
    weighted_missing_ += missing_weight;
    weighted_tot_num_values_ += values_weight;
  }

  // Values.
  if (type_ == FeatureType::kString) {
    BatchCounter counter;
    ForEachValue(column, [&](int64_t j, int64_t row) {
      counter.Add(leaf.String(j), weights != nullptr ? weights[row] : 0.0);
    });
    for (const BatchCounter::Slot& slot : counter.slots()) {
      if (slot.count == 0.0) continue;
      const uint64_t bytes = slot.value.size();
      const double length = static_cast<double>(bytes);
      num_strings_ += slot.count;
      total_length_ += length * slot.count;
      min_length_ = std::min(min_length_, bytes);
      max_length_ = std::max(max_length_, bytes);
      distinct_.UpdateHash(slot.hash);
      std::string_view label = slot.value;
      if (!IsValidUtf8(label)) {
        invalid_utf8_ += static_cast<uint64_t>(slot.count);
        label = kInvalidUtf8Label;
      }
      top_k_.Update(label, slot.count);
      if (weights != nullptr) {
        weighted_total_length_ += length * slot.weight;
        weighted_top_k_.Update(label, slot.weight);
      }
    }
    return Status::OK();
  }
  if (!column.child && column.validity == nullptr && weights == nullptr &&
      leaf.type == Type::kDouble) {
    AddNumeric(leaf.Values<double>(), rows);  // Zero-copy fast path.
    return Status::OK();
  }
  std::vector<double> values, value_weights;
  switch (leaf.type) {
    case Type::kInt64: GatherNumeric<int64_t>(column, weights, &values, &value_weights); break;
    case Type::kFloat: GatherNumeric<float>(column, weights, &values, &value_weights); break;
    default: GatherNumeric<double>(column, weights, &values, &value_weights); break;
  }
  AddNumeric(values.data(), static_cast<int64_t>(values.size()));
  if (weights != nullptr) {
    AddWeightedNumeric(values.data(), value_weights.data(), static_cast<int64_t>(values.size()));
  }
  return Status::OK();
}

void FeatureAccumulator::AddNumeric(const double* v, int64_t n) {
  if (n == 0) return;
  // Pass 1, four independent lanes so the adds pipeline: sum, min, max, zeros. (x - x) is
  // non-zero only for NaN and infinities, which send the batch to the careful loop below. The
  // sum is of x - shift_ (the first finite value seen), so large offsets (2^53 + small) keep
  // their digits; the moments are kept relative to it.
  if (std::isnan(shift_) && std::isfinite(v[0])) shift_ = v[0];
  const double shift = std::isnan(shift_) ? 0.0 : shift_;
  double sum[4] = {0, 0, 0, 0}, lo[4] = {kInf, kInf, kInf, kInf}, hi[4] = {-kInf, -kInf, -kInf, -kInf};
  uint64_t zeros[4] = {0, 0, 0, 0};
  bool non_finite = false;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) {
      const double x = v[i + k];
      sum[k] += x - shift;
      lo[k] = x < lo[k] ? x : lo[k];
      hi[k] = x > hi[k] ? x : hi[k];
      zeros[k] += x == 0.0;
      non_finite |= (x - x) != 0.0;
    }
  }
  for (; i < n; ++i) {
    const double x = v[i];
    sum[0] += x - shift;
    lo[0] = x < lo[0] ? x : lo[0];
    hi[0] = x > hi[0] ? x : hi[0];
    zeros[0] += x == 0.0;
    non_finite |= (x - x) != 0.0;
  }
  Moments batch;
  if (!non_finite) {
    batch.weight = static_cast<double>(n);
    const double shifted_mean = ((sum[0] + sum[1]) + (sum[2] + sum[3])) / batch.weight;
    batch.mean = shifted_mean;
    double m2[4] = {0, 0, 0, 0};
    for (i = 0; i + 4 <= n; i += 4) {
      for (int k = 0; k < 4; ++k) {
        const double d = (v[i + k] - shift) - shifted_mean;
        m2[k] += d * d;
      }
    }
    for (; i < n; ++i) m2[0] += ((v[i] - shift) - shifted_mean) * ((v[i] - shift) - shifted_mean);
    batch.m2 = (m2[0] + m2[1]) + (m2[2] + m2[3]);
    num_zeros_ += zeros[0] + zeros[1] + zeros[2] + zeros[3];
    min_ = std::min({min_, lo[0], lo[1], lo[2], lo[3]});
    max_ = std::max({max_, hi[0], hi[1], hi[2], hi[3]});
    finite_min_ = std::min(finite_min_, min_);
    finite_max_ = std::max(finite_max_, max_);
  } else {
    double finite_sum = 0.0;
    uint64_t finite = 0;
    for (i = 0; i < n; ++i) {
      const double x = v[i];
      if (std::isnan(x)) {
        ++num_nan_;
        continue;
      }
      min_ = std::min(min_, x);
      max_ = std::max(max_, x);
      if (std::isinf(x)) {
        ++(x > 0 ? num_pos_inf_ : num_neg_inf_);
        continue;
      }
      if (std::isnan(shift_)) shift_ = x;
      finite_min_ = std::min(finite_min_, x);
      finite_max_ = std::max(finite_max_, x);
      num_zeros_ += x == 0.0;
      finite_sum += x - shift_;
      ++finite;
    }
    if (finite > 0) {
      batch.weight = static_cast<double>(finite);
      const double shifted_mean = finite_sum / batch.weight;
      batch.mean = shifted_mean;
      for (i = 0; i < n; ++i) {
        const double d = (v[i] - shift_) - shifted_mean;
        if (std::isfinite(v[i])) batch.m2 += d * d;
      }
    }
  }
  moments_.Merge(batch);
  if (non_finite) {
    quantiles_.Update(v, n);  // Drops the NaNs.
  } else {
    quantiles_.UpdateWithRange(v, n, std::min({lo[0], lo[1], lo[2], lo[3]}),
                               std::max({hi[0], hi[1], hi[2], hi[3]}));
  }
}

void FeatureAccumulator::AddWeightedNumeric(const double* v, const double* w, int64_t n) {
  Moments batch;
  const double shift = shift_;  // Set by AddNumeric if there is a finite value.
  double weighted_sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) continue;
    batch.weight += w[i];
    weighted_sum += w[i] * (v[i] - shift);
  }
  if (!(batch.weight > 0.0)) return;
  const double shifted_mean = weighted_sum / batch.weight;
  batch.mean = shifted_mean;
  for (int64_t i = 0; i < n; ++i) {
    const double d = (v[i] - shift) - shifted_mean;
    if (std::isfinite(v[i])) batch.m2 += w[i] * d * d;
  }
  weighted_moments_.Merge(batch);
}

Status FeatureAccumulator::Merge(const FeatureAccumulator& other) {
  if (other.type_ != FeatureType::kUnknown) {
    if (type_ != FeatureType::kUnknown && type_ != other.type_) {
      return InvalidArgument("cannot merge statistics of type ", FeatureTypeName(other.type_),
                             " into statistics of type ", FeatureTypeName(type_));
    }
    type_ = other.type_;
  }
  weighted_ = weighted_ || other.weighted_;
  num_non_missing_ += other.num_non_missing_;
  num_missing_ += other.num_missing_;
  min_num_values_ = std::min(min_num_values_, other.min_num_values_);
  max_num_values_ = std::max(max_num_values_, other.max_num_values_);
  tot_num_values_ += other.tot_num_values_;
  weighted_non_missing_ += other.weighted_non_missing_;
  weighted_missing_ += other.weighted_missing_;
  weighted_tot_num_values_ += other.weighted_tot_num_values_;
  TFX_RETURN_IF_ERROR(num_values_.Merge(other.num_values_));
  // Moments are relative to each side's shift: move the other's to ours (a difference of two
  // nearby values, exact) before combining.
  if (std::isnan(shift_)) shift_ = other.shift_;
  const double offset = std::isnan(other.shift_) ? 0.0 : other.shift_ - shift_;
  Moments moments = other.moments_, weighted_moments = other.weighted_moments_;
  moments.mean += offset;
  weighted_moments.mean += offset;
  moments_.Merge(moments);
  weighted_moments_.Merge(weighted_moments);
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  finite_min_ = std::min(finite_min_, other.finite_min_);
  finite_max_ = std::max(finite_max_, other.finite_max_);
  num_zeros_ += other.num_zeros_;
  num_nan_ += other.num_nan_;
  num_pos_inf_ += other.num_pos_inf_;
  num_neg_inf_ += other.num_neg_inf_;
  TFX_RETURN_IF_ERROR(quantiles_.Merge(other.quantiles_));
  total_length_ += other.total_length_;
  weighted_total_length_ += other.weighted_total_length_;
  num_strings_ += other.num_strings_;
  min_length_ = std::min(min_length_, other.min_length_);
  max_length_ = std::max(max_length_, other.max_length_);
  invalid_utf8_ += other.invalid_utf8_;
  TFX_RETURN_IF_ERROR(distinct_.Merge(other.distinct_));
  TFX_RETURN_IF_ERROR(top_k_.Merge(other.top_k_));
  return weighted_top_k_.Merge(other.weighted_top_k_);
}

void FeatureAccumulator::Serialize(std::string* out) const {
  out->append(kMagic, sizeof(kMagic));
  PutBytes(out, static_cast<int32_t>(type_));
  PutBytes(out, static_cast<uint8_t>(weighted_));
  for (uint64_t v : {num_non_missing_, num_missing_, min_num_values_, max_num_values_,
                     tot_num_values_, num_zeros_, num_nan_, num_pos_inf_, num_neg_inf_,
                     min_length_, max_length_, invalid_utf8_}) {
    PutBytes(out, v);
  }
  for (double v : {weighted_non_missing_, weighted_missing_, weighted_tot_num_values_,
                   shift_, moments_.weight, moments_.mean, moments_.m2, weighted_moments_.weight,
                   weighted_moments_.mean, weighted_moments_.m2, min_, max_, finite_min_,
                   finite_max_, total_length_, weighted_total_length_, num_strings_}) {
    PutBytes(out, v);
  }
  PutString(out, num_values_.Serialize());
  PutString(out, quantiles_.Serialize());
  PutString(out, distinct_.Serialize());
  PutString(out, top_k_.Serialize());
  PutString(out, weighted_top_k_.Serialize());
}

StatusOr<FeatureAccumulator> FeatureAccumulator::Deserialize(const std::string& bytes,
                                                             size_t* pos) {
  if (bytes.size() - *pos < sizeof(kMagic) ||
      std::memcmp(bytes.data() + *pos, kMagic, sizeof(kMagic)) != 0) {
    return InvalidArgument("not a serialized feature accumulator of this version (expected the "
                           "FAC2 header; state from an older tfx_core must be recomputed)");
  }
  *pos += sizeof(kMagic);
  FeatureAccumulator acc;
  int32_t type;
  uint8_t weighted;
  bool ok = GetBytes(bytes, pos, &type) && GetBytes(bytes, pos, &weighted);
  for (uint64_t* v : {&acc.num_non_missing_, &acc.num_missing_, &acc.min_num_values_,
                      &acc.max_num_values_, &acc.tot_num_values_, &acc.num_zeros_, &acc.num_nan_,
                      &acc.num_pos_inf_, &acc.num_neg_inf_, &acc.min_length_, &acc.max_length_,
                      &acc.invalid_utf8_}) {
    ok = ok && GetBytes(bytes, pos, v);
  }
  for (double* v : {&acc.weighted_non_missing_, &acc.weighted_missing_,
                    &acc.weighted_tot_num_values_, &acc.shift_, &acc.moments_.weight,
                    &acc.moments_.mean,
                    &acc.moments_.m2, &acc.weighted_moments_.weight, &acc.weighted_moments_.mean,
                    &acc.weighted_moments_.m2, &acc.min_, &acc.max_, &acc.finite_min_,
                    &acc.finite_max_, &acc.total_length_, &acc.weighted_total_length_,
                    &acc.num_strings_}) {
    ok = ok && GetBytes(bytes, pos, v);
  }
  std::string parts[5];
  for (std::string& part : parts) ok = ok && GetString(bytes, pos, &part);
  if (!ok) return InvalidArgument("serialized feature accumulator is truncated");
  if (type < -1 || type > 2) return InvalidArgument("serialized feature accumulator has type ", type);
  acc.type_ = static_cast<FeatureType>(type);
  acc.weighted_ = weighted != 0;
  TFX_ASSIGN_OR_RETURN(acc.num_values_, KllSketch::Deserialize(parts[0]));
  TFX_ASSIGN_OR_RETURN(acc.quantiles_, KllSketch::Deserialize(parts[1]));
  TFX_ASSIGN_OR_RETURN(acc.distinct_, DistinctCountSketch::Deserialize(parts[2]));
  TFX_ASSIGN_OR_RETURN(acc.top_k_, TopKSketch::Deserialize(parts[3]));
  TFX_ASSIGN_OR_RETURN(acc.weighted_top_k_, TopKSketch::Deserialize(parts[4]));
  return acc;
}

FeatureResult FeatureAccumulator::Result(const ResultOptions& options) const {
  FeatureResult r;
  r.type = type_;
  r.num_non_missing = num_non_missing_;
  r.num_missing = num_missing_;
  r.min_num_values = num_non_missing_ > 0 ? min_num_values_ : 0;
  r.max_num_values = max_num_values_;
  r.tot_num_values = tot_num_values_;
  r.num_values_histogram = QuantileBuckets(num_values_, options.num_values_histogram_buckets,
                                           static_cast<double>(num_non_missing_));
  if (weighted_) {
    r.weighted_num_non_missing = weighted_non_missing_;
    r.weighted_num_missing = weighted_missing_;
    r.weighted_tot_num_values = weighted_tot_num_values_;
  }
  if (type_ == FeatureType::kInt || type_ == FeatureType::kFloat) {
    const bool pos_inf = num_pos_inf_ > 0, neg_inf = num_neg_inf_ > 0;
    const double mean = moments_.weight > 0.0 ? shift_ + moments_.mean : 0.0;
    r.mean = pos_inf && neg_inf ? std::nan("") : pos_inf ? kInf : neg_inf ? -kInf : mean;
    r.std_dev = pos_inf || neg_inf ? std::nan("") : std::sqrt(moments_.Variance());
    const bool any = !quantiles_.empty();
    r.min = any ? min_ : 0.0;
    r.max = any ? max_ : 0.0;
    r.median = any ? quantiles_.Quantile(0.5) : 0.0;
    r.num_zeros = num_zeros_;
    r.num_nan = num_nan_;
    r.num_pos_inf = num_pos_inf_;
    r.num_neg_inf = num_neg_inf_;
    r.standard_histogram = EqualWidthBuckets(quantiles_, options.num_histogram_buckets,
                                             finite_min_, finite_max_, num_neg_inf_, num_pos_inf_);
    r.quantiles_histogram = QuantileBuckets(quantiles_, options.num_quantiles_histogram_buckets,
                                            static_cast<double>(quantiles_.count()));
    r.weighted_mean = weighted_moments_.weight > 0.0 ? shift_ + weighted_moments_.mean : 0.0;
    r.weighted_std_dev = std::sqrt(weighted_moments_.Variance());
  } else if (type_ == FeatureType::kString) {
    r.unique = static_cast<uint64_t>(std::llround(distinct_.Estimate()));
    r.unique_is_exact = distinct_.exact();
    r.unique_relative_error = distinct_.RelativeStandardError();
    r.avg_length = num_strings_ > 0.0 ? total_length_ / num_strings_ : 0.0;
    r.min_length = num_strings_ > 0.0 ? min_length_ : 0;
    r.max_length = max_length_;
    r.invalid_utf8_count = invalid_utf8_;
    const size_t k = static_cast<size_t>(
        std::max({options.num_top_values, options.num_rank_histogram_buckets, 0}));
    r.top_values = top_k_.Top(k);
    r.top_values_max_error = top_k_.max_error();
    if (weighted_) {
      const double weight = weighted_top_k_.total_weight();
      r.weighted_avg_length = weight > 0.0 ? weighted_total_length_ / weight : 0.0;
      r.weighted_top_values = weighted_top_k_.Top(k);
    }
  }
  return r;
}

}  // namespace statistics
}  // namespace tfx_core
