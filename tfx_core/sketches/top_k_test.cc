#include "tfx_core/sketches/top_k.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core {
namespace {

// Zipf(1.1)-distributed tokens over a vocabulary of `vocabulary` values.
std::vector<std::string> Zipf(int n, int vocabulary, uint64_t seed) {
  std::vector<double> weights(vocabulary);
  for (int i = 0; i < vocabulary; ++i) weights[i] = 1.0 / std::pow(i + 1, 1.1);
  std::discrete_distribution<int> pick(weights.begin(), weights.end());
  std::mt19937_64 rng(seed);
  std::vector<std::string> out(n);
  for (auto& token : out) token = "t" + std::to_string(pick(rng));
  return out;
}

void ExpectBounds(const TopKSketch& sketch, const std::vector<std::string>& data) {
  std::map<std::string, double> exact;
  for (const auto& token : data) exact[token] += 1;
  EXPECT_LE(sketch.max_error(), sketch.total_weight() / (sketch.capacity() + 1));
  const auto top = sketch.Top(10);
  ASSERT_EQ(top.size(), 10u);
  std::vector<std::pair<double, std::string>> truth;
  for (const auto& [token, count] : exact) truth.emplace_back(count, token);
  std::sort(truth.rbegin(), truth.rend());
  for (size_t i = 0; i < top.size(); ++i) {
    EXPECT_EQ(top[i].first, truth[i].second) << i;  // Zipf's head is well separated.
    EXPECT_LE(top[i].second, exact[top[i].first]);
    EXPECT_GE(top[i].second, exact[top[i].first] - sketch.max_error());
  }
}

TEST(TopKSketchTest, ExactWithFewValues) {
  TopKSketch sketch(10);
  for (int i = 0; i < 100; ++i) sketch.Update(i % 3 == 0 ? "a" : (i % 3 == 1 ? "b" : "c"));
  sketch.Update("d", 2.5);
  sketch.Update("ignored", 0.0);
  EXPECT_EQ(sketch.max_error(), 0.0);
  // Ties by descending value, as in TFDV.
  EXPECT_EQ(sketch.Top(2), (std::vector<std::pair<std::string, double>>{{"a", 34}, {"c", 33}}));
  EXPECT_EQ(sketch.Top(10).back(), (std::pair<std::string, double>{"d", 2.5}));
  EXPECT_EQ(sketch.total_weight(), 102.5);
}

TEST(TopKSketchTest, UniqueValuesStayExactUpToTheExactLimit) {
  // More distinct values than counters, each seen once, in two merged halves: every count is
  // still exact, so the top values are the last values in order (TFDV's exact answer).
  const size_t limit = TopKSketch::kExactFactor * 100;
  TopKSketch a(100), b(100);
  for (size_t i = 0; i < limit; ++i) (i % 2 ? a : b).Update("v" + std::to_string(10000 + i));
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_EQ(a.max_error(), 0.0);
  const auto top = a.Top(3);
  EXPECT_EQ(top, (std::vector<std::pair<std::string, double>>{
                     {"v11599", 1}, {"v11598", 1}, {"v11597", 1}}));
  a.Update("one too many");  // Now the counters are pruned to the capacity.
  EXPECT_EQ(a.max_error(), 1.0);
}

TEST(TopKSketchTest, HeavyHittersOfZipfWithinBound) {
  const auto data = Zipf(1000000, 100000, 3);
  TopKSketch sketch;
  for (const auto& token : data) sketch.Update(token);
  EXPECT_GT(sketch.max_error(), 0.0);  // The vocabulary overflowed the counters.
  ExpectBounds(sketch, data);
}

TEST(TopKSketchTest, MergedPartsKeepTheBound) {
  const auto data = Zipf(400000, 50000, 5);
  TopKSketch merged;
  for (int part = 0; part < 8; ++part) {
    TopKSketch piece;
    for (int i = part * 50000; i < (part + 1) * 50000; ++i) piece.Update(data[i]);
    ASSERT_TRUE(merged.Merge(piece).ok());
  }
  ExpectBounds(merged, data);
  EXPECT_EQ(merged.Merge(TopKSketch(5)).code(), StatusCode::kInvalidArgument);
}

TEST(TopKSketchTest, Serializes) {
  TopKSketch sketch(50);
  for (const auto& token : Zipf(20000, 1000, 9)) sketch.Update(token);
  auto copy = TopKSketch::Deserialize(sketch.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status().message();
  EXPECT_EQ(copy->Top(20), sketch.Top(20));
  EXPECT_EQ(copy->max_error(), sketch.max_error());
  EXPECT_EQ(copy->Serialize(), sketch.Serialize());
  const std::string bytes = sketch.Serialize();
  EXPECT_NE(TopKSketch::Deserialize(bytes.substr(0, bytes.size() - 4))
                .status().message().find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace tfx_core
