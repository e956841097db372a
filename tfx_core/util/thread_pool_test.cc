#include "tfx_core/util/thread_pool.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core {
namespace {

TEST(ThreadPoolTest, EveryIndexOnce) {
  ThreadPool pool(4);
  for (size_t n : {0, 1, 2, 7, 1000, 100003}) {
    std::vector<std::atomic<int>> hits(n);
    pool.ForEach(n, [&](size_t i) { hits[i]++; });
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(ThreadPoolTest, NeverMoreThreadsThanItsSize) {
  ThreadPool pool(3);
  std::mutex mutex;
  std::set<std::thread::id> seen;
  pool.ForEach(2000, [&](size_t) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.insert(std::this_thread::get_id());
  });
  EXPECT_LE(seen.size(), 3u);  // Two workers and the caller.
}

TEST(ThreadPoolTest, ManyCallersShareTheWorkers) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 8; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) pool.ForEach(100, [&](size_t i) { sum += i; });
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(sum.load(), 8 * 50 * 4950);
}

TEST(ThreadPoolTest, NestedJobsRunInlineWithoutDeadlock) {
  ThreadPool pool(2);
  std::atomic<int> inner{0};
  pool.ForEach(16, [&](size_t) { pool.ForEach(16, [&](size_t) { inner++; }); });
  EXPECT_EQ(inner.load(), 256);
}

TEST(ThreadPoolTest, AnExceptionReachesTheCallerAfterEveryIndexRan) {
  ThreadPool pool(3);
  std::atomic<int> ran{0};
  EXPECT_THROW(pool.ForEach(100, [&](size_t i) {
    ran++;
    if (i % 10 == 3) throw std::runtime_error("bad index");
  }), std::runtime_error);
  EXPECT_EQ(ran.load(), 100);
  pool.ForEach(10, [&](size_t) { ran++; });  // The pool still works.
  EXPECT_EQ(ran.load(), 110);
}

TEST(ThreadPoolTest, AForkedChildGetsAPoolOfItsOwn) {
  ThreadPool::SetNumThreads(2);
  ThreadPool::Global()->ForEach(10, [](size_t) {});
  const pid_t child = fork();
  if (child == 0) {
    std::atomic<int> ran{0};
    ThreadPool::Global()->ForEach(50, [&](size_t) { ran++; });
    _exit(ran.load() == 50 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ThreadPoolTest, GlobalSizeFollowsTheSetting) {
  ThreadPool::SetNumThreads(3);
  EXPECT_EQ(ThreadPool::Global()->parallelism(), 3);
  ThreadPool::SetNumThreads(1);
  EXPECT_EQ(ThreadPool::Global()->parallelism(), 1);
  setenv("TFX_CORE_NUM_THREADS", "5", 1);
  EXPECT_EQ(ThreadPool::DefaultNumThreads(), 5);
  unsetenv("TFX_CORE_NUM_THREADS");
  EXPECT_GE(ThreadPool::DefaultNumThreads(), 1);
}

}  // namespace
}  // namespace tfx_core
