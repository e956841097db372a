// _tfx_core_ext.metrics: the Evaluator's sliced metrics accumulators over numpy columns.
#include <cstdint>
#include <string>
#include <vector>

#include "ops/python/status_casters.h"
#include "ops/python/submodules.h"
#include "pybind11/numpy.h"
#include "pybind11/pybind11.h"
#include "pybind11/stl.h"
#include "tfx_core/metrics/accumulator.h"
#include "tfx_core/metrics/binary_curve.h"
#include "tfx_core/metrics/sliced_accumulator.h"

namespace tfx_core {
namespace python {
namespace {

namespace py = pybind11;
using metrics::AccumulatorOptions;
using metrics::BinaryCurve;
using metrics::Curve;
using metrics::MetricsAccumulator;
using metrics::SlicedAccumulator;
using metrics::Task;

template <typename T>
using Array = py::array_t<T, py::array::c_style | py::array::forcecast>;

Task TaskOf(const std::string& name) {
  if (name == "binary") return Task::kBinary;
  if (name == "multi_class") return Task::kMultiClass;
  if (name == "regression") return Task::kRegression;
  throw py::value_error("task must be 'binary', 'multi_class' or 'regression', got '" + name +
                        "'");
}

Curve CurveOf(const std::string& name) {
  if (name == "ROC") return Curve::kRoc;
  if (name == "PR") return Curve::kPr;
  throw py::value_error("curve must be 'ROC' or 'PR', got '" + name + "'");
}

// The score distribution a binary metric reads: the binary task's, one class against the
// rest (class_id >= 0), or every class's together (micro).
const BinaryCurve& CurveFor(const MetricsAccumulator& acc, int class_id, bool micro) {
  const AccumulatorOptions& o = acc.options();
  if (o.task == Task::kBinary) {
    if (class_id >= 0 || micro) {
      throw py::value_error("class_id and micro apply to multi-class metrics only");
    }
    return acc.curve();
  }
  if (o.task != Task::kMultiClass || !o.per_class) {
    throw py::value_error("binary metrics of a multi-class model need per_class=True");
  }
  if (micro) return acc.micro_curve();
  if (class_id < 0 || class_id >= o.num_classes) {
    throw py::value_error(StrCat("class_id must be in [0, ", o.num_classes, ") or micro=True, "
                                 "got ", class_id));
  }
  return acc.class_curve(class_id);
}

py::array_t<double> Matrix(const std::vector<double>& values, size_t rows, size_t cols) {
  py::array_t<double> out({rows, cols});
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

void AddBatch(SlicedAccumulator& self, const py::object& labels_in, const py::object& scores_in,
              const py::object& slice_ids_in, const py::object& weights_in, int64_t first_row) {
  const Array<double> labels = Array<double>::ensure(labels_in);
  const Array<double> scores = Array<double>::ensure(scores_in);
  const Array<int64_t> slice_ids = Array<int64_t>::ensure(slice_ids_in);
  if (!labels || labels.ndim() != 1) throw py::value_error("labels must be a 1-D array of numbers");
  const int64_t rows = labels.shape(0);
  const int width = self.options().task == Task::kMultiClass ? self.options().num_classes : 1;
  if (!scores || scores.size() != rows * width ||
      (width > 1 && (scores.ndim() != 2 || scores.shape(1) != width))) {
    std::string shape = "(not numbers)";
    if (scores) {
      shape = "(";
      for (py::ssize_t d = 0; d < scores.ndim(); ++d) shape += StrCat(d ? ", " : "", scores.shape(d));
      shape += ")";
    }
    throw py::value_error(StrCat("predictions must be ",
                                 width > 1 ? StrCat("a [rows, ", width, "] array") : "[rows] numbers",
                                 " for ", rows, " rows; got shape ", shape));
  }
  if (!slice_ids || slice_ids.ndim() != 2 || slice_ids.shape(0) != rows) {
    throw py::value_error(StrCat("slice_ids must be an int64 [rows, slicings] array for ", rows,
                                 " rows"));
  }
  Array<double> weights;  // Holds the converted array; w points into it, or is null.
  const double* w = nullptr;
  if (!weights_in.is_none()) {
    weights = Array<double>::ensure(weights_in);
    if (!weights || weights.ndim() != 1 || weights.shape(0) != rows) {
      throw py::value_error(StrCat("example weights must be a 1-D array of ", rows, " numbers"));
    }
    w = weights.data();
  }
  Status status;
  {
    py::gil_scoped_release release;
    status = self.Add(labels.data(), scores.data(), w,
                      slice_ids.data(), static_cast<int>(slice_ids.shape(1)), rows, first_row);
  }
  ThrowIfError(status);
}

void DefineSlice(py::module_& m) {
  py::class_<MetricsAccumulator>(m, "SliceMetrics",
                                 "One slice's accumulated metrics (a view into SlicedMetrics).")
      .def_property_readonly("example_count", &MetricsAccumulator::example_count)
      .def_property_readonly("weighted_example_count", &MetricsAccumulator::weighted_example_count)
      .def_property_readonly("mean_label", &MetricsAccumulator::mean_label)
      .def_property_readonly("mean_prediction", &MetricsAccumulator::mean_prediction)
      .def_property_readonly("calibration", &MetricsAccumulator::calibration)
      .def_property_readonly("log_loss", &MetricsAccumulator::log_loss)
      .def_property_readonly("sparse_categorical_accuracy",
                             &MetricsAccumulator::sparse_categorical_accuracy)
      .def_property_readonly("sparse_categorical_crossentropy",
                             &MetricsAccumulator::sparse_categorical_crossentropy)
      .def("top_k_accuracy", &MetricsAccumulator::top_k_accuracy, py::arg("k"))
      .def_property_readonly("mean_squared_error", &MetricsAccumulator::mean_squared_error)
      .def_property_readonly("root_mean_squared_error",
                             &MetricsAccumulator::root_mean_squared_error)
      .def_property_readonly("mean_absolute_error", &MetricsAccumulator::mean_absolute_error)
      .def_property_readonly("mean_absolute_percentage_error",
                             &MetricsAccumulator::mean_absolute_percentage_error)
      .def_property_readonly("r_squared", &MetricsAccumulator::r_squared)
      .def(
          "confusion_matrix",
          [](const MetricsAccumulator& self) {
            const size_t k = static_cast<size_t>(self.options().num_classes);
            if (self.options().task != Task::kMultiClass) {
              throw py::value_error("confusion_matrix is a multi-class metric");
            }
            return Matrix(self.confusion_matrix(), k, k);
          },
          "Weighted counts [label, argmax prediction].")
      .def(
          "confusion_at",
          [](const MetricsAccumulator& self, const std::vector<double>& thresholds, int class_id,
             bool micro) {
            const BinaryCurve& curve = CurveFor(self, class_id, micro);
            std::vector<metrics::Confusion> m;
            {
              py::gil_scoped_release release;
              m = curve.ConfusionAt(thresholds);
            }
            std::vector<double> flat;
            for (const metrics::Confusion& c : m) flat.insert(flat.end(), {c.tp, c.fp, c.tn, c.fn});
            return Matrix(flat, m.size(), 4);
          },
          py::arg("thresholds"), py::arg("class_id") = -1, py::arg("micro") = false,
          "Weighted [tp, fp, tn, fn] at each threshold (positive: score > threshold).")
      .def(
          "auc",
          [](const MetricsAccumulator& self, const std::string& curve_name,
             const std::string& method, int num_thresholds, int class_id, bool micro) {
            const BinaryCurve& curve = CurveFor(self, class_id, micro);
            const Curve kind = CurveOf(curve_name);
            if (method != "exact" && method != "tfma") {
              throw py::value_error("method must be 'exact' or 'tfma', got '" + method + "'");
            }
            if (num_thresholds < 2) {
              throw py::value_error(StrCat("num_thresholds must be > 1, got ", num_thresholds));
            }
            py::gil_scoped_release release;
            return method == "exact" ? curve.ExactAuc(kind) : curve.TfmaAuc(kind, num_thresholds);
          },
          py::arg("curve") = "ROC", py::arg("method") = "exact",
          py::arg("num_thresholds") = metrics::kTfmaNumThresholds, py::arg("class_id") = -1,
          py::arg("micro") = false)
      .def(
          "calibration_buckets",
          [](const MetricsAccumulator& self, int num_buckets, int class_id, bool micro) {
            if (num_buckets < 1) throw py::value_error("num_buckets must be > 0");
            const std::vector<metrics::CalibrationBucket> buckets =
                CurveFor(self, class_id, micro).Calibration(num_buckets);
            std::vector<double> flat;
            for (const auto& b : buckets) {
              flat.insert(flat.end(), {b.lower, b.upper, b.weighted_examples, b.weighted_labels,
                                       b.weighted_predictions});
            }
            return Matrix(flat, buckets.size(), 5);
          },
          py::arg("num_buckets") = 1000, py::arg("class_id") = -1, py::arg("micro") = false,
          "TFMA's calibration plot: [lower, upper, weighted examples, weighted labels, "
          "weighted predictions] per bucket.");
}

}  // namespace

void DefineMetricsSubmodule(py::module_& parent) {
  py::module_ m = parent.def_submodule("metrics", "The Evaluator's sliced metrics accumulators.");
  DefineSlice(m);
  m.def(
      "threshold_metrics",
      [](const Array<double>& confusion) {
        if (confusion.ndim() != 2 || confusion.shape(1) != 4) {
          throw py::value_error("confusion must be a [n, 4] array of tp, fp, tn, fn");
        }
        const py::ssize_t n = confusion.shape(0);
        std::vector<std::vector<double>> columns(12, std::vector<double>(n));
        for (py::ssize_t i = 0; i < n; ++i) {
          const double* c = confusion.data() + 4 * i;
          const metrics::ThresholdMetrics t = metrics::MetricsAt({c[0], c[1], c[2], c[3]});
          const double values[12] = {t.precision, t.recall, t.f1, t.accuracy,
                                     t.false_positive_rate, t.false_negative_rate,
                                     t.true_positive_rate, t.true_negative_rate, t.positive_rate,
                                     t.negative_rate, t.false_discovery_rate,
                                     t.false_omission_rate};
          for (int j = 0; j < 12; ++j) columns[j][i] = values[j];
        }
        static const char* kNames[12] = {
            "precision", "recall", "f1_score", "accuracy", "false_positive_rate",
            "false_negative_rate", "true_positive_rate", "true_negative_rate", "positive_rate",
            "negative_rate", "false_discovery_rate", "false_omission_rate"};
        py::dict out;
        for (int j = 0; j < 12; ++j) out[kNames[j]] = py::array_t<double>(n, columns[j].data());
        return out;
      },
      py::arg("confusion"),
      "TFMA's threshold metrics of confusion matrices ([n, 4]: tp, fp, tn, fn): {name: [n]}; a "
      "zero denominator gives NaN.");
  m.def("tfma_thresholds", &metrics::TfmaThresholds, py::arg("num_thresholds"),
        "TFMA's thresholds for num_thresholds (-1e-7, (i + 1) / (n - 1)..., 1 + 1e-7).");
  m.attr("DEFAULT_BOOTSTRAP_SAMPLES") = metrics::kDefaultBootstrapSamples;

  py::class_<SlicedAccumulator>(m, "SlicedMetrics",
                                "One model's mergeable, serializable metrics per slice.")
      .def(py::init([](const std::string& task, int num_classes, const std::vector<int>& top_k,
                       bool per_class, int bootstrap_samples, uint64_t seed) {
             AccumulatorOptions options;
             options.task = TaskOf(task);
             if (options.task == Task::kMultiClass ? num_classes < 2 : num_classes != 1) {
               throw py::value_error(StrCat(
                   "num_classes must be ", options.task == Task::kMultiClass ? ">= 2" : "1",
                   " for task '", task, "', got ", num_classes));
             }
             for (int k : top_k) {
               if (k < 1) throw py::value_error(StrCat("top_k values must be >= 1, got ", k));
             }
             if (bootstrap_samples < 0 || bootstrap_samples == 1) {
               throw py::value_error(StrCat("bootstrap_samples must be 0 (off) or >= 2, got ",
                                            bootstrap_samples));
             }
             options.num_classes = num_classes;
             options.top_k = top_k;
             options.per_class = per_class;
             return SlicedAccumulator(options, bootstrap_samples, seed);
           }),
           py::arg("task"), py::arg("num_classes") = 1, py::arg("top_k") = std::vector<int>(),
           py::arg("per_class") = false, py::arg("bootstrap_samples") = 0, py::arg("seed") = 0)
      .def("add", &AddBatch, py::arg("labels"), py::arg("predictions"), py::arg("slice_ids"),
           py::arg("weights") = py::none(), py::arg("first_row") = 0,
           "Adds rows: labels [rows]; predictions [rows] (or [rows, num_classes]); slice_ids "
           "int64 [rows, slicings] (-1: no slice of that slicing); weights [rows] or None; "
           "first_row: the id of the first row (errors name rows by id; bootstrap draws "
           "depend on it).")
      .def(
          "merge",
          [](SlicedAccumulator& self, const SlicedAccumulator& other) {
            Status status;
            {
              py::gil_scoped_release release;
              status = self.Merge(other);
            }
            ThrowIfError(status);
          },
          py::arg("other"))
      .def("serialize", [](const SlicedAccumulator& self) { return py::bytes(self.Serialize()); })
      .def_static(
          "deserialize",
          [](const py::bytes& bytes) { return ValueOrThrow(SlicedAccumulator::Deserialize(bytes)); },
          py::arg("data"))
      .def(py::pickle(
          [](const SlicedAccumulator& self) { return py::bytes(self.Serialize()); },
          [](const py::bytes& bytes) { return ValueOrThrow(SlicedAccumulator::Deserialize(bytes)); }))
      .def_property_readonly("bootstrap_samples", &SlicedAccumulator::bootstrap_samples)
      .def("slices", &SlicedAccumulator::slices, "The slice ids seen, in increasing order.")
      .def(
          "slice",
          [](const SlicedAccumulator& self, int64_t slice, int replicate) {
            const MetricsAccumulator* acc = self.Find(slice, replicate);
            if (acc == nullptr) {
              throw py::key_error(StrCat("no slice ", slice, replicate >= 0
                                                                 ? StrCat(" in replicate ", replicate)
                                                                 : std::string()));
            }
            return acc;
          },
          py::arg("slice"), py::arg("replicate") = -1, py::return_value_policy::reference_internal,
          "A slice's metrics over all its rows, or over bootstrap replicate `replicate`.");
}

}  // namespace python
}  // namespace tfx_core
