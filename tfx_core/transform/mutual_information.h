// How tensorflow_transform ranks the tokens of a vocabulary by their information about a label
// (tft.vocabulary(labels=...)): the mutual information of "x is this token" with the label,
// optionally less its expected value by chance (adjusted mutual information), computed from
// weighted counts as TFT's info_theory.py and beam/analyzer_impls.py compute it.
//
// TFT keeps the per-label means and the mean weight in float32 before it multiplies them back
// into counts; TokenInformation rounds the same way, so scores agree with TFT's to ~1e-7.
#ifndef TFX_CORE_TRANSFORM_MUTUAL_INFORMATION_H_
#define TFX_CORE_TRANSFORM_MUTUAL_INFORMATION_H_

#include <cstdint>
#include <vector>

#include "tfx_core/util/status.h"

namespace tfx_core {
namespace transform {

// Weighted counts of a token (or of all rows): occurrences, their weight sum, and the weight
// sum per label id (label ids index the vector; ids past its end have weight 0).
struct LabelCounts {
  int64_t count = 0;
  double weight = 0;
  std::vector<double> label_weights;

  void Add(int64_t label, double w);  // One occurrence; label < 0: it has no label.
  void Merge(const LabelCounts& other);
};

// One cell's term of the mutual information, times n: n_ij * log2(n_ij * n / (x_i * y_j)).
double PartialMutualInformation(double n_ij, double x_i, double y_j, double n);

// The expected value of that term when x and y are independent (the hypergeometric
// distribution of n_ij given the margins x_i, y_j and n).
double PartialExpectedMutualInformation(double n, double x_i, double y_j);

// TFT's calculate_recommended_min_diff_from_avg: 2 for up to 10k rows, rising linearly to 25
// at 1M rows.
int RecommendedMinDiffFromAvg(double dataset_size);

struct TokenScore {
  double information;  // NaN when there are no rows.
  double frequency;    // The token's weight sum (its count if unweighted).
};

// TFT's score of `token` against `rows` (every row's label counts): the sum over labels of
// the partial mutual information, skipping labels whose co-occurrence differs from the
// expected (average) one by less than min_diff_from_avg; less the expected mutual information
// if `adjusted`. A token in every row scores 0. A token counted more often than there are
// rows (repeated tokens within a row) is an error, as in TFT.
StatusOr<TokenScore> TokenInformation(const LabelCounts& token, const LabelCounts& rows,
                                      bool adjusted, double min_diff_from_avg);

}  // namespace transform
}  // namespace tfx_core

#endif  // TFX_CORE_TRANSFORM_MUTUAL_INFORMATION_H_
