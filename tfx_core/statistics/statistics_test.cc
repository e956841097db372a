#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tfx_core/statistics/dataset_accumulator.h"
#include "tfx_core/statistics/feature_accumulator.h"
#include "tfx_core/arrow/testing.h"

namespace tfx_core {
namespace statistics {
namespace {

using arrow::testing::Doubles;
using arrow::testing::IntLists;
using arrow::testing::Strings;

FeatureResult ResultOf(const FeatureAccumulator& acc) { return acc.Result(ResultOptions()); }

TEST(FeatureAccumulatorTest, NumericStatsAreExact) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> gaussian(5.0, 2.0);
  std::vector<double> values(100000);
  std::vector<bool> valid(values.size());
  double sum = 0.0, lo = 1e300, hi = -1e300;
  int present = 0, zeros = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = i % 97 == 0 ? 0.0 : gaussian(rng);
    valid[i] = i % 20 != 3;
    if (!valid[i]) continue;
    ++present;
    sum += values[i];
    zeros += values[i] == 0.0;
    lo = std::min(lo, values[i]);
    hi = std::max(hi, values[i]);
  }
  const double mean = sum / present;
  double m2 = 0.0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (valid[i]) m2 += (values[i] - mean) * (values[i] - mean);
  }
  auto column = Doubles(values, valid);
  FeatureAccumulator acc;
  ASSERT_TRUE(acc.Add(*column->view, nullptr).ok());
  const FeatureResult r = ResultOf(acc);
  EXPECT_EQ(r.type, FeatureType::kFloat);
  EXPECT_EQ(r.num_non_missing, static_cast<uint64_t>(present));
  EXPECT_EQ(r.num_missing, values.size() - present);
  EXPECT_EQ(r.min_num_values, 1u);
  EXPECT_EQ(r.max_num_values, 1u);
  EXPECT_EQ(r.tot_num_values, static_cast<uint64_t>(present));
  EXPECT_NEAR(r.mean, mean, 1e-12);
  EXPECT_NEAR(r.std_dev, std::sqrt(m2 / present), 1e-12);
  EXPECT_EQ(r.min, lo);
  EXPECT_EQ(r.max, hi);
  EXPECT_EQ(r.num_zeros, static_cast<uint64_t>(zeros));
  EXPECT_NEAR(r.median, 5.0, 0.1);
  ASSERT_EQ(r.standard_histogram.size(), 10u);
  ASSERT_EQ(r.quantiles_histogram.size(), 10u);
  double histogram_total = 0.0;
  for (const Bucket& b : r.standard_histogram) histogram_total += b.count;
  EXPECT_NEAR(histogram_total, present, 1e-6);
  EXPECT_EQ(r.standard_histogram.front().low, lo);
  EXPECT_EQ(r.standard_histogram.back().high, hi);
  EXPECT_EQ(r.quantiles_histogram.front().low, lo);
  EXPECT_NEAR(r.quantiles_histogram[0].count, present / 10.0, 1e-9);
}

TEST(FeatureAccumulatorTest, NaNAndInfinitiesAreCountedApart) {
  auto column = Doubles({1.0, std::nan(""), INFINITY, 3.0, -INFINITY, 0.0});
  FeatureAccumulator acc;
  ASSERT_TRUE(acc.Add(*column->view, nullptr).ok());
  const FeatureResult r = ResultOf(acc);
  EXPECT_EQ(r.num_nan, 1u);
  EXPECT_EQ(r.num_pos_inf, 1u);
  EXPECT_EQ(r.num_neg_inf, 1u);
  EXPECT_EQ(r.num_zeros, 1u);
  EXPECT_EQ(r.min, -INFINITY);
  EXPECT_EQ(r.max, INFINITY);
  EXPECT_TRUE(std::isnan(r.mean));  // +inf and -inf.
  auto finite = Doubles({1.0, 3.0, std::nan("")});
  FeatureAccumulator only_nan;
  ASSERT_TRUE(only_nan.Add(*finite->view, nullptr).ok());
  EXPECT_EQ(ResultOf(only_nan).mean, 2.0);
  EXPECT_EQ(ResultOf(only_nan).std_dev, 1.0);
}

TEST(FeatureAccumulatorTest, StdOfLargeOffsetsIsExact) {
  // 2^53 + U(0, 1000) in one batch: a plain sum loses the low digits of the mean, which then
  // inflates the squared deviations. Exact moments of these whole numbers, in 128-bit integers.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> small(0, 1000);
  std::vector<double> values(100000);
  __int128 sum = 0;
  for (double& v : values) {
    v = static_cast<double>((int64_t{1} << 53) + small(rng));  // Whole numbers, as doubles.
    sum += static_cast<__int128>(v) - (__int128{1} << 53);
  }
  const double n = static_cast<double>(values.size());
  const double mean = static_cast<double>(sum) / n;
  double m2 = 0.0;
  for (double v : values) {
    const double d = static_cast<double>(static_cast<__int128>(v) - (__int128{1} << 53)) - mean;
    m2 += d * d;
  }
  auto column = Doubles(values);
  FeatureAccumulator acc;
  ASSERT_TRUE(acc.Add(*column->view, nullptr).ok());
  const FeatureResult r = ResultOf(acc);
  EXPECT_NEAR(r.std_dev, std::sqrt(m2 / n), 1e-6 * std::sqrt(m2 / n));
  EXPECT_NEAR(r.mean - 9007199254740992.0, mean, 1.0);  // Within the doubles' spacing of 2.
}

TEST(FeatureAccumulatorTest, InfinitiesGetTheirOwnHistogramBuckets) {
  std::vector<double> values;
  for (int i = 0; i < 99; ++i) values.push_back(i);
  values.push_back(INFINITY);
  values.push_back(-INFINITY);
  values.push_back(INFINITY);
  auto column = Doubles(values);
  FeatureAccumulator acc;
  ASSERT_TRUE(acc.Add(*column->view, nullptr).ok());
  const FeatureResult r = ResultOf(acc);
  ASSERT_EQ(r.standard_histogram.size(), 12u);
  EXPECT_EQ(r.standard_histogram.front().low, -INFINITY);
  EXPECT_EQ(r.standard_histogram.front().count, 1.0);
  EXPECT_EQ(r.standard_histogram[1].low, 0.0);
  EXPECT_EQ(r.standard_histogram[10].high, 98.0);
  EXPECT_EQ(r.standard_histogram.back().low, INFINITY);
  EXPECT_EQ(r.standard_histogram.back().count, 2.0);
  double finite = 0.0;
  for (size_t i = 1; i + 1 < r.standard_histogram.size(); ++i) {
    finite += r.standard_histogram[i].count;
    EXPECT_NEAR(r.standard_histogram[i].count, 9.9, 1.1) << i;  // Uniform over 0..98.
  }
  EXPECT_EQ(finite, 99.0);
  EXPECT_EQ(r.min, -INFINITY);
  EXPECT_EQ(r.max, INFINITY);
}

TEST(FeatureAccumulatorTest, ListsCountValuesPerExample) {
  auto column = IntLists({{1, 2, 3}, {}, {7}, {9, 9}, {4}}, {true, true, true, true, false});
  FeatureAccumulator acc;
  ASSERT_TRUE(acc.Add(*column->view, nullptr).ok());
  const FeatureResult r = ResultOf(acc);
  EXPECT_EQ(r.type, FeatureType::kInt);
  EXPECT_EQ(r.num_non_missing, 4u);  // The empty list is present.
  EXPECT_EQ(r.num_missing, 1u);
  EXPECT_EQ(r.min_num_values, 0u);
  EXPECT_EQ(r.max_num_values, 3u);
  EXPECT_EQ(r.tot_num_values, 6u);
  EXPECT_DOUBLE_EQ(r.mean, (1 + 2 + 3 + 7 + 9 + 9) / 6.0);  // The null row's 4 is not counted.
  EXPECT_EQ(r.max, 9.0);
}

TEST(FeatureAccumulatorTest, StringStats) {
  std::vector<std::string> values;
  for (int i = 0; i < 1000; ++i) values.push_back(i % 10 < 6 ? "a" : i % 10 < 9 ? "bb" : "ccc");
  values.push_back("");
  auto column = Strings(values, std::vector<bool>(values.size(), true));
  FeatureAccumulator acc;
  ASSERT_TRUE(acc.Add(*column->view, nullptr).ok());
  const FeatureResult r = ResultOf(acc);
  EXPECT_EQ(r.type, FeatureType::kString);
  EXPECT_EQ(r.unique, 4u);
  EXPECT_TRUE(r.unique_is_exact);
  ASSERT_GE(r.top_values.size(), 3u);
  EXPECT_EQ(r.top_values[0], (std::pair<std::string, double>{"a", 600}));
  EXPECT_EQ(r.top_values[1], (std::pair<std::string, double>{"bb", 300}));
  EXPECT_DOUBLE_EQ(r.avg_length, (600 * 1 + 300 * 2 + 100 * 3) / 1001.0);
}

TEST(FeatureAccumulatorTest, InvalidUtf8IsCountedUnderOneLabel) {
  auto column = Strings({"ok", "\xff\x05", "caf\xc3\xa9", "\xc3", "\xff\x05", "ok", "ok"});
  FeatureAccumulator acc;
  ASSERT_TRUE(acc.Add(*column->view, nullptr).ok());
  const FeatureResult r = ResultOf(acc);
  EXPECT_EQ(r.invalid_utf8_count, 3u);
  EXPECT_EQ(r.unique, 4u);  // Distinct byte strings.
  EXPECT_EQ(r.top_values, (std::vector<std::pair<std::string, double>>{
                              {"ok", 3}, {kInvalidUtf8Label, 3}, {"caf\xc3\xa9", 1}}));
  EXPECT_EQ(r.min_length, 1u);
  EXPECT_EQ(r.max_length, 5u);
}

TEST(FeatureAccumulatorTest, ChangingTypeIsAnError) {
  auto numbers = Doubles({1.0});
  auto strings = Strings({"x"});
  DatasetAccumulator acc;
  ASSERT_TRUE(acc.Add({"f"}, {numbers->view.get()}, nullptr, 1).ok());
  const Status status = acc.Add({"f"}, {strings->view.get()}, nullptr, 1);
  EXPECT_EQ(status.message(),
            "feature 'f': values of type STRING (Arrow string) after earlier values of type FLOAT");
}

TEST(DatasetAccumulatorTest, AbsentColumnsCountAsMissing) {
  auto a1 = Doubles({1, 2, 3});
  auto a2 = Doubles({4, 5});
  auto b2 = Strings({"x", "y"});
  DatasetAccumulator acc;
  ASSERT_TRUE(acc.Add({"a"}, {a1->view.get()}, nullptr, 3).ok());
  ASSERT_TRUE(acc.Add({"b", "a"}, {b2->view.get(), a2->view.get()}, nullptr, 2).ok());
  EXPECT_EQ(acc.num_examples(), 5u);
  const FeatureResult b = ResultOf(acc.features().at("b"));
  EXPECT_EQ(b.num_missing, 3u);
  EXPECT_EQ(b.num_non_missing, 2u);
  EXPECT_EQ(ResultOf(acc.features().at("a")).num_non_missing, 5u);
  auto short_column = Doubles({1});
  EXPECT_NE(acc.Add({"a"}, {short_column->view.get()}, nullptr, 2).message().find("has 1 rows"),
            std::string::npos);
}

TEST(DatasetAccumulatorTest, WeightedStats) {
  auto x = Doubles({1.0, 3.0, 100.0}, {true, true, false});
  auto s = Strings({"a", "b", "a"});
  const double weights[] = {3.0, 1.0, 5.0};
  DatasetAccumulator acc;
  ASSERT_TRUE(acc.Add({"x", "s"}, {x->view.get(), s->view.get()}, weights, 3).ok());
  EXPECT_EQ(acc.weighted_num_examples(), 9.0);
  const FeatureResult rx = ResultOf(acc.features().at("x"));
  EXPECT_EQ(rx.weighted_num_non_missing, 4.0);
  EXPECT_EQ(rx.weighted_num_missing, 5.0);
  EXPECT_DOUBLE_EQ(rx.weighted_mean, (3 * 1.0 + 1 * 3.0) / 4);
  EXPECT_DOUBLE_EQ(rx.weighted_std_dev, std::sqrt((3 * 0.25 + 1 * 2.25) / 4));
  const FeatureResult rs = ResultOf(acc.features().at("s"));
  EXPECT_EQ(rs.weighted_top_values[0], (std::pair<std::string, double>{"a", 8.0}));
}

TEST(DatasetAccumulatorTest, MergedAndSerializedPartsEqualOnePass) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> uniform(-10, 10);
  std::vector<double> values(200000);
  std::vector<std::string> words(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = uniform(rng);
    words[i] = "w" + std::to_string(static_cast<int>(std::abs(values[i]) * 3));
  }
  auto all_x = Doubles(values);
  auto all_w = Strings(words);
  DatasetAccumulator whole;
  ASSERT_TRUE(whole.Add({"x", "w"}, {all_x->view.get(), all_w->view.get()}, nullptr, values.size()).ok());

  DatasetAccumulator merged;
  for (int part = 0; part < 4; ++part) {
    const size_t begin = part * 50000;
    auto x = Doubles(std::vector<double>(values.begin() + begin, values.begin() + begin + 50000));
    auto w = Strings(std::vector<std::string>(words.begin() + begin, words.begin() + begin + 50000));
    DatasetAccumulator piece;
    ASSERT_TRUE(piece.Add({"x", "w"}, {x->view.get(), w->view.get()}, nullptr, 50000).ok());
    auto copy = DatasetAccumulator::Deserialize(piece.Serialize());
    ASSERT_TRUE(copy.ok()) << copy.status().message();
    ASSERT_TRUE(merged.Merge(*copy).ok());
  }
  const FeatureResult a = ResultOf(whole.features().at("x"));
  const FeatureResult b = ResultOf(merged.features().at("x"));
  EXPECT_EQ(a.num_non_missing, b.num_non_missing);
  EXPECT_NEAR(a.mean, b.mean, 1e-12);
  EXPECT_NEAR(a.std_dev, b.std_dev, 1e-12);
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
  EXPECT_NEAR(a.median, b.median, 20 * 0.022 * 2);  // Both within the rank bound of 0.
  const FeatureResult sa = ResultOf(whole.features().at("w"));
  const FeatureResult sb = ResultOf(merged.features().at("w"));
  EXPECT_EQ(sa.unique, sb.unique);
  EXPECT_EQ(sa.top_values, sb.top_values);  // Exact: fewer distinct values than capacity.
  EXPECT_DOUBLE_EQ(sa.avg_length, sb.avg_length);
  EXPECT_EQ(DatasetAccumulator::Deserialize("junk").status().code(), StatusCode::kInvalidArgument);
  const std::string bytes = whole.Serialize();
  EXPECT_FALSE(DatasetAccumulator::Deserialize(bytes.substr(0, bytes.size() / 2)).ok());
}

}  // namespace
}  // namespace statistics
}  // namespace tfx_core
