#include "tfx_core/transform/analyzers.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tfx_core/arrow/testing.h"

namespace tfx_core {
namespace transform {
namespace {

using arrow::testing::Doubles;
using arrow::testing::IntLists;
using arrow::testing::Strings;

TEST(MomentsAnalyzerTest, SkipsNullsAndNaNAndMergesExactly) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> gaussian(3.0, 2.0);
  std::vector<double> values(10000);
  std::vector<bool> valid(values.size());
  double sum = 0, lo = 1e300, hi = -1e300;
  int64_t n = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = i % 101 == 0 ? std::nan("") : gaussian(rng);
    valid[i] = i % 13 != 0;
    if (!valid[i] || std::isnan(values[i])) continue;
    ++n;
    sum += values[i];
    lo = std::min(lo, values[i]);
    hi = std::max(hi, values[i]);
  }
  const double mean = sum / n;
  double m2 = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (valid[i] && !std::isnan(values[i])) m2 += (values[i] - mean) * (values[i] - mean);
  }
  auto whole = Doubles(values, valid);
  MomentsAnalyzer one;
  ASSERT_TRUE(one.Add({whole->view.get()}).ok());
  EXPECT_EQ(one.moments().count, n);
  EXPECT_NEAR(one.moments().mean, mean, 1e-12);
  EXPECT_NEAR(one.moments().variance(), m2 / n, 1e-11);
  EXPECT_EQ(one.moments().min, lo);
  EXPECT_EQ(one.moments().max, hi);

  // Two halves, merged after a serialization round trip, agree with one pass.
  const size_t half = values.size() / 2;
  auto a = Doubles({values.begin(), values.begin() + half}, {valid.begin(), valid.begin() + half});
  auto b = Doubles({values.begin() + half, values.end()}, {valid.begin() + half, valid.end()});
  MomentsAnalyzer left, right;
  ASSERT_TRUE(left.Add({a->view.get()}).ok());
  ASSERT_TRUE(right.Add({b->view.get()}).ok());
  auto restored = MomentsAnalyzer::Deserialize(right.Serialize());
  ASSERT_TRUE(restored.ok());
  ASSERT_TRUE(left.Merge(**restored).ok());
  EXPECT_EQ(left.moments().count, n);
  EXPECT_NEAR(left.moments().mean, mean, 1e-12);
  EXPECT_NEAR(left.moments().variance(), m2 / n, 1e-11);
}

TEST(MomentsAnalyzerTest, DenseValuesWithAndWithoutNaN) {
  auto dense = Doubles({1, 2, 3, 4, 5, 6, 7});  // No validity bitmap: the four-lane pass.
  MomentsAnalyzer a;
  ASSERT_TRUE(a.Add({dense->view.get()}).ok());
  EXPECT_EQ(a.moments().count, 7);
  EXPECT_DOUBLE_EQ(a.moments().mean, 4.0);
  EXPECT_DOUBLE_EQ(a.moments().variance(), 4.0);
  EXPECT_EQ(a.moments().min, 1);
  EXPECT_EQ(a.moments().max, 7);
  auto with_nan = Doubles({1, std::nan(""), 3, 5, 7});  // Falls back to the careful loop.
  MomentsAnalyzer b;
  ASSERT_TRUE(b.Add({with_nan->view.get()}).ok());
  EXPECT_EQ(b.moments().count, 4);
  EXPECT_DOUBLE_EQ(b.moments().mean, 4.0);
  EXPECT_DOUBLE_EQ(b.moments().variance(), 5.0);
}

TEST(MomentsAnalyzerTest, VarianceOfLargeOffsetsIsExact) {
  // 2^53 + (0..999, each ten times): variance (1000^2 - 1) / 12 however the sum rounds.
  std::vector<double> values;
  for (int i = 0; i < 10000; ++i) values.push_back(9007199254740992.0 + 2 * (i % 1000));
  for (bool with_nan : {false, true}) {
    if (with_nan) values.push_back(std::nan(""));  // The careful loop.
    auto column = Doubles(values);
    MomentsAnalyzer a;
    ASSERT_TRUE(a.Add({column->view.get()}).ok());
    EXPECT_NEAR(a.moments().variance(), 4 * (1000.0 * 1000.0 - 1) / 12, 1e-6) << with_nan;
    EXPECT_NEAR(a.moments().mean, 9007199254740992.0 + 999, 2) << with_nan;
  }
}

TEST(MomentsAnalyzerTest, ElementwiseMomentsPerPosition) {
  // Rows of 3: position 0 sees 1, 4, 7; position 1 sees 2, (null), 8; position 2: 3, 6, 9.
  auto rows = Doubles({1, 2, 3, 4, 5, 6, 7, 8, 9}, {true, true, true, true, false, true, true,
                                                     true, true});
  MomentsAnalyzer analyzer(3);
  ASSERT_TRUE(analyzer.Add({rows->view.get()}).ok());
  auto restored = MomentsAnalyzer::Deserialize(analyzer.Serialize());
  ASSERT_TRUE(restored.ok());
  ASSERT_EQ((*restored)->width(), 3);
  EXPECT_DOUBLE_EQ((*restored)->moments(0).mean, 4.0);
  EXPECT_DOUBLE_EQ((*restored)->moments(0).variance(), 6.0);
  EXPECT_EQ((*restored)->moments(1).count, 2);
  EXPECT_DOUBLE_EQ((*restored)->moments(1).mean, 5.0);
  EXPECT_EQ((*restored)->moments(2).max, 9.0);
  auto partial = Doubles({1, 2});
  EXPECT_FALSE(analyzer.Add({partial->view.get()}).ok());  // Not whole rows.
  EXPECT_FALSE(analyzer.Merge(MomentsAnalyzer(2)).ok());
}

TEST(MomentsAnalyzerTest, ListValuesAndExactIntegerSum) {
  auto lists = IntLists({{1, 2}, {}, {}, {3, 1000000000000}}, {true, true, false, true});
  MomentsAnalyzer analyzer;
  ASSERT_TRUE(analyzer.Add({lists->view.get()}).ok());
  EXPECT_EQ(analyzer.moments().count, 4);
  EXPECT_EQ(analyzer.moments().int_sum, 1000000000006);
  EXPECT_EQ(analyzer.moments().min, 1);
}

TEST(MomentsAnalyzerTest, RejectsStringsAndWrongKindMerge) {
  auto strings = Strings({"a"});
  MomentsAnalyzer moments;
  const Status status = moments.Add({strings->view.get()});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("expects int64, float or double"), std::string::npos);
  VocabularyAnalyzer vocab;
  EXPECT_FALSE(moments.Merge(vocab).ok());
  EXPECT_FALSE(MomentsAnalyzer::Deserialize("nonsense").ok());
}

TEST(CovarianceAnalyzerTest, PopulationCovarianceOfCompleteRows) {
  // Rows (x, y): (1, 2), (2, 4), (3, 6.5), and one with a NaN, skipped; split over two batches.
  auto first = Doubles({1e9 + 1, 2, 1e9 + 2, 4});
  auto second = Doubles({1e9 + 3, 6.5, 7, std::nan("")});
  CovarianceAnalyzer a(2), b(2);
  ASSERT_TRUE(a.Add({first->view.get()}).ok());
  ASSERT_TRUE(b.Add({second->view.get()}).ok());
  auto restored = CovarianceAnalyzer::Deserialize(b.Serialize());
  ASSERT_TRUE(restored.ok());
  ASSERT_TRUE(a.Merge(**restored).ok());
  EXPECT_EQ(a.count(), 3);
  const std::vector<double> c = a.Covariance();
  // x - 1e9 = 1, 2, 3: var 2/3; y: 2, 4, 6.5 (mean 25/6); cov(x, y) = 1.5.
  EXPECT_NEAR(c[0], 2.0 / 3, 1e-9);  // The 1e9 offset costs no precision.
  EXPECT_NEAR(c[1], 1.5, 1e-9);
  EXPECT_NEAR(c[2], 1.5, 1e-9);
  const double my = 12.5 / 3;
  EXPECT_NEAR(c[3], ((2 - my) * (2 - my) + (4 - my) * (4 - my) + (6.5 - my) * (6.5 - my)) / 3,
              1e-9);
  auto odd = Doubles({1, 2, 3});
  EXPECT_FALSE(a.Add({odd->view.get()}).ok());  // Not whole rows.
  EXPECT_FALSE(a.Merge(CovarianceAnalyzer(3)).ok());
}

TEST(QuantilesAnalyzerTest, BoundariesOfUniformValuesAndTies) {
  std::vector<double> values;
  for (int i = 0; i < 1000; ++i) values.push_back(i);
  auto column = Doubles(values);
  QuantilesAnalyzer analyzer;
  ASSERT_TRUE(analyzer.Add({column->view.get()}).ok());
  const std::vector<double> b = analyzer.Boundaries(4);
  ASSERT_EQ(b.size(), 3u);
  // Within the sketch's stated rank bound (2.2% of 1000 values).
  EXPECT_NEAR(b[0], 250, 22);
  EXPECT_NEAR(b[1], 500, 22);
  EXPECT_NEAR(b[2], 750, 22);

  auto ties = Doubles(std::vector<double>(100, 5.0));
  QuantilesAnalyzer constant;
  ASSERT_TRUE(constant.Add({ties->view.get()}).ok());
  EXPECT_EQ(constant.Boundaries(10), std::vector<double>(9, 5.0));  // TFT's: repeats kept.
  EXPECT_TRUE(QuantilesAnalyzer().Boundaries(10).empty());

  auto restored = QuantilesAnalyzer::Deserialize(analyzer.Serialize());
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)->Boundaries(4), b);
}

TEST(QuantilesAnalyzerTest, SmallExactDataGivesTftsBoundaries) {
  // TFT's bucketize tests: 1..9 in 3 buckets -> [4, 7]; 1..4 in 10 -> 9 boundaries.
  auto nine = Doubles({1, 2, 3, 4, 5, 6, 7, 8, 9});
  QuantilesAnalyzer a;
  ASSERT_TRUE(a.Add({nine->view.get()}).ok());
  EXPECT_EQ(a.Boundaries(3), (std::vector<double>{4, 7}));
  auto four = Doubles({1, 2, 3, 4});
  QuantilesAnalyzer b;
  ASSERT_TRUE(b.Add({four->view.get()}).ok());
  EXPECT_EQ(b.Boundaries(10), (std::vector<double>{1, 1, 2, 2, 3, 3, 3, 4, 4}));
}

TEST(VocabularyAnalyzerTest, OrderThresholdTopKAndWeights) {
  auto tokens = Strings({"b", "a", "c", "a", "b", "d", "x\ny", "", "a"},
                        {true, true, true, true, true, true, true, true, false});
  VocabularyAnalyzer analyzer;
  ASSERT_TRUE(analyzer.Add({tokens->view.get()}).ok());
  // a:2 b:2 c:1 d:1; ties by token descending; the newline token and "" are dropped (TFT).
  std::vector<std::string> got;
  for (const auto& e : SelectTokens(analyzer.Ranked(false), -1, 0)) got.emplace_back(e.token);
  EXPECT_EQ(got, (std::vector<std::string>{"b", "a", "d", "c"}));
  got.clear();
  for (const auto& e : SelectTokens(analyzer.Ranked(false), 3, 1)) got.emplace_back(e.token);
  EXPECT_EQ(got, (std::vector<std::string>{"b", "a", "d"}));
  got.clear();
  for (const auto& e : SelectTokens(analyzer.Ranked(false), -1, 2)) got.emplace_back(e.token);
  EXPECT_EQ(got, (std::vector<std::string>{"b", "a"}));

  auto words = Strings({"x", "y", "x"});
  auto weights = Doubles({0.5, 3.0, 0.25});
  VocabularyAnalyzer weighted;
  ASSERT_TRUE(weighted.Add({words->view.get(), weights->view.get()}).ok());
  const auto sorted = SelectTokens(weighted.Ranked(true), -1, 0);
  ASSERT_EQ(sorted.size(), 2u);
  EXPECT_EQ(sorted[0].token, "y");
  EXPECT_DOUBLE_EQ(sorted[1].rank, 0.75);
  EXPECT_DOUBLE_EQ(sorted[1].frequency, 0.75);

  auto short_weights = Doubles({1.0});
  EXPECT_FALSE(weighted.Add({words->view.get(), short_weights->view.get()}).ok());
}

TEST(VocabularyAnalyzerTest, MergeSerializeAndWriteFile) {
  auto a = Strings({"p", "q", "p"});
  auto b = Strings({"q", "q", "r"});
  VocabularyAnalyzer left, right;
  ASSERT_TRUE(left.Add({a->view.get()}).ok());
  ASSERT_TRUE(right.Add({b->view.get()}).ok());
  auto restored = VocabularyAnalyzer::Deserialize(right.Serialize());
  ASSERT_TRUE(restored.ok());
  ASSERT_TRUE(left.Merge(**restored).ok());
  const std::string path = ::testing::TempDir() + "/vocab.txt";
  const auto selected = SelectTokens(left.Ranked(false), -1, 0);
  ASSERT_TRUE(WriteVocabularyFile(path, selected, true).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "3 q\n2 p\n1 r\n");
  EXPECT_FALSE(WriteVocabularyFile("/nonexistent-dir/v.txt", selected, false).ok());
}

TEST(VocabularyAnalyzerTest, ManyTokens) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 200000; ++i) tokens.push_back("token_" + std::to_string(i % 150000));
  auto column = Strings(tokens);
  VocabularyAnalyzer analyzer;
  ASSERT_TRUE(analyzer.Add({column->view.get()}).ok());
  EXPECT_EQ(analyzer.size(), 150000);
  const auto sorted = SelectTokens(analyzer.Ranked(false), 2, 0);
  EXPECT_EQ(sorted[0].rank, 2);
  EXPECT_EQ(sorted[0].token, "token_9999");  // Largest of the tokens seen twice (i < 50000).
}

// Rows: 9 with labels 1,1,1,0,1,1,0,0,1; tokens: one per row (TFT's
// _unadjusted_mi_binary_label case), fed as two batches and merged through the byte format.
TEST(LabeledVocabularyAnalyzerTest, MutualInformationOfTokensWithTheLabel) {
  const std::vector<std::string> tokens = {"informative", "informative", "informative",
                                           "uninformative", "uninformative", "uninformative",
                                           "uninformative", "rare", "rare"};
  const std::vector<int64_t> labels = {1, 1, 1, 0, 1, 1, 0, 0, 1};
  auto batch = [&](size_t begin, size_t end) {
    std::vector<std::string> t;
    std::vector<double> l, flags;  // Any numeric column: doubles here.
    for (int row = 0; row < 2; ++row) {  // The tokens, then the rows.
      for (size_t i = begin; i < end; ++i) {
        t.push_back(row ? "" : tokens[i]);
        l.push_back(labels[i]);
        flags.push_back(row);
      }
    }
    LabeledVocabularyAnalyzer analyzer;
    auto strings = Strings(t);
    auto label_array = Doubles(l);
    auto weights = Doubles(std::vector<double>(t.size(), 1.0));
    auto flag_array = Doubles(flags);
    EXPECT_TRUE(analyzer.Add({strings->view.get(), label_array->view.get(), weights->view.get(),
                              flag_array->view.get()}).ok());
    return analyzer;
  };
  LabeledVocabularyAnalyzer left = batch(0, 5);
  auto right = LabeledVocabularyAnalyzer::Deserialize(batch(5, 9).Serialize());
  ASSERT_TRUE(right.ok());
  ASSERT_TRUE(left.Merge(**right).ok());
  const auto ranked = left.Ranked(false, 0.0);
  ASSERT_TRUE(ranked.ok());
  const auto selected = SelectTokens(*ranked, -1, 0);
  ASSERT_EQ(selected.size(), 3u);
  EXPECT_EQ(selected[0].token, "informative");
  EXPECT_NEAR(selected[0].rank, 1.7548264, 1e-6);  // TFT's values.
  EXPECT_NEAR(selected[1].rank, 0.33985, 1e-6);
  EXPECT_NEAR(selected[2].rank, 0.169925, 1e-6);
  // A threshold bounds the information: only "informative" has 1 or more.
  EXPECT_EQ(SelectTokens(*ranked, -1, 1.0).size(), 1u);

  auto short_labels = Doubles({1});
  auto strings = Strings({"a", "b"});
  EXPECT_FALSE(left.Add({strings->view.get(), short_labels->view.get(), short_labels->view.get(),
                         short_labels->view.get()}).ok());
}

TEST(KeyedMomentsAnalyzerTest, PerKeyMoments) {
  auto keys = Strings({"a", "b", "a", "a", "c"}, {true, true, true, true, false});
  auto values = Doubles({1, 10, 3, std::nan(""), 7});
  KeyedMomentsAnalyzer analyzer;
  ASSERT_TRUE(analyzer.Add({keys->view.get(), values->view.get()}).ok());
  auto restored = KeyedMomentsAnalyzer::Deserialize(analyzer.Serialize());
  ASSERT_TRUE(restored.ok());
  const auto& table = (*restored)->table();
  ASSERT_EQ(table.size(), 2);
  EXPECT_EQ(table.key(0), "a");
  EXPECT_EQ(table.value(0).count, 2);
  EXPECT_DOUBLE_EQ(table.value(0).mean, 2.0);
  EXPECT_DOUBLE_EQ(table.value(0).variance(), 1.0);
  EXPECT_EQ(table.key(1), "b");
  EXPECT_DOUBLE_EQ(table.value(1).mean, 10.0);
}

}  // namespace
}  // namespace transform
}  // namespace tfx_core
