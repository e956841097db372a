#include "tfx_core/transform/mappers.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core {
namespace transform {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ZScoreTest, ScalesFloatsInFloat) {
  auto z = ZScore::Create(2.0, 4.0);
  ASSERT_TRUE(z.ok());
  const std::vector<float> x = {2.0f, 6.0f, -2.0f, NAN};
  std::vector<float> out(x.size());
  MapValues(z->Fn<float>(), x.data(), 4, out.data());
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 1.0f);
  EXPECT_EQ(out[2], -1.0f);
  EXPECT_TRUE(std::isnan(out[3]));
}

TEST(ZScoreTest, NullsBecomeNaN) {
  auto z = ZScore::Create(0.0, 2.0);
  const std::vector<int64_t> x = {2, 4, 6};
  const uint8_t validity = 0b101;
  std::vector<float> out(3);
  MapValues(z->Fn<float>(), x.data(), 3, out.data(), &validity, 0);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_TRUE(std::isnan(out[1]));
  EXPECT_EQ(out[2], 3.0f);
}

TEST(ZScoreTest, RejectsDegenerateStddev) {
  for (double bad : {0.0, -1.0, kNaN, kInf}) {
    auto z = ZScore::Create(0.0, bad);
    ASSERT_FALSE(z.ok()) << bad;
    EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(z.status().message().find("stddev must be finite and > 0"), std::string::npos);
  }
  EXPECT_FALSE(ZScore::Create(kNaN, 1.0).ok());
}

TEST(ZeroOneTest, ScalesIntoUnitInterval) {
  auto s = ZeroOne::Create(10.0, 20.0);
  ASSERT_TRUE(s.ok());
  const std::vector<double> x = {10, 15, 20, 30};
  std::vector<double> out(4);
  MapValues(s->Fn<double>(), x.data(), 4, out.data());
  EXPECT_EQ(out, (std::vector<double>{0.0, 0.5, 1.0, 2.0}));
}

TEST(ZeroOneTest, RejectsEmptyOrInvertedRange) {
  EXPECT_FALSE(ZeroOne::Create(1.0, 1.0).ok());
  EXPECT_FALSE(ZeroOne::Create(2.0, 1.0).ok());
  EXPECT_FALSE(ZeroOne::Create(0.0, kInf).ok());
}

TEST(BucketsTest, MatchesSearchsortedRight) {
  auto b = Buckets::Create({0.0, 1.0, 2.5});
  ASSERT_TRUE(b.ok());
  const std::vector<double> x = {-1.0, 0.0, 0.5, 1.0, 2.4, 2.5, 100.0, -kInf, kInf, kNaN};
  std::vector<int64_t> out(x.size());
  MapValues(b->Fn(), x.data(), static_cast<int64_t>(x.size()), out.data());
  EXPECT_EQ(out, (std::vector<int64_t>{0, 1, 1, 2, 2, 3, 3, 0, 3, 3}));  // NaN: the last, as TFT.
}

TEST(BucketsTest, AgreesWithLinearScanForEverySize) {
  for (int n = 0; n < 40; ++n) {
    std::vector<double> boundaries;
    for (int i = 0; i < n; ++i) boundaries.push_back(i * 2.0);
    auto b = Buckets::Create(boundaries);
    ASSERT_TRUE(b.ok());
    for (double v = -1.5; v < 2 * n + 1; v += 0.5) {
      int64_t expected = 0;
      while (expected < n && boundaries[expected] <= v) ++expected;
      EXPECT_EQ(b->Fn()(v), expected) << "n=" << n << " v=" << v;
    }
  }
}

TEST(BucketsTest, IntegersCompareAsDoubles) {
  auto b = Buckets::Create({10.0, 20.0});
  const std::vector<int64_t> x = {9, 10, 19, 20, 21};
  std::vector<int64_t> out(5);
  MapValues(b->Fn(), x.data(), 5, out.data());
  EXPECT_EQ(out, (std::vector<int64_t>{0, 1, 1, 2, 2}));
}

TEST(BucketsTest, RejectsUnsortedAndNaNBoundaries) {
  auto unsorted = Buckets::Create({1.0, 3.0, 2.0});
  ASSERT_FALSE(unsorted.ok());
  EXPECT_NE(unsorted.status().message().find("boundary 2 (2) follows 3"), std::string::npos);
  auto repeated = Buckets::Create({1.0, 1.0, 2.0});  // Repeats are TFT's; x = 1 is in bucket 2.
  ASSERT_TRUE(repeated.ok());
  const double one = 1.0;
  int64_t id;
  MapValues(repeated->Fn(), &one, 1, &id);
  EXPECT_EQ(id, 2);
  EXPECT_FALSE(Buckets::Create({kNaN}).ok());
  EXPECT_TRUE(Buckets::Create({-kInf, 0.0, kInf}).ok());
}

}  // namespace
}  // namespace transform
}  // namespace tfx_core
