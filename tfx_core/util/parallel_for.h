// ParallelFor / ParallelForEach: the kernels' ways onto the process-wide ThreadPool.
//
// ParallelFor splits [0, n) into contiguous chunks, one per thread of the pool, for large
// element-wise kernels, which are memory-bound: more cores fault in and stream more pages at
// once. Small inputs (< min_chunk per thread) run inline on the caller's thread.
// fn(begin, end) must be safe to call concurrently on disjoint ranges.
#ifndef TFX_CORE_UTIL_PARALLEL_FOR_H_
#define TFX_CORE_UTIL_PARALLEL_FOR_H_

#include <algorithm>
#include <cstdint>
#include <functional>

#include "tfx_core/util/thread_pool.h"

namespace tfx_core {

template <typename Fn>
void ParallelFor(int64_t n, int64_t min_chunk, const Fn& fn) {
  const auto pool = ThreadPool::Global();
  const int64_t chunks = std::min<int64_t>(pool->parallelism(),
                                           std::max<int64_t>(1, n / std::max<int64_t>(1, min_chunk)));
  if (chunks <= 1) {
    fn(int64_t{0}, n);
    return;
  }
  const int64_t chunk = (n + chunks - 1) / chunks;
  pool->ForEach(static_cast<size_t>(chunks), [&](size_t c) {
    const int64_t begin = std::min(n, static_cast<int64_t>(c) * chunk);
    fn(begin, std::min(n, begin + chunk));
  });
}

// fn(i) for i in [0, n), one index at a time: for few tasks of uneven cost (a batch's
// features: strings cost more than floats), where fixed chunks would leave a thread idle.
template <typename Fn>
void ParallelForEach(size_t n, const Fn& fn) {
  const std::function<void(size_t)> task = [&fn](size_t i) { fn(i); };
  ThreadPool::Global()->ForEach(n, task);
}

}  // namespace tfx_core

#endif  // TFX_CORE_UTIL_PARALLEL_FOR_H_
