// The one place that differs between host and CUDA compilation: functors shared by the CPU
// loops and the CUDA kernels are marked TFX_CORE_HOST_DEVICE, so both run the same arithmetic.
#ifndef TFX_CORE_UTIL_HOST_DEVICE_H_
#define TFX_CORE_UTIL_HOST_DEVICE_H_

#ifdef __CUDACC__
#define TFX_CORE_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define TFX_CORE_HOST_DEVICE inline
#endif

#endif  // TFX_CORE_UTIL_HOST_DEVICE_H_
