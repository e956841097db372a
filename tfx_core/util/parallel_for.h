// ParallelFor: splits [0, n) into contiguous chunks run on up to hardware_concurrency() threads.
//
// For large element-wise kernels, which are memory-bound: more cores fault in and stream more
// pages at once. Small inputs (< min_chunk per thread) run inline on the caller's thread.
// fn(begin, end) must be safe to call concurrently on disjoint ranges.
#ifndef TFX_CORE_UTIL_PARALLEL_FOR_H_
#define TFX_CORE_UTIL_PARALLEL_FOR_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace tfx_core {

template <typename Fn>
void ParallelFor(int64_t n, int64_t min_chunk, const Fn& fn) {
  const int64_t hardware = std::max<int64_t>(1, std::thread::hardware_concurrency());
  const int64_t threads = std::min<int64_t>(hardware, std::max<int64_t>(1, n / min_chunk));
  if (threads <= 1) {
    fn(int64_t{0}, n);
    return;
  }
  const int64_t chunk = (n + threads - 1) / threads;
  std::vector<std::thread> workers;
  workers.reserve(threads - 1);
  for (int64_t t = 1; t < threads; ++t) {
    const int64_t begin = std::min(n, t * chunk);
    const int64_t end = std::min(n, begin + chunk);
    workers.emplace_back([&fn, begin, end] { fn(begin, end); });
  }
  fn(int64_t{0}, std::min(n, chunk));
  for (std::thread& w : workers) w.join();
}

// ParallelForEach: fn(i) for i in [0, n) on up to hardware_concurrency() threads, handing out
// one index at a time. For few tasks of uneven cost (a batch's features: strings cost more than
// floats), where fixed chunks would leave a thread idle.
template <typename Fn>
void ParallelForEach(size_t n, const Fn& fn) {
  const size_t hardware = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::min(n, hardware);
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& w : workers) w.join();
}

}  // namespace tfx_core

#endif  // TFX_CORE_UTIL_PARALLEL_FOR_H_
