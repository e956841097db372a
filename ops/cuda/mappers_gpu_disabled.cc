// The CPU-only build of mappers_gpu.h: every call reports that CUDA is not compiled in.
#include "ops/cuda/mappers_gpu.h"

namespace tfx_core {
namespace cuda {
namespace {
Status NotBuilt() {
  return Unavailable("tfx_core was built without CUDA; rebuild with `bazel build --config=cuda`");
}
}  // namespace

bool Built() { return false; }
StatusOr<int> DeviceCount() { return NotBuilt(); }
Status ScaleToZScore(const transform::ZScore&, DenseValues, void*) { return NotBuilt(); }
Status ScaleTo01(const transform::ZeroOne&, DenseValues, void*) { return NotBuilt(); }
Status Bucketize(const transform::Buckets&, DenseValues, int64_t*) { return NotBuilt(); }

}  // namespace cuda
}  // namespace tfx_core
