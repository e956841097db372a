#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tfx_core/statistics/dataset_accumulator.h"
#include "tfx_core/statistics/feature_accumulator.h"

namespace tfx_core {
namespace statistics {
namespace {

using arrow::ArrayView;
using arrow::Type;

// Owns the buffers behind hand-built Arrow views.
struct Column {
  std::vector<double> doubles;
  std::vector<int64_t> ints;
  std::vector<uint8_t> validity;
  std::vector<int32_t> offsets;
  std::string bytes;
  std::unique_ptr<ArrayView> view = std::make_unique<ArrayView>();
  std::unique_ptr<Column> child;
};

void SetValidity(Column* c, const std::vector<bool>& valid) {
  c->validity.assign((valid.size() + 7) / 8, 0);
  for (size_t i = 0; i < valid.size(); ++i) {
    if (valid[i]) c->validity[i / 8] |= 1 << (i % 8);
    else ++c->view->null_count;
  }
  c->view->validity = c->validity.data();
}

std::unique_ptr<Column> Doubles(std::vector<double> values, std::vector<bool> valid = {}) {
  auto c = std::make_unique<Column>();
  c->doubles = std::move(values);
  c->view->type = Type::kDouble;
  c->view->length = c->doubles.size();
  c->view->values = c->doubles.data();
  if (!valid.empty()) SetValidity(c.get(), valid);
  return c;
}

std::unique_ptr<Column> Strings(const std::vector<std::string>& values, std::vector<bool> valid = {}) {
  auto c = std::make_unique<Column>();
  c->offsets.push_back(0);
  for (const std::string& v : values) {
    c->bytes += v;
    c->offsets.push_back(static_cast<int32_t>(c->bytes.size()));
  }
  c->view->type = Type::kUtf8;
  c->view->length = values.size();
  c->view->offsets32 = c->offsets.data();
  c->view->values = c->bytes.data();
  if (!valid.empty()) SetValidity(c.get(), valid);
  return c;
}

// A list<int64> column: rows[i] is row i's values; valid[i] false makes the row null.
std::unique_ptr<Column> IntLists(const std::vector<std::vector<int64_t>>& rows, std::vector<bool> valid) {
  auto c = std::make_unique<Column>();
  c->child = std::make_unique<Column>();
  c->offsets.push_back(0);
  for (const auto& row : rows) {
    c->child->ints.insert(c->child->ints.end(), row.begin(), row.end());
    c->offsets.push_back(static_cast<int32_t>(c->child->ints.size()));
  }
  c->child->view->type = Type::kInt64;
  c->child->view->length = c->child->ints.size();
  c->child->view->values = c->child->ints.data();
  c->view->type = Type::kList;
  c->view->length = rows.size();
  c->view->offsets32 = c->offsets.data();
  c->view->child = std::move(c->child->view);
  c->child->view = std::make_unique<ArrayView>();  // Ownership moved into the list view.
  SetValidity(c.get(), valid);
  return c;
}

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
