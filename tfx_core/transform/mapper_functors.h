// Element-wise arithmetic of the numeric mappers, shared verbatim by the CPU loops
// (mappers.h), the TensorFlow kernels and the CUDA kernels, so every path computes the same
// bits. Each functor maps one input value (int64, float or double) to one output value.
#ifndef TFX_CORE_TRANSFORM_MAPPER_FUNCTORS_H_
#define TFX_CORE_TRANSFORM_MAPPER_FUNCTORS_H_

#include <cstdint>

#include "tfx_core/util/host_device.h"

namespace tfx_core {
namespace transform {

// A NaN input comes out as itself (finite parameters make NaN from other inputs impossible).
// CPUs propagate the input NaN through arithmetic (IEEE 754's recommendation); NVIDIA GPUs
// return their own canonical NaN instead, so device code passes the input on explicitly and
// every path writes the same bits. Host code needs no select (it would slow the loop).
template <typename Out>
TFX_CORE_HOST_DEVICE Out KeepNaN(Out v, Out y) {
#if defined(__CUDA_ARCH__)
  return v != v ? v : y;
#else
  (void)v;
  return y;
#endif
}

// (x - mean) / stddev, computed in Out (float for int64/float input, double for double).
template <typename Out>
struct ZScoreFn {
  Out mean;
  Out stddev;
  template <typename In>
  TFX_CORE_HOST_DEVICE Out operator()(In x) const {
    const Out v = static_cast<Out>(x);
    return KeepNaN(v, (v - mean) / stddev);
  }
};

// (x - min) / (max - min), computed in Out.
template <typename Out>
struct ZeroOneFn {
  Out min;
  Out range;  // max - min, computed in Out.
  template <typename In>
  TFX_CORE_HOST_DEVICE Out operator()(In x) const {
    const Out v = static_cast<Out>(x);
    return KeepNaN(v, (v - min) / range);
  }
};

// Index of the bucket holding x: the number of boundaries <= x (numpy's
// searchsorted(boundaries, x, side="right"); TFT's BoostedTreesBucketize), and for NaN the last
// bucket, n, as in TFT. Boundaries are non-decreasing (TFT's quantiles repeat a boundary where
// the data repeats a value). The search is branch-free (a fixed number of halvings for a given n), so it costs
// the same whatever the data and pipelines well across independent values.
struct BucketizeFn {
  const double* boundaries;
  int64_t n;
  template <typename In>
  TFX_CORE_HOST_DEVICE int64_t operator()(In x) const {
    const double v = static_cast<double>(x);
    if (v != v) return n;
    if (n == 0) return 0;
    const double* base = boundaries;
    int64_t len = n;
    while (len > 1) {
      const int64_t half = len >> 1;
      base = (base[half] <= v) ? base + half : base;
      len -= half;
    }
    return (base - boundaries) + (*base <= v);
  }
};

}  // namespace transform
}  // namespace tfx_core

#endif  // TFX_CORE_TRANSFORM_MAPPER_FUNCTORS_H_
