#include "tfx_core/sketches/weighted_quantiles.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace tfx_core {
namespace {

TEST(WeightedQuantilesTest, ExactWhileSmall) {
  // TFT's testQuantileBucketsWithWeights: x = 1..2999 with weight x / 100, 3 buckets.
  WeightedQuantilesSummary summary(1 << 16);
  for (int x = 1; x < 3000; ++x) summary.Add(x, x / 100.0);
  summary.Add(std::nan(""), 1000);  // Skipped, as are bad weights.
  summary.Add(100000, std::nan(""));
  summary.Add(100000, 0);
  const std::vector<double> q = summary.Quantiles(3);
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], 1);
  EXPECT_EQ(q[1], 1732);
  EXPECT_EQ(q[2], 2449);
  EXPECT_EQ(q[3], 2999);
}

TEST(WeightedQuantilesTest, UnitWeightsPickAsTheUnweightedRule) {
  WeightedQuantilesSummary summary;
  for (int x = 1; x < 10; ++x) summary.Add(x, 1);
  const std::vector<double> q = summary.Quantiles(3);
  EXPECT_EQ(q[1], 4);  // TFT's boundaries of range(1, 10) in 3 buckets: 4 and 7.
  EXPECT_EQ(q[2], 7);
}

TEST(WeightedQuantilesTest, CompressedMergedAndSerializedWithinTheRankError) {
  constexpr int kCapacity = 512;
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> uniform(0, 1);
  WeightedQuantilesSummary a(kCapacity), b(kCapacity);
  for (int i = 0; i < 200000; ++i) (i % 2 ? a : b).Add(uniform(random), 1.0 + (i % 3));
  std::string bytes;
  b.Serialize(&bytes);
  WeightedQuantilesSummary restored;
  size_t pos = 0;
  ASSERT_TRUE(restored.Deserialize(bytes, &pos));
  EXPECT_EQ(pos, bytes.size());
  a.Merge(restored);
  EXPECT_NEAR(a.total_weight(), 399999, 1e-6);  // Weights 1, 2, 3 in turn.
  // Weights independent of the values: the weighted quantiles of U(0, 1) are i / 10.
  const std::vector<double> q = a.Quantiles(10);
  for (int i = 1; i < 10; ++i) EXPECT_NEAR(q[i], i / 10.0, 0.02) << i;
  size_t bad = 0;
  EXPECT_FALSE(restored.Deserialize("x", &bad));
}

}  // namespace
}  // namespace tfx_core
