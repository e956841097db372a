// Numeric mappers as pure C++: scale_to_z_score, scale_to_0_1 and bucketize.
//
// Each mapper is a validated parameter object (created through a StatusOr factory, so bad
// parameters never reach a kernel) plus the shared loops below. Output types follow
// tensorflow_transform: float32 for int64 and float32 input, float64 for float64 input;
// bucket ids are int64. Missing values (Arrow nulls) map to NaN, or -1 for bucket ids.
//
// Thread-safety: parameter objects are immutable; the loops are reentrant.
#ifndef TFX_CORE_TRANSFORM_MAPPERS_H_
#define TFX_CORE_TRANSFORM_MAPPERS_H_

#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "tfx_core/arrow/array.h"
#include "tfx_core/transform/mapper_functors.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace transform {

class ZScore {
 public:
  // stddev must be finite and > 0; mean must be finite.
  static StatusOr<ZScore> Create(double mean, double stddev);
  template <typename Out>
  ZScoreFn<Out> Fn() const { return {static_cast<Out>(mean_), static_cast<Out>(stddev_)}; }

 private:
  ZScore(double mean, double stddev) : mean_(mean), stddev_(stddev) {}
  double mean_, stddev_;
};

class ZeroOne {
 public:
  // min and max must be finite with max > min.
  static StatusOr<ZeroOne> Create(double min, double max);
  template <typename Out>
  ZeroOneFn<Out> Fn() const {
    return {static_cast<Out>(min_), static_cast<Out>(max_) - static_cast<Out>(min_)};
  }

 private:
  ZeroOne(double min, double max) : min_(min), max_(max) {}
  double min_, max_;
};

class Buckets {
 public:
  // Boundaries must be sorted (non-decreasing) and not NaN (infinities are allowed).
  static StatusOr<Buckets> Create(std::vector<double> boundaries);
  const std::vector<double>& boundaries() const { return boundaries_; }
  // The functor points into this object: it is valid while the Buckets lives.
  BucketizeFn Fn() const {
    return {boundaries_.data(), static_cast<int64_t>(boundaries_.size())};
  }

 private:
  explicit Buckets(std::vector<double> b) : boundaries_(std::move(b)) {}
  std::vector<double> boundaries_;
};

template <typename T>
constexpr T MissingValue() {
  if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::quiet_NaN();
  return T{-1};
}

// out[i] = fn(x[i]) for i < n; where `validity` (an Arrow bitmap, may be null) has bit
// validity_offset + i clear, out[i] = missing.
template <typename In, typename Out, typename Fn>
void MapValues(const Fn& fn, const In* x, int64_t n, Out* out,
               const uint8_t* validity = nullptr, int64_t validity_offset = 0,
               Out missing = MissingValue<Out>()) {
  if (validity == nullptr) {
    for (int64_t i = 0; i < n; ++i) out[i] = fn(x[i]);
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    out[i] = arrow::BitIsSet(validity, validity_offset + i) ? fn(x[i]) : missing;
  }
}

// Applies fn to the numeric leaf values of an Arrow array (the values a list array covers),
// writing leaves.count outputs. `op` names the mapper in errors.
template <typename Out, typename Fn>
Status MapLeaves(const char* op, const arrow::LeafRange& leaves, const Fn& fn, Out* out) {
  const arrow::ArrayView& leaf = *leaves.leaf;
  const uint8_t* validity = leaf.validity;
  const int64_t bit = leaf.offset + leaves.begin;
  switch (leaf.type) {
    case arrow::Type::kInt64:
      MapValues(fn, leaf.Values<int64_t>() + leaves.begin, leaves.count, out, validity, bit);
      return Status::OK();
    case arrow::Type::kFloat:
      MapValues(fn, leaf.Values<float>() + leaves.begin, leaves.count, out, validity, bit);
      return Status::OK();
    case arrow::Type::kDouble:
      MapValues(fn, leaf.Values<double>() + leaves.begin, leaves.count, out, validity, bit);
      return Status::OK();
    default:
      return InvalidArgument(op, " expects int64, float or double values; got ",
                             arrow::TypeName(leaf.type));
  }
}

}  // namespace transform
}  // namespace tfx_core

#endif  // TFX_CORE_TRANSFORM_MAPPERS_H_
