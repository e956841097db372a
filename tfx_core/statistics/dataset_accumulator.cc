#include "tfx_core/statistics/dataset_accumulator.h"

#include <cstring>
#include <numeric>
#include <set>

#include "tfx_core/sketches/bytes.h"
#include "tfx_core/util/parallel_for.h"

namespace tfx_core {
namespace statistics {
namespace {


}  // namespace

DatasetAccumulator::DatasetAccumulator(const StatsOptions& options) : options_(options) {}

FeatureAccumulator& DatasetAccumulator::Feature(const std::string& name) {
  auto it = features_.find(name);
  if (it == features_.end()) {
    it = features_.emplace(name, FeatureAccumulator(options_)).first;
    it->second.AddMissing(num_examples_, weighted_num_examples_);
  }
  return it->second;
}

Status DatasetAccumulator::Add(const std::vector<std::string>& names,
                               const std::vector<const arrow::ArrayView*>& columns,
                               const double* weights, int64_t rows) {
  if (names.size() != columns.size()) {
    return InvalidArgument("got ", names.size(), " feature names for ", columns.size(), " columns");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!seen.insert(names[i]).second) return InvalidArgument("feature '", names[i], "' appears twice in a batch");
    if (columns[i]->length != rows) {
      return InvalidArgument("feature '", names[i], "' has ", columns[i]->length,
                             " rows; the batch has ", rows);
    }
  }
  const double batch_weight =
      weights != nullptr ? std::accumulate(weights, weights + rows, 0.0) : static_cast<double>(rows);
  std::vector<FeatureAccumulator*> targets;
  for (const std::string& name : names) targets.push_back(&Feature(name));
  for (auto& [name, feature] : features_) {
    if (!seen.count(name)) feature.AddMissing(rows, batch_weight);
  }
  std::vector<Status> statuses(names.size());
  ParallelForEach(names.size(), [&](size_t i) { statuses[i] = targets[i]->Add(*columns[i], weights); });
  for (size_t i = 0; i < names.size(); ++i) {
    if (!statuses[i].ok()) return InvalidArgument("feature '", names[i], "': ", statuses[i].message());
  }
  num_examples_ += rows;
  weighted_num_examples_ += batch_weight;
  weighted_ = weighted_ || weights != nullptr;
  return Status::OK();
}

Status DatasetAccumulator::Merge(const DatasetAccumulator& other) {
  for (auto& [name, feature] : features_) {
    if (!other.features_.count(name)) feature.AddMissing(other.num_examples_, other.weighted_num_examples_);
  }
  for (const auto& [name, theirs] : other.features_) {
    const Status status = Feature(name).Merge(theirs);
    if (!status.ok()) return InvalidArgument("feature '", name, "': ", status.message());
  }
  num_examples_ += other.num_examples_;
  weighted_num_examples_ += other.weighted_num_examples_;
  weighted_ = weighted_ || other.weighted_;
  return Status::OK();
}

std::string DatasetAccumulator::Serialize() const {
  std::string out = StateHeader(StateKind::kDatasetStatistics);
  PutBytes(&out, num_examples_);
  PutBytes(&out, weighted_num_examples_);
  PutBytes(&out, static_cast<uint8_t>(weighted_));
  PutBytes(&out, static_cast<uint64_t>(features_.size()));
  for (const auto& [name, feature] : features_) {
    PutBytes(&out, static_cast<uint64_t>(name.size()));
    out.append(name);
    feature.Serialize(&out);
  }
  return out;
}

StatusOr<DatasetAccumulator> DatasetAccumulator::Deserialize(const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kDatasetStatistics, &pos));
  DatasetAccumulator acc;
  uint8_t weighted;
  uint64_t num_features;
  if (!GetBytes(bytes, &pos, &acc.num_examples_) || !GetBytes(bytes, &pos, &acc.weighted_num_examples_) ||
      !GetBytes(bytes, &pos, &weighted) || !GetBytes(bytes, &pos, &num_features)) {
    return InvalidArgument("serialized dataset statistics are truncated in their header");
  }
  acc.weighted_ = weighted != 0;
  for (uint64_t i = 0; i < num_features; ++i) {
    uint64_t size;
    if (!GetBytes(bytes, &pos, &size) || bytes.size() - pos < size) {
      return InvalidArgument("serialized dataset statistics are truncated at feature ", i);
    }
    std::string name = bytes.substr(pos, size);
    pos += size;
    auto feature = FeatureAccumulator::Deserialize(bytes, &pos);
    if (!feature.ok()) return InvalidArgument("feature '", name, "': ", feature.status().message());
    acc.features_.emplace(std::move(name), std::move(feature).value());
  }
  if (pos != bytes.size()) return InvalidArgument("serialized dataset statistics have ", bytes.size() - pos, " trailing bytes");
  return acc;
}

}  // namespace statistics
}  // namespace tfx_core
