#include "tfx_core/sketches/kll.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tfx_core/sketches/bytes.h"

namespace tfx_core {
namespace {

// The stated bound on the normalized rank error at k = 200 for batches (sampler included).
constexpr double kBound = 0.022;

// The estimated q-quantile must lie between the exact values of ranks q - kBound and q + kBound.
void ExpectWithinBound(const KllSketch& sketch, std::vector<double> data) {
  std::sort(data.begin(), data.end());
  const double n = static_cast<double>(data.size());
  for (double q = 0.01; q < 1.0; q += 0.01) {
    const double estimate = sketch.Quantile(q);
    const double below = std::lower_bound(data.begin(), data.end(), estimate) - data.begin();
    const double at_or_below = std::upper_bound(data.begin(), data.end(), estimate) - data.begin();
    EXPECT_LE(below / n, q + kBound) << "q=" << q << " estimate=" << estimate;
    EXPECT_GE(at_or_below / n, q - kBound) << "q=" << q << " estimate=" << estimate;
    EXPECT_NEAR(sketch.Rank(estimate), at_or_below / n, kBound) << "q=" << q;
  }
  EXPECT_EQ(sketch.min(), data.front());
  EXPECT_EQ(sketch.max(), data.back());
  EXPECT_EQ(sketch.Quantile(0.0), data.front());
  EXPECT_EQ(sketch.Quantile(1.0), data.back());
  EXPECT_EQ(sketch.count(), data.size());
}

KllSketch Build(const std::vector<double>& data) {
  KllSketch sketch;
  sketch.Update(data.data(), static_cast<int64_t>(data.size()));
  return sketch;
}

TEST(KllSketchTest, EmptyAndNaN) {
  KllSketch sketch;
  EXPECT_TRUE(std::isnan(sketch.Quantile(0.5)));
  EXPECT_TRUE(std::isnan(sketch.Rank(1.0)));
  sketch.Update(std::nan(""));
  EXPECT_TRUE(sketch.empty());
  sketch.Update(3.0);
  EXPECT_EQ(sketch.count(), 1u);
  EXPECT_EQ(sketch.Quantile(0.5), 3.0);
}

TEST(KllSketchTest, ExactWhileSmall) {
  std::vector<double> data;
  for (int i = 0; i < 150; ++i) data.push_back((i * 37) % 150);
  KllSketch sketch = Build(data);
  std::sort(data.begin(), data.end());
  for (double q : {0.1, 0.25, 0.5, 0.9}) {
    EXPECT_EQ(sketch.Quantile(q), data[static_cast<size_t>(std::ceil(q * 150)) - 1]) << q;
  }
}

TEST(KllSketchTest, AdversarialInputsStayWithinBound) {
  const int n = 1000000;
  std::vector<double> ascending(n), descending(n), constant(n, 7.5), duplicates(n), normal(n);
  std::mt19937_64 rng(42);
  std::normal_distribution<double> gaussian(10.0, 3.0);
  std::geometric_distribution<int> few_values(0.5);
  for (int i = 0; i < n; ++i) {
    ascending[i] = i;
    descending[i] = n - i;
    duplicates[i] = std::min(few_values(rng), 5);
    normal[i] = gaussian(rng);
  }
  for (const auto* data : {&ascending, &descending, &constant, &duplicates, &normal}) {
    KllSketch sketch = Build(*data);
    ExpectWithinBound(sketch, *data);
    EXPECT_LT(sketch.num_retained(), 1000u);  // O(k), not O(n).
  }
}

TEST(KllSketchTest, StreamedBatchesAndSingleValuesStayWithinBound) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> heavy_tail(0.0, 2.0);
  std::vector<double> data(2000000);
  for (double& v : data) v = heavy_tail(rng);
  KllSketch batched, one_by_one;
  for (size_t begin = 0; begin < data.size(); begin += 65536) {
    batched.Update(data.data() + begin, std::min<int64_t>(65536, data.size() - begin));
  }
  for (size_t i = 0; i < 300000; ++i) one_by_one.Update(data[i]);
  ExpectWithinBound(batched, data);
  ExpectWithinBound(one_by_one, std::vector<double>(data.begin(), data.begin() + 300000));
}

TEST(KllSketchTest, BatchesIgnoreNaNAndRepeatsAreExact) {
  const double values[] = {std::nan(""), 2.0, -1.0, std::nan(""), 5.0};
  KllSketch sketch;
  sketch.Update(values, 5);
  EXPECT_EQ(sketch.count(), 3u);
  EXPECT_EQ(sketch.min(), -1.0);
  EXPECT_EQ(sketch.max(), 5.0);

  KllSketch repeated;
  repeated.UpdateRepeated(1.0, 1000001);
  repeated.UpdateRepeated(4.0, 3);
  EXPECT_EQ(repeated.count(), 1000004u);
  EXPECT_LT(repeated.num_retained(), 50u);
  EXPECT_EQ(repeated.Quantile(0.5), 1.0);
  EXPECT_EQ(repeated.Ranks({0.5, 1.0, 4.0}), (std::vector<double>{0.0, 1000001.0 / 1000004, 1.0}));
}

TEST(KllSketchTest, MergedPartsAgreeWithOneSketch) {
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> skewed(0.1);
  std::vector<double> data(500000);
  for (double& v : data) v = skewed(rng);
  KllSketch merged;
  for (int part = 0; part < 10; ++part) {
    KllSketch piece(KllSketch::kDefaultK, part + 1);
    piece.Update(data.data() + part * 50000, 50000);
    ASSERT_TRUE(merged.Merge(piece).ok());
  }
  ASSERT_TRUE(merged.Merge(KllSketch()).ok());  // Merging an empty sketch changes nothing.
  ExpectWithinBound(merged, data);
  EXPECT_EQ(merged.Merge(KllSketch(100)).code(), StatusCode::kInvalidArgument);
}

TEST(KllSketchTest, SerializesLosslessly) {
  std::vector<double> data(100000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = std::sin(static_cast<double>(i));
  KllSketch sketch = Build(data);
  auto copy = KllSketch::Deserialize(sketch.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status().message();
  EXPECT_EQ(copy->count(), sketch.count());
  EXPECT_EQ(copy->Quantiles({0.1, 0.5, 0.9}), sketch.Quantiles({0.1, 0.5, 0.9}));
  // Both continue identically (the random state travels with the sketch).
  sketch.Update(data.data(), 1000);
  copy->Update(data.data(), 1000);
  EXPECT_EQ(copy->Serialize(), sketch.Serialize());

  const std::string bytes = sketch.Serialize();
  EXPECT_EQ(KllSketch::Deserialize("nope").status().code(), StatusCode::kInvalidArgument);
  auto truncated = KllSketch::Deserialize(bytes.substr(0, bytes.size() - 3));
  EXPECT_NE(truncated.status().message().find("truncated"), std::string::npos);
  std::string wrong_count = bytes;
  wrong_count[kStateHeaderSize + 12] ^= 1;  // The low byte of n (after k and the random state).
  EXPECT_NE(KllSketch::Deserialize(wrong_count).status().message().find("inconsistent"),
            std::string::npos);
}

}  // namespace
}  // namespace tfx_core
