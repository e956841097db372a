#include "tfx_core/transform/mutual_information.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tfx_core {
namespace transform {
namespace {

// Python's round(): halves to even (the default rounding mode), as TFT compares counts.
double RoundHalfEven(double x) { return std::nearbyint(x); }

double LogFactorial(double n) { return std::lgamma(n + 1); }

}  // namespace

void LabelCounts::Add(int64_t label, double w) {
  ++count;
  weight += w;
  if (label < 0) return;
  if (static_cast<size_t>(label) >= label_weights.size()) label_weights.resize(label + 1, 0.0);
  label_weights[label] += w;
}

void LabelCounts::Merge(const LabelCounts& other) {
  count += other.count;
  weight += other.weight;
  if (other.label_weights.size() > label_weights.size()) {
    label_weights.resize(other.label_weights.size(), 0.0);
  }
  for (size_t i = 0; i < other.label_weights.size(); ++i) label_weights[i] += other.label_weights[i];
}

double PartialMutualInformation(double n_ij, double x_i, double y_j, double n) {
  if (n_ij == 0 || x_i == 0 || y_j == 0) return 0;
  return n_ij * ((std::log2(n_ij) + std::log2(n)) - (std::log2(x_i) + std::log2(y_j)));
}

double PartialExpectedMutualInformation(double n, double x_i, double y_j) {
  if (x_i == 0 || y_j == 0) return 0;
  const double coefficient = -std::log2(x_i) - std::log2(y_j) + std::log2(n);
  // The hypergeometric probabilities of n_ij = start .. end, each from the previous one.
  const auto start = static_cast<int64_t>(RoundHalfEven(std::max(0.0, x_i + y_j - n)));
  const auto end = static_cast<int64_t>(RoundHalfEven(std::min(x_i, y_j)));
  const double numerator =
      LogFactorial(x_i) + LogFactorial(y_j) + LogFactorial(n - x_i) + LogFactorial(n - y_j);
  double denominator = LogFactorial(n) + LogFactorial(start) + LogFactorial(x_i - start) +
                       LogFactorial(y_j - start) + LogFactorial(n - x_i - y_j + start);
  double partial = 0, total_probability = 0;
  for (int64_t n_ij = start; n_ij <= end; ++n_ij) {
    const double p = std::exp(numerator - denominator);
    if (n_ij != end) {
      denominator += std::log(n_ij + 1.0) - std::log(x_i - n_ij) - std::log(y_j - n_ij) +
                     std::log(n - x_i - y_j + n_ij + 1);
    }
    if (n_ij != 0) partial += n_ij * (coefficient + std::log2(static_cast<double>(n_ij))) * p;
    total_probability += p;
  }
  return partial / total_probability;
}

int RecommendedMinDiffFromAvg(double dataset_size) {
  constexpr double kMin = 2, kMax = 25, kSmall = 10000, kLarge = 1000000;
  return static_cast<int>(std::min(
      kMax, std::max(kMin, (dataset_size - kSmall) / (kLarge - kSmall) * (kMax - kMin) + kMin)));
}

StatusOr<TokenScore> TokenInformation(const LabelCounts& token, const LabelCounts& rows,
                                      bool adjusted, double min_diff_from_avg) {
  // TFT's accumulators hold float32 means: per label, weight / total weight, and the mean
  // weight per occurrence; counts are rebuilt from them.
  auto mean_weight = [](const LabelCounts& c) {
    return c.count > 0 ? static_cast<float>(c.weight / c.count) : 0.0f;
  };
  auto label_mean = [](const LabelCounts& c, size_t label) {
    return label < c.label_weights.size() && c.weight != 0
               ? static_cast<float>(c.label_weights[label] / c.weight)
               : 0.0f;
  };
  const float rows_weight = mean_weight(rows);
  const double n = static_cast<double>(rows.count) * rows_weight;
  if (n == 0) return TokenScore{std::numeric_limits<double>::quiet_NaN(), 0};
  const float token_weight = mean_weight(token);
  const double x_i = static_cast<double>(token.count) * token_weight;
  if (RoundHalfEven(x_i) == RoundHalfEven(n)) return TokenScore{0, x_i};  // A constant.
  if (RoundHalfEven(x_i) > RoundHalfEven(n)) {
    return InvalidArgument("its frequency ", x_i, " is higher than the number of rows ", n,
                           ": tft.vocabulary with labels needs each token at most once per row "
                           "(a set per row, e.g. tft.deduplicate_tensor_per_row)");
  }
  constexpr float kLowest = 1e-6f, kHighest = 1 - 1e-6f;  // TFT's _clip_probability, in float32.
  double information = 0, expected = 0;
  for (size_t label = 0; label < rows.label_weights.size(); ++label) {
    const double y_i = static_cast<double>(label_mean(rows, label) * rows_weight) * rows.count;
    if (y_i == 0) continue;
    const float p = std::clamp(label_mean(token, label), kLowest, kHighest);
    const double n_i = static_cast<double>(p * token_weight) * token.count;
    if (std::abs(x_i * y_i / n - n_i) < min_diff_from_avg) continue;
    information += PartialMutualInformation(n_i, x_i, y_i, n);
    if (adjusted) expected += PartialExpectedMutualInformation(n, x_i, y_i);
  }
  return TokenScore{information - expected, x_i};
}

}  // namespace transform
}  // namespace tfx_core
