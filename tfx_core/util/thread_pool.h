// ThreadPool: the one process-wide, bounded set of worker threads every kernel runs on.
//
// Kernels are called from many threads at once (Beam workers, the runner's node threads, a
// model server's request threads). Spawning threads per call would multiply with each of
// those and oversubscribe the cores; here every call shares the same workers, and the calling
// thread works on its own job too, so a call always progresses even when every worker is busy.
// A job started from inside a worker runs inline (nested parallelism never deadlocks or adds
// threads).
//
// Size: TFX_CORE_NUM_THREADS if set, else the cores this process may run on (its CPU
// affinity), counting the calling thread; SetNumThreads changes it for later jobs.
#ifndef TFX_CORE_UTIL_THREAD_POOL_H_
#define TFX_CORE_UTIL_THREAD_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tfx_core {

class ThreadPool {
 public:
  // `parallelism` threads work on a job: parallelism - 1 workers plus the caller.
  explicit ThreadPool(int parallelism);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int parallelism() const { return parallelism_; }

  // fn(i) for every i in [0, n), indices handed out one at a time, on the workers and the
  // calling thread; returns when all are done. fn must be safe to call concurrently. If fn
  // throws, the other indices still run, then the first exception is rethrown here.
  void ForEach(size_t n, const std::function<void(size_t)>& fn);

  // The process's pool (created on first use).
  static std::shared_ptr<ThreadPool> Global();
  // Replaces the process's pool for jobs started from now on (running jobs finish on theirs).
  static void SetNumThreads(int parallelism);
  // TFX_CORE_NUM_THREADS, else the number of CPUs in this process's affinity mask.
  static int DefaultNumThreads();

 private:
  struct Job;
  void WorkerLoop();
  static void Work(Job& job);

  const int parallelism_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace tfx_core

#endif  // TFX_CORE_UTIL_THREAD_POOL_H_
