// _tfx_core_ext.statistics: dataset statistics accumulators over Arrow record batches.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ops/python/arrow_capsule.h"
#include "ops/python/status_casters.h"
#include "ops/python/submodules.h"
#include "pybind11/numpy.h"
#include "pybind11/pybind11.h"
#include "pybind11/stl.h"
#include "tfx_core/statistics/dataset_accumulator.h"

namespace tfx_core {
namespace python {
namespace {

namespace py = pybind11;
using statistics::Bucket;
using statistics::DatasetAccumulator;
using statistics::FeatureResult;

void AddBatch(DatasetAccumulator& acc, const std::vector<std::string>& names,
              const py::sequence& columns, int64_t num_rows, py::object weights) {
  std::vector<std::unique_ptr<arrow::ImportedArray>> imported;
  std::vector<const arrow::ArrayView*> views;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!IsArrowArray(columns[i])) {
      throw py::value_error(StrCat("feature '", i < names.size() ? names[i] : "?",
                                   "': expected an Arrow array, got ",
                                   std::string(py::str(py::type::of(columns[i])))));
    }
    imported.push_back(ValueOrThrow(ImportArrowArray(columns[i], "statistics")));
    views.push_back(&imported.back()->view());
  }
  py::array_t<double, py::array::c_style | py::array::forcecast> weight_array;
  const double* w = nullptr;
  if (!weights.is_none()) {
    weight_array = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(weights);
    if (!weight_array || weight_array.ndim() != 1 || weight_array.shape(0) != num_rows) {
      throw py::value_error(StrCat("weights must be a 1-D array of ", num_rows, " numbers"));
    }
    w = weight_array.data();
  }
  Status status;
  {
    py::gil_scoped_release release;
    status = acc.Add(names, views, w, num_rows);
  }
  ThrowIfError(status);
}

py::list Buckets(const std::vector<Bucket>& buckets) {
  py::list out;
  for (const Bucket& b : buckets) out.append(py::make_tuple(b.low, b.high, b.count));
  return out;
}

py::dict ResultDict(const FeatureResult& r) {
  py::dict d;
  d["type"] = static_cast<int>(r.type);
  d["num_non_missing"] = r.num_non_missing;
  d["num_missing"] = r.num_missing;
  d["min_num_values"] = r.min_num_values;
  d["max_num_values"] = r.max_num_values;
  d["tot_num_values"] = r.tot_num_values;
  d["num_values_histogram"] = Buckets(r.num_values_histogram);
  d["weighted_num_non_missing"] = r.weighted_num_non_missing;
  d["weighted_num_missing"] = r.weighted_num_missing;
  d["weighted_tot_num_values"] = r.weighted_tot_num_values;
  if (r.type == statistics::FeatureType::kString) {
    d["unique"] = r.unique;
    d["unique_is_exact"] = r.unique_is_exact;
    d["unique_relative_error"] = r.unique_relative_error;
    d["avg_length"] = r.avg_length;
    d["min_length"] = r.min_length;
    d["max_length"] = r.max_length;
    d["invalid_utf8_count"] = r.invalid_utf8_count;
    d["top_values"] = r.top_values;
    d["top_values_max_error"] = r.top_values_max_error;
    d["weighted_avg_length"] = r.weighted_avg_length;
    d["weighted_top_values"] = r.weighted_top_values;
  } else if (r.type != statistics::FeatureType::kUnknown) {
    d["mean"] = r.mean;
    d["std_dev"] = r.std_dev;
    d["min"] = r.min;
    d["max"] = r.max;
    d["median"] = r.median;
    d["num_zeros"] = r.num_zeros;
    d["num_nan"] = r.num_nan;
    d["num_pos_inf"] = r.num_pos_inf;
    d["num_neg_inf"] = r.num_neg_inf;
    d["standard_histogram"] = Buckets(r.standard_histogram);
    d["quantiles_histogram"] = Buckets(r.quantiles_histogram);
    d["weighted_mean"] = r.weighted_mean;
    d["weighted_std_dev"] = r.weighted_std_dev;
  }
  return d;
}

}  // namespace

void DefineStatisticsSubmodule(py::module_& parent) {
  py::module_ m = parent.def_submodule("statistics", "Dataset statistics accumulators.");
  py::class_<DatasetAccumulator>(m, "Accumulator",
                                 "Mergeable, serializable statistics of record batches.")
      .def(py::init([](int kll_k, size_t top_k_capacity, int hll_precision,
                       size_t exact_distinct_limit) {
             return DatasetAccumulator(
                 {kll_k, top_k_capacity, hll_precision, exact_distinct_limit});
           }),
           py::arg("kll_k") = statistics::StatsOptions().kll_k,
           py::arg("top_k_capacity") = statistics::StatsOptions().top_k_capacity,
           py::arg("hll_precision") = statistics::StatsOptions().hll_precision,
           py::arg("exact_distinct_limit") = statistics::StatsOptions().exact_distinct_limit)
      .def("add", &AddBatch, py::arg("names"), py::arg("columns"), py::arg("num_rows"),
           py::arg("weights") = py::none(),
           "Adds a record batch: Arrow arrays (any __arrow_c_array__ object) named `names`, "
           "`num_rows` rows each; `weights`: one number per row, or None.")
      .def(
          "merge",
          [](DatasetAccumulator& self, const DatasetAccumulator& other) {
            Status status;
            {
              py::gil_scoped_release release;
              status = self.Merge(other);
            }
            ThrowIfError(status);
          },
          py::arg("other"))
      .def("serialize", [](const DatasetAccumulator& self) { return py::bytes(self.Serialize()); })
      .def_static(
          "deserialize",
          [](const py::bytes& bytes) { return ValueOrThrow(DatasetAccumulator::Deserialize(bytes)); },
          py::arg("data"))
      .def(py::pickle(  // Beam moves accumulators between workers as pickles.
          [](const DatasetAccumulator& self) { return py::bytes(self.Serialize()); },
          [](const py::bytes& bytes) { return ValueOrThrow(DatasetAccumulator::Deserialize(bytes)); }))
      .def_property_readonly("num_examples", &DatasetAccumulator::num_examples)
      .def_property_readonly("weighted_num_examples", &DatasetAccumulator::weighted_num_examples)
      .def_property_readonly("weighted", &DatasetAccumulator::weighted)
      .def(
          "result",
          [](const DatasetAccumulator& self, int num_top_values, int num_rank_histogram_buckets,
             int num_histogram_buckets, int num_quantiles_histogram_buckets,
             int num_values_histogram_buckets) {
            const statistics::ResultOptions options{num_top_values, num_rank_histogram_buckets,
                                                    num_histogram_buckets,
                                                    num_quantiles_histogram_buckets,
                                                    num_values_histogram_buckets};
            std::vector<std::pair<std::string, FeatureResult>> results;
            {
              py::gil_scoped_release release;
              for (const auto& [name, feature] : self.features()) {
                results.emplace_back(name, feature.Result(options));
              }
            }
            py::dict out;
            for (const auto& [name, result] : results) out[py::str(name)] = ResultDict(result);
            return out;
          },
          py::arg("num_top_values") = 20, py::arg("num_rank_histogram_buckets") = 1000,
          py::arg("num_histogram_buckets") = 10, py::arg("num_quantiles_histogram_buckets") = 10,
          py::arg("num_values_histogram_buckets") = 10,
          "Per-feature results: {name: {field: value}}; see tfx_core.statistics.");
}

}  // namespace python
}  // namespace tfx_core
