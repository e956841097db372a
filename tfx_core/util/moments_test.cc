#include "tfx_core/util/moments.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core {
namespace {

Moments Of(const std::vector<double>& xs) {
  Moments m;
  for (double x : xs) m.Merge(Moments{1.0, x, 0.0});
  return m;
}

TEST(MomentsTest, AnySplitGivesTheExactMoments) {
  const std::vector<double> all = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const Moments whole = Of(all);
  EXPECT_DOUBLE_EQ(whole.mean, 5.5);
  EXPECT_DOUBLE_EQ(whole.Variance(), 8.25);
  for (size_t cut = 0; cut <= all.size(); ++cut) {
    Moments left = Of({all.begin(), all.begin() + cut});
    left.Merge(Of({all.begin() + cut, all.end()}));
    EXPECT_DOUBLE_EQ(left.weight, 10.0);
    EXPECT_NEAR(left.mean, 5.5, 1e-15);
    EXPECT_NEAR(left.Variance(), 8.25, 1e-13);
  }
}

TEST(MomentsTest, IntegerCountsAndLargeOffsets) {
  int64_t count = 2;
  double mean = 1e15 + 1, m2 = 2;  // {1e15, 1e15 + 2}
  CombineMoments<int64_t>(&count, &mean, &m2, 2, 1e15 + 3, 2);  // {1e15 + 2, 1e15 + 4}
  EXPECT_EQ(count, 4);
  EXPECT_EQ(mean, 1e15 + 2);
  EXPECT_DOUBLE_EQ(m2 / count, 2.0);  // Population variance of {0, 2, 2, 4}.
  CombineMoments<int64_t>(&count, &mean, &m2, 0, 123.0, 456.0);  // Empty: no change.
  EXPECT_EQ(count, 4);
  Moments empty;
  empty.Merge(Moments{});
  EXPECT_EQ(empty.Variance(), 0.0);
}

}  // namespace
}  // namespace tfx_core
