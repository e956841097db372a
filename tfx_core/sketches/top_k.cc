#include "tfx_core/sketches/top_k.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <iterator>

#include "tfx_core/sketches/bytes.h"

namespace tfx_core {

TopKSketch::TopKSketch(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void TopKSketch::Update(std::string_view value, double weight) {
  if (!(weight > 0.0)) return;  // Zero, negative and NaN weights count for nothing.
  total_ += weight;
  auto it = counts_.find(std::string(value));  // C++17 maps have no heterogeneous find.
  if (it != counts_.end()) {
    it->second += weight;
    return;
  }
  counts_.emplace(value, weight);
  PruneIfFull();
}

void TopKSketch::PruneIfFull() {
  if (counts_.size() <= kExactFactor * capacity_) return;
  std::vector<double> weights;
  weights.reserve(counts_.size());
  for (const auto& entry : counts_) weights.push_back(entry.second);
  std::nth_element(weights.begin(), weights.begin() + capacity_, weights.end(),
                   std::greater<double>());
  const double cut = weights[capacity_];
  error_ += cut;
  for (auto it = counts_.begin(); it != counts_.end();) {
    it->second -= cut;
    it = it->second > 0.0 ? std::next(it) : counts_.erase(it);
  }
}

Status TopKSketch::Merge(const TopKSketch& other) {
  if (other.capacity_ != capacity_) {
    return InvalidArgument("cannot merge top-k sketches of capacity ", capacity_, " and ",
                           other.capacity_);
  }
  for (const auto& [value, weight] : other.counts_) counts_[value] += weight;
  total_ += other.total_;
  error_ += other.error_;
  PruneIfFull();
  return Status::OK();
}

std::vector<std::pair<std::string, double>> TopKSketch::Top(size_t k) const {
  std::vector<std::pair<std::string, double>> items(counts_.begin(), counts_.end());
  const auto heavier = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first > b.first;  // TFDV's order.
  };
  k = std::min(k, items.size());
  std::partial_sort(items.begin(), items.begin() + k, items.end(), heavier);
  items.resize(k);
  return items;
}

std::string TopKSketch::Serialize() const {
  std::string out = StateHeader(StateKind::kTopKSketch);
  PutBytes(&out, static_cast<uint64_t>(capacity_));
  PutBytes(&out, total_);
  PutBytes(&out, error_);
  PutBytes(&out, static_cast<uint64_t>(counts_.size()));
  for (const auto& [value, weight] : Top(counts_.size())) {  // Sorted: same content, same bytes.
    PutBytes(&out, static_cast<uint64_t>(value.size()));
    out.append(value);
    PutBytes(&out, weight);
  }
  return out;
}

StatusOr<TopKSketch> TopKSketch::Deserialize(const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kTopKSketch, &pos));
  uint64_t capacity, entries;
  double total, error;
  if (!GetBytes(bytes, &pos, &capacity) || !GetBytes(bytes, &pos, &total) || !GetBytes(bytes, &pos, &error) ||
      !GetBytes(bytes, &pos, &entries) || capacity == 0) {
    return InvalidArgument("serialized top-k sketch has a truncated or invalid header");
  }
  TopKSketch sketch(capacity);
  sketch.total_ = total;
  sketch.error_ = error;
  for (uint64_t i = 0; i < entries; ++i) {
    uint64_t length;
    double weight;
    if (!GetBytes(bytes, &pos, &length) || bytes.size() - pos < length) {
      return InvalidArgument("serialized top-k sketch is truncated at entry ", i);
    }
    std::string value = bytes.substr(pos, length);
    pos += length;
    if (!GetBytes(bytes, &pos, &weight)) {
      return InvalidArgument("serialized top-k sketch is truncated at entry ", i);
    }
    sketch.counts_.emplace(std::move(value), weight);
  }
  if (pos != bytes.size()) {
    return InvalidArgument("serialized top-k sketch has ", bytes.size() - pos,
                           " trailing bytes");
  }
  return sketch;
}

}  // namespace tfx_core
