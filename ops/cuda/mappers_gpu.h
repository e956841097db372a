// CUDA implementations of the numeric mappers, running the same functors as the CPU
// (tfx_core/transform/mapper_functors.h), so results are bit-identical.
//
// Built by --config=cuda (mappers_gpu.cu.cc, cudart linked statically); otherwise
// mappers_gpu_disabled.cc answers every call with Unavailable. Either way the caller's process
// loads and runs without a GPU or driver: a missing device is reported at call time.
// Each call copies the input to the device, runs one kernel and copies the result back.
#ifndef TFX_CORE_OPS_CUDA_MAPPERS_GPU_H_
#define TFX_CORE_OPS_CUDA_MAPPERS_GPU_H_

#include <cstdint>

#include "tfx_core/transform/mappers.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace cuda {

enum class DType { kInt64, kFloat32, kFloat64 };

struct DenseValues {
  DType dtype;
  const void* data;
  int64_t size;
};

// True if this build contains the CUDA kernels.
bool Built();
// Number of usable GPUs; Unavailable (with the driver's reason) if none.
StatusOr<int> DeviceCount();

// `out` holds x.size values of the mapper's output type: float64 for float64 input, else float32.
Status ScaleToZScore(const transform::ZScore& params, DenseValues x, void* out);
Status ScaleTo01(const transform::ZeroOne& params, DenseValues x, void* out);
Status Bucketize(const transform::Buckets& params, DenseValues x, int64_t* out);

}  // namespace cuda
}  // namespace tfx_core

#endif  // TFX_CORE_OPS_CUDA_MAPPERS_GPU_H_
