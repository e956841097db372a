#include "tfx_core/util/parallel_for.h"

#include <atomic>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core {
namespace {

TEST(ParallelForTest, CoversEveryIndexExactlyOnce) {
  for (int64_t n : {0, 1, 7, 1000, 1000003}) {
    std::vector<std::atomic<int>> hits(n);
    ParallelFor(n, 100, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) hits[i]++;
    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

TEST(ParallelForTest, SmallInputsRunInline) {
  int calls = 0;  // Not atomic: a second thread would be a data race caught by tsan/asan runs.
  ParallelFor(50, 100, [&](int64_t begin, int64_t end) {
    ++calls;
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 50);
  });
  EXPECT_EQ(calls, 1);
}

TEST(ParallelForTest, ForEachCoversEveryIndexExactlyOnce) {
  for (size_t n : {0, 1, 3, 20, 1000}) {
    std::vector<std::atomic<int>> hits(n);
    ParallelForEach(n, [&](size_t i) { hits[i]++; });
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n=" << n << " i=" << i;
  }
}

}  // namespace
}  // namespace tfx_core
