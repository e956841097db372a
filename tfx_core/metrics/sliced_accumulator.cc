#include "tfx_core/metrics/sliced_accumulator.h"

#include <cmath>
#include <limits>
#include <mutex>

#include "tfx_core/sketches/bytes.h"
#include "tfx_core/util/parallel_for.h"

namespace tfx_core {
namespace metrics {
namespace {

// Rows per thread below which a batch is processed on the caller's thread alone.
constexpr int64_t kMinRowsPerThread = 4096;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

int PoissonDraw(uint64_t seed, int64_t row, int replicate) {
  const uint64_t bits = SplitMix64(SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(row))) +
                                   static_cast<uint64_t>(replicate));
  // A uniform in [0, 1) from the top 53 bits, then the inverse CDF of Poisson(1).
  const double u = static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);
  double p = std::exp(-1.0), cumulative = p;
  int k = 0;
  while (u >= cumulative && k < 64) {
    ++k;
    p /= k;
    cumulative += p;
  }
  return k;
}

SlicedAccumulator::SlicedAccumulator(const AccumulatorOptions& options, int bootstrap_samples,
                                     uint64_t seed)
    : options_(options), bootstrap_samples_(bootstrap_samples), seed_(seed) {}

SlicedAccumulator::SliceState& SlicedAccumulator::Slice(int64_t id) {
  auto it = slices_.find(id);
  if (it == slices_.end()) {
    it = slices_.emplace(id, SliceState{std::vector<MetricsAccumulator>(
                                 1 + bootstrap_samples_, MetricsAccumulator(options_))})
             .first;
  }
  return it->second;
}

Status SlicedAccumulator::Add(const double* labels, const double* scores, const double* weights,
                              const int64_t* slice_ids, int num_slicings, int64_t rows,
                              int64_t first_row) {
  if (num_slicings < 1) return InvalidArgument("need at least one slicing (the overall slice)");
  const int width = options_.task == Task::kMultiClass ? options_.num_classes : 1;
  std::mutex mu;
  Status error;
  int64_t error_row = std::numeric_limits<int64_t>::max();
  std::vector<SlicedAccumulator> parts;
  ParallelFor(rows, kMinRowsPerThread, [&](int64_t begin, int64_t end) {
    SlicedAccumulator part(options_, bootstrap_samples_, seed_);
    for (int64_t i = begin; i < end; ++i) {
      const double* s = scores + i * width;
      Status status = CheckRow(options_, first_row + i, labels[i], s);
      const double w = weights ? weights[i] : 1.0;
      if (status.ok() && !(w >= 0 && std::isfinite(w))) {
        status = InvalidArgument("row ", first_row + i, ": example weight ", w,
                                 " is not a finite number >= 0");
      }
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_row + i < error_row) {
          error_row = first_row + i;
          error = status;
        }
        return;
      }
      for (int j = 0; j < num_slicings; ++j) {
        const int64_t id = slice_ids[i * num_slicings + j];
        if (id < 0) continue;
        SliceState& state = part.Slice(id);
        state.replicates[0].Add(labels[i], s, w);
        for (int r = 0; r < bootstrap_samples_; ++r) {
          const int copies = PoissonDraw(seed_, first_row + i, r);
          if (copies > 0) state.replicates[1 + r].Add(labels[i], s, w, copies);
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    parts.push_back(std::move(part));
  });
  if (!error.ok()) return error;
  for (const SlicedAccumulator& part : parts) TFX_RETURN_IF_ERROR(MergeSlices(part.slices_));
  return Status::OK();
}

Status SlicedAccumulator::MergeSlices(const std::map<int64_t, SliceState>& other) {
  for (const auto& [id, state] : other) {
    SliceState& mine = Slice(id);
    for (size_t r = 0; r < mine.replicates.size(); ++r) {
      TFX_RETURN_IF_ERROR(mine.replicates[r].Merge(state.replicates[r]));
    }
  }
  return Status::OK();
}

Status SlicedAccumulator::Merge(const SlicedAccumulator& other) {
  if (other.bootstrap_samples_ != bootstrap_samples_ || other.seed_ != seed_) {
    return InvalidArgument("cannot merge sliced metrics with different bootstrap settings (",
                           bootstrap_samples_, " replicates, seed ", seed_, " vs ",
                           other.bootstrap_samples_, ", seed ", other.seed_, ")");
  }
  return MergeSlices(other.slices_);
}

std::vector<int64_t> SlicedAccumulator::slices() const {
  std::vector<int64_t> out;
  for (const auto& entry : slices_) out.push_back(entry.first);
  return out;
}

const MetricsAccumulator* SlicedAccumulator::Find(int64_t slice, int replicate) const {
  const auto it = slices_.find(slice);
  if (it == slices_.end() || replicate < -1 || replicate >= bootstrap_samples_) return nullptr;
  return &it->second.replicates[1 + replicate];
}

std::string SlicedAccumulator::Serialize() const {
  std::string out = StateHeader(StateKind::kSlicedMetrics);
  PutBytes<int32_t>(&out, bootstrap_samples_);
  PutBytes(&out, seed_);
  MetricsAccumulator(options_).Serialize(&out);  // The options, for an empty accumulator.
  PutBytes<uint64_t>(&out, slices_.size());
  for (const auto& [id, state] : slices_) {
    PutBytes(&out, id);
    for (const MetricsAccumulator& acc : state.replicates) acc.Serialize(&out);
  }
  return out;
}

StatusOr<SlicedAccumulator> SlicedAccumulator::Deserialize(const std::string& bytes) {
  size_t pos = 0;
  TFX_RETURN_IF_ERROR(CheckStateHeader(bytes, StateKind::kSlicedMetrics, &pos));
  const Status truncated = InvalidArgument("truncated or malformed sliced metrics accumulator");
  int32_t samples = 0;
  uint64_t seed = 0, num_slices = 0;
  if (!GetBytes(bytes, &pos, &samples) || samples < 0 || samples > 100000 ||
      !GetBytes(bytes, &pos, &seed)) {
    return truncated;
  }
  TFX_ASSIGN_OR_RETURN(const MetricsAccumulator empty,
                       MetricsAccumulator::Deserialize(bytes, &pos));
  SlicedAccumulator out(empty.options(), samples, seed);
  if (!GetBytes(bytes, &pos, &num_slices)) return truncated;
  for (uint64_t i = 0; i < num_slices; ++i) {
    int64_t id = 0;
    if (!GetBytes(bytes, &pos, &id)) return truncated;
    SliceState state;
    for (int r = 0; r <= samples; ++r) {
      TFX_ASSIGN_OR_RETURN(MetricsAccumulator acc, MetricsAccumulator::Deserialize(bytes, &pos));
      state.replicates.push_back(std::move(acc));
    }
    out.slices_.emplace(id, std::move(state));
  }
  if (pos != bytes.size()) return truncated;
  return out;
}

}  // namespace metrics
}  // namespace tfx_core
