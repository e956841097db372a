#include "tfx_core/transform/mappers.h"

#include <cmath>
#include <utility>

namespace tfx_core {
namespace transform {

StatusOr<ZScore> ZScore::Create(double mean, double stddev) {
  if (!std::isfinite(mean)) return InvalidArgument("scale_to_z_score: mean must be finite, got ", mean);
  if (!(stddev > 0) || !std::isfinite(stddev)) {
    return InvalidArgument("scale_to_z_score: stddev must be finite and > 0, got ", stddev,
                           " (a constant or empty feature has no spread to scale by)");
  }
  return ZScore(mean, stddev);
}

StatusOr<ZeroOne> ZeroOne::Create(double min, double max) {
  if (!std::isfinite(min) || !std::isfinite(max)) {
    return InvalidArgument("scale_to_0_1: min and max must be finite, got [", min, ", ", max, "]");
  }
  if (!(max > min)) {
    return InvalidArgument("scale_to_0_1: max must be greater than min, got [", min, ", ", max,
                           "] (a constant feature has no range to scale by)");
  }
  return ZeroOne(min, max);
}

StatusOr<Buckets> Buckets::Create(std::vector<double> boundaries) {
  for (size_t i = 0; i < boundaries.size(); ++i) {
    if (std::isnan(boundaries[i])) {
      return InvalidArgument("bucketize: boundary ", i, " is NaN");
    }
    if (i > 0 && !(boundaries[i - 1] <= boundaries[i])) {
      return InvalidArgument("bucketize: boundaries must be sorted (non-decreasing), but boundary ", i,
                             " (", boundaries[i], ") follows ", boundaries[i - 1]);
    }
  }
  return Buckets(std::move(boundaries));
}

}  // namespace transform
}  // namespace tfx_core
