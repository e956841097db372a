// Statistics of a whole dataset: one FeatureAccumulator per column name, fed record batch by
// record batch, merged across workers and serialized between them.
//
// Columns may come and go between batches: a feature absent from a batch (or first seen in a
// later one) counts those rows as missing, so every feature accounts for every example.
#ifndef TFX_CORE_STATISTICS_DATASET_ACCUMULATOR_H_
#define TFX_CORE_STATISTICS_DATASET_ACCUMULATOR_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tfx_core/arrow/array.h"
#include "tfx_core/statistics/feature_accumulator.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace statistics {

class DatasetAccumulator {
 public:
  explicit DatasetAccumulator(const StatsOptions& options = StatsOptions());

  // Adds one record batch of `rows` rows: columns[i] is the column named names[i]; `weights`
  // holds one weight per row or is null. Features are processed in parallel. Errors name the
  // feature.
  Status Add(const std::vector<std::string>& names,
             const std::vector<const arrow::ArrayView*>& columns, const double* weights,
             int64_t rows);
  Status Merge(const DatasetAccumulator& other);

  std::string Serialize() const;
  static StatusOr<DatasetAccumulator> Deserialize(const std::string& bytes);

  uint64_t num_examples() const { return num_examples_; }
  double weighted_num_examples() const { return weighted_num_examples_; }
  bool weighted() const { return weighted_; }
  const std::map<std::string, FeatureAccumulator>& features() const { return features_; }

 private:
  // The accumulator of `name`, created with the examples seen so far counted as missing.
  FeatureAccumulator& Feature(const std::string& name);

  StatsOptions options_;
  uint64_t num_examples_ = 0;
  double weighted_num_examples_ = 0.0;
  bool weighted_ = false;
  std::map<std::string, FeatureAccumulator> features_;
};

}  // namespace statistics
}  // namespace tfx_core

#endif  // TFX_CORE_STATISTICS_DATASET_ACCUMULATOR_H_
