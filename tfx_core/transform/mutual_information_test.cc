#include "tfx_core/transform/mutual_information.h"

#include <cmath>

#include "gtest/gtest.h"

namespace tfx_core {
namespace transform {
namespace {

LabelCounts Counts(const std::vector<int64_t>& labels, const std::vector<double>& weights = {}) {
  LabelCounts c;
  for (size_t i = 0; i < labels.size(); ++i) c.Add(labels[i], weights.empty() ? 1.0 : weights[i]);
  return c;
}

TEST(MutualInformationTest, PartialTermsByHand) {
  // 2 of 4 rows have x; both have y = 1, as do 2 of the 4 rows: 2 * log2(2 * 4 / (2 * 2)) = 2.
  EXPECT_DOUBLE_EQ(PartialMutualInformation(2, 2, 2, 4), 2.0);
  EXPECT_EQ(PartialMutualInformation(0, 2, 2, 4), 0.0);
  // Hypergeometric n=4, x=2, y=2: P(n_ij = 0, 1, 2) = 1/6, 4/6, 1/6; the terms
  // n_ij * log2(n_ij * 4 / 4) are 0, 0 and 2.
  EXPECT_NEAR(PartialExpectedMutualInformation(4, 2, 2), 2.0 / 6, 1e-12);
}

TEST(MutualInformationTest, TftScoresOfHelloGoodbye) {
  // TFT's testVocabulary _adjusted_mi_binary_label: rows' labels, and "goodbye"'s rows.
  const LabelCounts rows = Counts({1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0});
  const auto goodbye = TokenInformation(Counts({1, 0, 0, 1, 0}), rows, false, 0.0);
  ASSERT_TRUE(goodbye.ok());
  EXPECT_NEAR(goodbye->information, 1.9753224, 1e-6);
  EXPECT_EQ(goodbye->frequency, 5);
  const auto adjusted = TokenInformation(Counts({1, 0, 0, 1, 0}), rows, true, 0.0);
  EXPECT_NEAR(adjusted->information, 1.4070794, 1e-6);
  // min_diff_from_avg 2: every label's co-occurrence is within 2 of its expected value.
  EXPECT_EQ(TokenInformation(Counts({1, 0, 0, 1, 0}), rows, false, 2.0)->information, 0.0);
}

TEST(MutualInformationTest, ConstantsRepeatsAndNoRows) {
  const LabelCounts rows = Counts({0, 1});
  EXPECT_EQ(TokenInformation(Counts({0, 1}), rows, true, 0.0)->information, 0.0);
  const auto repeated = TokenInformation(Counts({0, 1, 1}), rows, false, 0.0);
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.status().message().find("at most once per row"), std::string::npos);
  EXPECT_TRUE(std::isnan(TokenInformation(Counts({0}), LabelCounts(), false, 0.0)->information));
}

TEST(MutualInformationTest, RecommendedMinDiffFromAvg) {
  EXPECT_EQ(RecommendedMinDiffFromAvg(12), 2);
  EXPECT_EQ(RecommendedMinDiffFromAvg(505000), 13);
  EXPECT_EQ(RecommendedMinDiffFromAvg(5e7), 25);
}

}  // namespace
}  // namespace transform
}  // namespace tfx_core
