#include "tfx_core/util/thread_pool.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <string>

namespace tfx_core {

namespace {

thread_local bool in_worker = false;  // Set on the pool's own threads.

// Heap-allocated and never destroyed (see Global()); replaced in a forked child, which has
// none of the parent's worker threads and may have inherited a held mutex.
std::mutex* global_mutex = new std::mutex();
std::shared_ptr<ThreadPool>* global_slot = new std::shared_ptr<ThreadPool>();

void ResetAfterFork() {
  global_mutex = new std::mutex();
  global_slot = new std::shared_ptr<ThreadPool>();  // The parent's pool is left behind.
}

std::shared_ptr<ThreadPool>& GlobalSlot() {
  static const int registered = pthread_atfork(nullptr, nullptr, ResetAfterFork);
  (void)registered;
  return *global_slot;
}

}  // namespace

struct ThreadPool::Job {
  const std::function<void(size_t)>* fn;
  size_t n;
  std::atomic<size_t> next{0};
  std::atomic<size_t> finished{0};
  std::mutex mutex;
  std::condition_variable all_done;
  std::exception_ptr error;  // The first exception fn threw (under mutex); rethrown to the caller.
};

ThreadPool::ThreadPool(int parallelism) : parallelism_(std::max(1, parallelism)) {
  workers_.reserve(parallelism_ - 1);
  for (int i = 1; i < parallelism_; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadPool::Work(Job& job) {
  for (size_t i = job.next++; i < job.n; i = job.next++) {
    try {
      (*job.fn)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(job.mutex);
      if (!job.error) job.error = std::current_exception();
    }
    if (++job.finished == job.n) {
      std::lock_guard<std::mutex> lock(job.mutex);
      job.all_done.notify_all();
    }
  }
}

void ThreadPool::WorkerLoop() {
  in_worker = true;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // Stopping, and nothing left to help with.
    std::shared_ptr<Job> job = queue_.front();
    if (job->next.load() >= job->n) {  // Every index is taken: nothing for us here.
      queue_.pop_front();
      continue;
    }
    lock.unlock();
    Work(*job);
    lock.lock();
  }
}

void ThreadPool::ForEach(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (n == 1 || parallelism_ == 1 || in_worker) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->n = n;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(job);
  }
  const size_t helpers = std::min<size_t>(n - 1, workers_.size());
  for (size_t i = 0; i < helpers; ++i) wake_.notify_one();
  Work(*job);
  std::unique_lock<std::mutex> lock(job->mutex);
  job->all_done.wait(lock, [&] { return job->finished.load() == job->n; });
  // Every index has run (or thrown) before fn's owner may go away; then the first error.
  if (job->error) std::rethrow_exception(job->error);
}

int ThreadPool::DefaultNumThreads() {
  if (const char* setting = std::getenv("TFX_CORE_NUM_THREADS")) {
    const int n = std::atoi(setting);
    if (n > 0) return n;
  }
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0) return std::max(1, CPU_COUNT(&mask));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::shared_ptr<ThreadPool> ThreadPool::Global() {
  // The slot is leaked on purpose: joining workers from a static destructor at exit, after
  // other statics they may touch are gone, is a classic shutdown crash.
  std::shared_ptr<ThreadPool>& slot = GlobalSlot();  // Registers the fork handler first.
  std::lock_guard<std::mutex> lock(*global_mutex);
  if (!slot) slot = std::make_shared<ThreadPool>(DefaultNumThreads());
  return slot;
}

void ThreadPool::SetNumThreads(int parallelism) {
  auto pool = std::make_shared<ThreadPool>(parallelism);
  std::shared_ptr<ThreadPool> old;
  {
    std::shared_ptr<ThreadPool>& slot = GlobalSlot();
    std::lock_guard<std::mutex> lock(*global_mutex);
    old = slot;
    slot = pool;
  }
  // `old` is released here; jobs still running on it hold their own reference.
}

}  // namespace tfx_core
