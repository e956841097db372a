// CUDA kernels for the numeric mappers (see mappers_gpu.h).
#include <cuda_runtime.h>

#include <memory>

#include "ops/cuda/mappers_gpu.h"

namespace tfx_core {
namespace cuda {
namespace {

Status Check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return Status::OK();
  const bool no_device = err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver;
  return Status(no_device ? StatusCode::kUnavailable : StatusCode::kInternal,
                StrCat("CUDA ", what, ": ", cudaGetErrorString(err)));
}

struct DeviceFree {
  void operator()(void* p) const { cudaFree(p); }
};
using DeviceBuffer = std::unique_ptr<void, DeviceFree>;

StatusOr<DeviceBuffer> Allocate(size_t bytes) {
  void* p = nullptr;
  TFX_RETURN_IF_ERROR(Check(cudaMalloc(&p, bytes > 0 ? bytes : 1), "malloc"));
  return DeviceBuffer(p);
}

template <typename In, typename Out, typename Fn>
__global__ void MapKernel(Fn fn, const In* x, int64_t n, Out* out) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[i] = fn(x[i]);
  }
}

template <typename In, typename Out, typename Fn>
Status Map(const Fn& fn, const In* x, int64_t n, Out* out) {
  if (n == 0) return Status::OK();
  TFX_ASSIGN_OR_RETURN(DeviceBuffer d_x, Allocate(n * sizeof(In)));
  TFX_ASSIGN_OR_RETURN(DeviceBuffer d_out, Allocate(n * sizeof(Out)));
  TFX_RETURN_IF_ERROR(Check(cudaMemcpy(d_x.get(), x, n * sizeof(In), cudaMemcpyHostToDevice), "copy in"));
  const int threads = 256;
  const int64_t blocks = std::min<int64_t>((n + threads - 1) / threads, 65535);
  MapKernel<<<static_cast<int>(blocks), threads>>>(fn, static_cast<const In*>(d_x.get()), n,
                                                  static_cast<Out*>(d_out.get()));
  TFX_RETURN_IF_ERROR(Check(cudaGetLastError(), "kernel launch"));
  return Check(cudaMemcpy(out, d_out.get(), n * sizeof(Out), cudaMemcpyDeviceToHost), "copy out");
}

// Dispatches on the input dtype; Out follows tensorflow_transform (float64 only for float64).
template <typename Params>
Status MapScaled(const Params& params, DenseValues x, void* out) {
  switch (x.dtype) {
    case DType::kInt64:
      return Map(params.template Fn<float>(), static_cast<const int64_t*>(x.data), x.size, static_cast<float*>(out));
    case DType::kFloat32:
      return Map(params.template Fn<float>(), static_cast<const float*>(x.data), x.size, static_cast<float*>(out));
    case DType::kFloat64:
      return Map(params.template Fn<double>(), static_cast<const double*>(x.data), x.size, static_cast<double*>(out));
  }
  return InvalidArgument("unknown dtype");
}

}  // namespace

bool Built() { return true; }

StatusOr<int> DeviceCount() {
  int count = 0;
  TFX_RETURN_IF_ERROR(Check(cudaGetDeviceCount(&count), "device count"));
  if (count == 0) return Unavailable("no CUDA device");
  return count;
}

Status ScaleToZScore(const transform::ZScore& params, DenseValues x, void* out) {
  return MapScaled(params, x, out);
}

Status ScaleTo01(const transform::ZeroOne& params, DenseValues x, void* out) {
  return MapScaled(params, x, out);
}

Status Bucketize(const transform::Buckets& params, DenseValues x, int64_t* out) {
  const auto& b = params.boundaries();
  TFX_ASSIGN_OR_RETURN(DeviceBuffer d_b, Allocate(b.size() * sizeof(double)));
  TFX_RETURN_IF_ERROR(Check(cudaMemcpy(d_b.get(), b.data(), b.size() * sizeof(double),
                                       cudaMemcpyHostToDevice), "copy boundaries"));
  const transform::BucketizeFn fn{static_cast<const double*>(d_b.get()), static_cast<int64_t>(b.size())};
  switch (x.dtype) {
    case DType::kInt64: return Map(fn, static_cast<const int64_t*>(x.data), x.size, out);
    case DType::kFloat32: return Map(fn, static_cast<const float*>(x.data), x.size, out);
    case DType::kFloat64: return Map(fn, static_cast<const double*>(x.data), x.size, out);
  }
  return InvalidArgument("unknown dtype");
}

}  // namespace cuda
}  // namespace tfx_core
