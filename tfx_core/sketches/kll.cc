#include "tfx_core/sketches/kll.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>

#include "tfx_core/sketches/bytes.h"
#include "tfx_core/sketches/weighted_quantiles.h"

namespace tfx_core {
namespace {

constexpr int kMinK = 8;
constexpr size_t kMinLevelWidth = 8;

}  // namespace

KllSketch::KllSketch(int k, uint64_t seed)
    : k_(std::max(k, kMinK)),
      rng_(seed ? seed : 1),
      min_(std::numeric_limits<double>::quiet_NaN()),
      max_(std::numeric_limits<double>::quiet_NaN()) {
  EnsureLevels(1);
}

size_t KllSketch::num_retained() const { return retained_; }

// Level h of H holds up to k * (2/3)^(H-1-h) items: the top level is widest, lower levels
// shrink geometrically, so memory stays O(k) plus a few items per level.
void KllSketch::EnsureLevels(size_t num_levels) {
  if (num_levels <= levels_.size() && capacities_.size() == levels_.size()) return;
  if (num_levels > levels_.size()) levels_.resize(num_levels);
  capacities_.resize(levels_.size());
  total_capacity_ = 0;
  for (size_t h = 0; h < levels_.size(); ++h) {
    const double depth = static_cast<double>(levels_.size() - 1 - h);
    capacities_[h] =
        std::max(kMinLevelWidth, static_cast<size_t>(std::ceil(k_ * std::pow(2.0 / 3.0, depth))));
    total_capacity_ += capacities_[h];
  }
}

uint64_t KllSketch::NextRandom() {  // xorshift64: reproducible for a given seed.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return rng_;
}

void KllSketch::ExtendRange(double lo, double hi) {
  if (n_ == 0) {
    min_ = lo;
    max_ = hi;
  } else {
    min_ = std::min(min_, lo);
    max_ = std::max(max_, hi);
  }
}

void KllSketch::Update(double value) {
  if (std::isnan(value)) return;
  ExtendRange(value, value);
  ++n_;
  levels_[0].push_back(value);
  ++retained_;
  CompressIfNeeded();
}

void KllSketch::Update(const double* values, int64_t count) {
  // The exact min and max need every value; the same pass finds NaNs (x != x).
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  bool has_nan = false;
  for (int64_t i = 0; i < count; ++i) {
    const double x = values[i];
    has_nan |= x != x;
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  std::vector<double> clean;
  if (has_nan) {
    clean.reserve(count);
    std::copy_if(values, values + count, std::back_inserter(clean),
                 [](double x) { return !std::isnan(x); });
    values = clean.data();
    count = static_cast<int64_t>(clean.size());
  }
  if (count == 0) return;
  ExtendRange(lo, hi);
  AddSampled(values, count);
}

void KllSketch::UpdateWithRange(const double* values, int64_t count, double min, double max) {
  if (count == 0) return;
  ExtendRange(min, max);
  AddSampled(values, count);
}

void KllSketch::AddSampled(const double* values, int64_t count) {
  const double budget = static_cast<double>(n_ + count) * kSamplerBudget;
  const int h = budget >= 2.0 ? static_cast<int>(std::floor(std::log2(budget))) : 0;
  const int64_t w = int64_t{1} << h;
  EnsureLevels(static_cast<size_t>(h) + 1);
  const int64_t blocks = count / w;
  // k items at a time, so compaction keeps every level near its capacity.
  for (int64_t b = 0; b < blocks;) {
    const int64_t end = std::min(blocks, b + static_cast<int64_t>(k_));
    retained_ += static_cast<size_t>(end - b);
    std::vector<double>& level = levels_[h];
    for (; b < end; ++b) {
      const int64_t pick = w == 1 ? 0 : static_cast<int64_t>(NextRandom() & (w - 1));
      level.push_back(values[b * w + pick]);
    }
    CompressIfNeeded();
  }
  n_ += static_cast<uint64_t>(blocks * w);
  // The values after the last whole block enter level 0 one by one, exactly.
  for (int64_t i = blocks * w; i < count; ++i) {
    levels_[0].push_back(values[i]);
    ++retained_;
    ++n_;
  }
  CompressIfNeeded();
}

void KllSketch::UpdateRepeated(double value, uint64_t times) {
  if (std::isnan(value) || times == 0) return;
  ExtendRange(value, value);
  n_ += times;
  for (size_t h = 0; times != 0; ++h, times >>= 1) {
    if (times & 1) {
      EnsureLevels(h + 1);
      levels_[h].push_back(value);
      ++retained_;
    }
  }
  CompressIfNeeded();
}

void KllSketch::CompressIfNeeded() {
  while (retained_ > total_capacity_) {
    size_t level = 0;
    while (levels_[level].size() < Capacity(level)) ++level;  // Exists: total is over.
    CompactLevel(level);
  }
}

void KllSketch::CompactLevel(size_t level) {
  EnsureLevels(level + 2);
  std::vector<double>& items = levels_[level];
  std::sort(items.begin(), items.end());
  // An odd item out stays behind at its weight; every pair becomes one item of twice the
  // weight, chosen from a random offset so the rank error is unbiased.
  const size_t keep = items.size() % 2;
  const size_t offset = NextBit() ? 1 : 0;
  std::vector<double>& up = levels_[level + 1];
  for (size_t i = keep + offset; i < items.size(); i += 2) up.push_back(items[i]);
  const size_t moved = (items.size() - keep) / 2;
  retained_ -= items.size() - keep - moved;
  items.resize(keep);
}

Status KllSketch::Merge(const KllSketch& other) {
  if (other.k_ != k_) {
    return InvalidArgument("cannot merge KLL sketches with different k: ", k_, " and ",
                           other.k_);
  }
  if (other.n_ == 0) return Status::OK();
  ExtendRange(other.min_, other.max_);
  n_ += other.n_;
  EnsureLevels(other.levels_.size());
  for (size_t h = 0; h < other.levels_.size(); ++h) {
    levels_[h].insert(levels_[h].end(), other.levels_[h].begin(), other.levels_[h].end());
  }
  retained_ += other.retained_;
  CompressIfNeeded();
  return Status::OK();
}

std::vector<std::pair<double, uint64_t>> KllSketch::SortedWeighted() const {
  std::vector<std::pair<double, uint64_t>> items;
  items.reserve(retained_);
  for (size_t h = 0; h < levels_.size(); ++h) {
    for (double v : levels_[h]) items.emplace_back(v, uint64_t{1} << h);
  }
  std::sort(items.begin(), items.end());
  return items;
}

std::vector<double> KllSketch::Quantiles(const std::vector<double>& qs) const {
  std::vector<double> out(qs.size(), std::numeric_limits<double>::quiet_NaN());
  if (n_ == 0) return out;
  const auto items = SortedWeighted();
  for (size_t i = 0; i < qs.size(); ++i) {
    const double q = std::clamp(qs[i], 0.0, 1.0);
    if (q <= 0.0) {
      out[i] = min_;
    } else if (q >= 1.0) {
      out[i] = max_;
    } else {
      const double target = q * static_cast<double>(n_);
      uint64_t cumulative = 0;
      out[i] = max_;
      for (const auto& [value, weight] : items) {
        cumulative += weight;
        if (static_cast<double>(cumulative) >= target) {
          out[i] = value;
          break;
        }
      }
    }
  }
  return out;
}

std::vector<double> KllSketch::SummaryQuantiles(int num_quantiles) const {
  if (n_ == 0) return {};
  // Entries: distinct values with their weight and the rank range they cover.
  std::vector<SummaryEntry> entries;
  double cumulative = 0.0;
  for (const auto& [value, weight] : SortedWeighted()) {
    const double w = static_cast<double>(weight);
    if (!entries.empty() && entries.back().value == value) {
      entries.back().weight += w;
      entries.back().max_rank += w;
    } else {
      entries.push_back({value, w, cumulative, cumulative + w});
    }
    cumulative += w;
  }
  std::vector<double> out = tfx_core::SummaryQuantiles(entries, num_quantiles);
  out.front() = min_;  // Exact, whatever the sketch kept.
  out.back() = max_;
  return out;
}

double KllSketch::Quantile(double q) const { return Quantiles({q})[0]; }

double KllSketch::Rank(double x) const { return Ranks({x})[0]; }

std::vector<double> KllSketch::Ranks(const std::vector<double>& xs) const {
  std::vector<double> out(xs.size(), std::numeric_limits<double>::quiet_NaN());
  if (n_ == 0) return out;
  const auto items = SortedWeighted();
  size_t next = 0;
  uint64_t below = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    while (next < items.size() && items[next].first <= xs[i]) below += items[next++].second;
    out[i] = static_cast<double>(below) / static_cast<double>(n_);
  }
  return out;
}

std::string KllSketch::Serialize() const {
  std::string out = StateHeader(StateKind::kKllSketch);
  PutBytes(&out, static_cast<int32_t>(k_));
  PutBytes(&out, rng_);
  PutBytes(&out, n_);
  PutBytes(&out, min_);
  PutBytes(&out, max_);
  PutBytes(&out, static_cast<uint32_t>(levels_.size()));
  for (const auto& level : levels_) {
    PutBytes(&out, static_cast<uint32_t>(level.size()));
    PutArray(&out, level.data(), level.size());
  }
  return out;
}

StatusOr<KllSketch> KllSketch::Deserialize(const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kKllSketch, &pos));
  int32_t k;
  uint64_t rng, n;
  double min, max;
  uint32_t num_levels;
  if (!GetBytes(bytes, &pos, &k) || !GetBytes(bytes, &pos, &rng) || !GetBytes(bytes, &pos, &n) ||
      !GetBytes(bytes, &pos, &min) || !GetBytes(bytes, &pos, &max) || !GetBytes(bytes, &pos, &num_levels)) {
    return InvalidArgument("serialized KLL sketch is truncated in its header (", bytes.size(),
                           " bytes)");
  }
  if (k < kMinK || num_levels == 0 || num_levels > 64) {
    return InvalidArgument("serialized KLL sketch has k=", k, " and ", num_levels,
                           " levels; expected k >= ", kMinK, " and 1 to 64 levels");
  }
  KllSketch sketch(k, rng);
  sketch.n_ = n;
  sketch.min_ = min;
  sketch.max_ = max;
  sketch.EnsureLevels(num_levels);
  uint64_t weight = 0;
  for (uint32_t h = 0; h < num_levels; ++h) {
    uint32_t size;
    if (!GetBytes(bytes, &pos, &size) || (bytes.size() - pos) / sizeof(double) < size) {
      return InvalidArgument("serialized KLL sketch is truncated at level ", h);
    }
    sketch.levels_[h].resize(size);
    GetArray(bytes, &pos, sketch.levels_[h].data(), size);
    sketch.retained_ += size;
    weight += static_cast<uint64_t>(size) << h;
  }
  if (pos != bytes.size() || weight != n) {
    return InvalidArgument("serialized KLL sketch is inconsistent: items weigh ", weight,
                           " but count is ", n, "; ", bytes.size() - pos, " trailing bytes");
  }
  return sketch;
}

}  // namespace tfx_core
