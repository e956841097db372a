#include "tfx_core/sketches/weighted_quantiles.h"

#include <algorithm>
#include <cmath>

#include "tfx_core/sketches/bytes.h"

namespace tfx_core {
namespace {

// Merges two summaries, as TensorFlow merges them: an entry's rank bounds grow by the ranks
// the other summary certainly (min) or possibly (max) has below it; equal values combine.
std::vector<SummaryEntry> MergeEntries(const std::vector<SummaryEntry>& a,
                                       const std::vector<SummaryEntry>& b) {
  std::vector<SummaryEntry> out;
  out.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  double a_below_min = 0, b_below_min = 0;  // Min ranks of the entries consumed so far.
  const double a_total = a.empty() ? 0 : a.back().max_rank;
  const double b_total = b.empty() ? 0 : b.back().max_rank;
  auto prev_max = [](const SummaryEntry& e) { return e.max_rank - e.weight; };
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].value < b[j].value)) {
      const SummaryEntry& e = a[i++];
      out.push_back({e.value, e.weight, e.min_rank + b_below_min,
                     e.max_rank + (j < b.size() ? prev_max(b[j]) : b_total)});
      a_below_min = e.min_rank + e.weight;
    } else if (i == a.size() || b[j].value < a[i].value) {
      const SummaryEntry& e = b[j++];
      out.push_back({e.value, e.weight, e.min_rank + a_below_min,
                     e.max_rank + (i < a.size() ? prev_max(a[i]) : a_total)});
      b_below_min = e.min_rank + e.weight;
    } else {
      const SummaryEntry &x = a[i++], &y = b[j++];
      out.push_back({x.value, x.weight + y.weight, x.min_rank + y.min_rank,
                     x.max_rank + y.max_rank});
      a_below_min = x.min_rank + x.weight;
      b_below_min = y.min_rank + y.weight;
    }
  }
  return out;
}

// Keeps the first and last entry and, for each of `capacity` evenly spaced ranks, the first
// entry whose rank range reaches it: kept entries keep their bounds, so the rank error grows
// by at most the spacing.
void Compress(std::vector<SummaryEntry>* entries, int64_t capacity) {
  if (static_cast<int64_t>(entries->size()) <= capacity) return;
  const double total = entries->back().max_rank;
  std::vector<SummaryEntry> kept = {entries->front()};
  size_t i = 1;
  for (int64_t step = 1; step < capacity - 1 && i + 1 < entries->size(); ++step) {
    const double target = step * total / (capacity - 1);
    while (i + 1 < entries->size() && (*entries)[i].max_rank < target) ++i;
    if (i + 1 < entries->size()) kept.push_back((*entries)[i++]);
  }
  kept.push_back(entries->back());
  *entries = std::move(kept);
}

}  // namespace

std::vector<double> SummaryQuantiles(const std::vector<SummaryEntry>& entries,
                                     int num_quantiles) {
  std::vector<double> out;
  if (entries.empty()) return out;
  num_quantiles = std::max(num_quantiles, 2);
  const double total = entries.back().max_rank;
  size_t current = 0;
  for (int rank = 0; rank <= num_quantiles; ++rank) {
    // The entry whose rank range holds d = rank * total / num_quantiles: compare 2d with the
    // sum of an entry's rank bounds, and on the boundary between two entries take the upper.
    const double d2 = 2.0 * (rank * total / num_quantiles);
    size_t next = current + 1;
    while (next < entries.size() && d2 >= entries[next].min_rank + entries[next].max_rank) ++next;
    current = next - 1;
    const bool lower =
        next == entries.size() ||
        d2 < (entries[current].min_rank + entries[current].weight) +
                 (entries[next].max_rank - entries[next].weight);
    out.push_back(lower ? entries[current].value : entries[next].value);
  }
  out.front() = entries.front().value;
  out.back() = entries.back().value;
  return out;
}

WeightedQuantilesSummary::WeightedQuantilesSummary(int64_t capacity)
    : capacity_(std::max<int64_t>(capacity, 4)) {}

void WeightedQuantilesSummary::Add(double value, double weight) {
  if (std::isnan(value) || !(weight > 0)) return;
  buffer_.emplace_back(value, weight);
  if (static_cast<int64_t>(buffer_.size()) >= capacity_) Flush();
}

void WeightedQuantilesSummary::Flush() const {
  if (buffer_.empty()) return;
  std::sort(buffer_.begin(), buffer_.end());
  std::vector<SummaryEntry> batch;
  double cumulative = 0;
  for (const auto& [value, weight] : buffer_) {
    if (!batch.empty() && batch.back().value == value) {
      batch.back().weight += weight;
      batch.back().max_rank += weight;
    } else {
      batch.push_back({value, weight, cumulative, cumulative + weight});
    }
    cumulative += weight;
  }
  buffer_.clear();
  Carry(std::move(batch), 0);
}

void WeightedQuantilesSummary::Carry(std::vector<SummaryEntry> summary, size_t level) const {
  Compress(&summary, capacity_);
  for (;; ++level) {
    if (level == levels_.size()) levels_.emplace_back();
    if (levels_[level].empty()) {
      levels_[level] = std::move(summary);
      return;
    }
    summary = MergeEntries(levels_[level], summary);
    Compress(&summary, capacity_);
    levels_[level].clear();
  }
}

std::vector<SummaryEntry> WeightedQuantilesSummary::Combined() const {
  Flush();
  std::vector<SummaryEntry> all;
  for (const auto& level : levels_) all = all.empty() ? level : MergeEntries(all, level);
  return all;
}

void WeightedQuantilesSummary::Merge(const WeightedQuantilesSummary& other) {
  Flush();
  other.Flush();
  for (size_t level = 0; level < other.levels_.size(); ++level) {
    if (!other.levels_[level].empty()) Carry(other.levels_[level], level);
  }
}

std::vector<double> WeightedQuantilesSummary::Quantiles(int num_quantiles) const {
  return SummaryQuantiles(Combined(), num_quantiles);
}

double WeightedQuantilesSummary::total_weight() const {
  const std::vector<SummaryEntry> all = Combined();
  return all.empty() ? 0 : all.back().max_rank;
}

void WeightedQuantilesSummary::Serialize(std::string* out) const {
  Flush();
  PutBytes(out, capacity_);
  PutBytes(out, static_cast<uint64_t>(levels_.size()));
  for (const auto& level : levels_) {
    PutBytes(out, static_cast<uint64_t>(level.size()));
    for (const SummaryEntry& e : level) {
      PutBytes(out, e.value);
      PutBytes(out, e.weight);
      PutBytes(out, e.min_rank);
      PutBytes(out, e.max_rank);
    }
  }
}

bool WeightedQuantilesSummary::Deserialize(const std::string& in, size_t* pos) {
  uint64_t num_levels;
  if (!GetBytes(in, pos, &capacity_) || capacity_ < 4 || !GetBytes(in, pos, &num_levels) ||
      num_levels > 64) {
    return false;
  }
  buffer_.clear();
  levels_.assign(num_levels, {});
  for (auto& level : levels_) {
    uint64_t size;
    if (!GetBytes(in, pos, &size) || size > (in.size() - *pos) / (4 * sizeof(double))) {
      return false;
    }
    level.resize(size);
    for (SummaryEntry& e : level) {
      GetBytes(in, pos, &e.value);
      GetBytes(in, pos, &e.weight);
      GetBytes(in, pos, &e.min_rank);
      GetBytes(in, pos, &e.max_rank);
    }
  }
  return true;
}

}  // namespace tfx_core
