// Running moments — weight (a count, or a sum of weights), mean and the sum of squared
// deviations from the mean — and Chan et al.'s parallel combination of two of them: the one
// implementation StatisticsGen's accumulators and Transform's analyzers share. Exact up to
// rounding however the data is split, and stable for large offsets (no sum of squares).
#ifndef TFX_CORE_UTIL_MOMENTS_H_
#define TFX_CORE_UTIL_MOMENTS_H_

namespace tfx_core {

// Combines (weight_b, mean_b, m2_b) into (*weight_a, *mean_a, *m2_a). Weight is a count
// (int64) or a total weight (double).
template <typename Weight>
void CombineMoments(Weight* weight_a, double* mean_a, double* m2_a, Weight weight_b,
                    double mean_b, double m2_b) {
  if (!(weight_b > 0)) return;
  if (!(*weight_a > 0)) {
    *weight_a = weight_b;
    *mean_a = mean_b;
    *m2_a = m2_b;
    return;
  }
  const double a = static_cast<double>(*weight_a), b = static_cast<double>(weight_b);
  const double total = a + b;
  const double delta = mean_b - *mean_a;
  *mean_a += delta * (b / total);
  *m2_a += m2_b + delta * delta * (a * b / total);
  *weight_a += weight_b;
}

// Moments of (weighted) values.
struct Moments {
  double weight = 0.0;
  double mean = 0.0;
  double m2 = 0.0;  // Sum of weighted squared deviations from the mean.

  void Merge(const Moments& other) {
    CombineMoments(&weight, &mean, &m2, other.weight, other.mean, other.m2);
  }
  double Variance() const { return weight > 0.0 ? m2 / weight : 0.0; }  // Population.
};

}  // namespace tfx_core

#endif  // TFX_CORE_UTIL_MOMENTS_H_
