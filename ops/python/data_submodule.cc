// _tfx_core_ext.data: kernels for ingesting examples (stable row hashes for splits, tf.Example
// encoding) and for writing inference results (PredictionLog encoding).
#include <memory>
#include <string>
#include <vector>

#include "ops/python/arrow_capsule.h"
#include "ops/python/status_casters.h"
#include "ops/python/submodules.h"
#include "pybind11/numpy.h"
#include "pybind11/pybind11.h"
#include "pybind11/stl.h"
#include "tfx_core/arrow/example_encoder.h"
#include "tfx_core/arrow/row_hash.h"
#include "tfx_core/serving/prediction_log.h"

namespace tfx_core {
namespace python {

namespace py = pybind11;

namespace {

// Arrow arrays (anything with __arrow_c_array__) imported for a kernel named `what`.
std::vector<std::unique_ptr<arrow::ImportedArray>> ImportColumns(const py::sequence& columns,
                                                                 const char* what) {
  std::vector<std::unique_ptr<arrow::ImportedArray>> imported;
  for (const py::handle column : columns) {
    if (!IsArrowArray(column)) {
      throw py::value_error(StrCat(what, " expects Arrow arrays, got ",
                                   std::string(py::str(py::type::of(column)))));
    }
    imported.push_back(ValueOrThrow(ImportArrowArray(column, what)));
  }
  return imported;
}

// A numpy signature output as the encoder's view (kept alive by `array`).
serving::OutputTensor OutputView(const std::string& alias, const py::array& array) {
  using Type = serving::OutputTensor::Type;
  serving::OutputTensor t;
  t.alias = alias;
  if (array.ndim() < 1) throw py::value_error("output " + alias + " has no batch dimension");
  for (py::ssize_t d = 1; d < array.ndim(); ++d) t.inner_shape.push_back(array.shape(d));
  if (!(array.flags() & py::array::c_style)) {
    throw py::value_error("output " + alias + " must be C-contiguous");
  }
  const char kind = array.dtype().kind();
  const py::ssize_t size = array.dtype().itemsize();
  if (kind == 'O') {
    t.type = Type::kString;
    PyObject* const* objects = static_cast<PyObject* const*>(array.data());
    for (py::ssize_t i = 0; i < array.size(); ++i) {
      char* data;
      Py_ssize_t length;
      if (PyBytes_AsStringAndSize(objects[i], &data, &length) != 0) {
        throw py::error_already_set();
      }
      t.strings.emplace_back(data, static_cast<size_t>(length));
    }
    return t;
  }
  if (kind == 'f' && size == 4) t.type = Type::kFloat;
  else if (kind == 'f' && size == 8) t.type = Type::kDouble;
  else if (kind == 'i' && size == 4) t.type = Type::kInt32;
  else if (kind == 'i' && size == 8) t.type = Type::kInt64;
  else if (kind == 'b') t.type = Type::kBool;
  else throw py::value_error("output " + alias + " has dtype " +
                             std::string(py::str(array.dtype())) +
                             "; a PredictionLog holds float32, float64, int32, int64, bool or "
                             "bytes outputs");
  t.values = array.data();
  return t;
}

std::vector<const arrow::ArrayView*> Views(
    const std::vector<std::unique_ptr<arrow::ImportedArray>>& imported) {
  std::vector<const arrow::ArrayView*> views;
  for (const auto& array : imported) views.push_back(&array->view());
  return views;
}

}  // namespace

void DefineDataSubmodule(py::module_& parent) {
  py::module_ m = parent.def_submodule("data", "Example ingestion kernels.");
  m.def(
      "hash_rows",
      [](const py::sequence& columns, int64_t num_rows) {
        const auto imported = ImportColumns(columns, "hash_rows");
        const std::vector<const arrow::ArrayView*> views = Views(imported);
        py::array_t<uint64_t> out(num_rows);
        uint64_t* o = out.mutable_data();
        Status status;
        {
          py::gil_scoped_release release;
          status = arrow::HashRows(views, num_rows, o);
        }
        ThrowIfError(status);
        return out;
      },
      py::arg("columns"), py::arg("num_rows"),
      "Stable uint64 hash of each row over `columns` (Arrow arrays of num_rows rows).");
  m.def(
      "encode_examples",
      [](const std::vector<std::string>& names, const py::sequence& columns, int64_t num_rows) {
        const auto imported = ImportColumns(columns, "encode_examples");
        std::vector<std::string> encoded;
        Status status;
        {
          py::gil_scoped_release release;
          status = arrow::EncodeExamples(names, Views(imported), num_rows, &encoded);
        }
        ThrowIfError(status);
        py::list out(encoded.size());
        for (size_t i = 0; i < encoded.size(); ++i) out[i] = py::bytes(encoded[i]);
        return out;
      },
      py::arg("names"), py::arg("columns"), py::arg("num_rows"),
      "Serialized tf.Example protos of num_rows rows: columns[i] (Arrow: int64, float, double, "
      "string, binary or lists of them) is the feature names[i]; a null leaves it out. A list of "
      "bytes, ready for tf.constant.");
  m.def(
      "encode_prediction_logs",
      [](const std::string& method, const std::string& model_name,
         const std::string& signature_name, const std::string& input_alias,
         const py::list& examples, const py::dict& outputs) {
        serving::PredictionLogSpec spec{method, model_name, signature_name, input_alias};
        std::vector<std::string_view> views;
        views.reserve(examples.size());
        for (const py::handle example : examples) {
          char* data;
          Py_ssize_t length;
          if (PyBytes_AsStringAndSize(example.ptr(), &data, &length) != 0) {
            throw py::error_already_set();
          }
          views.emplace_back(data, static_cast<size_t>(length));
        }
        std::vector<py::array> arrays;
        std::vector<serving::OutputTensor> tensors;
        for (const auto& [alias, value] : outputs) {
          arrays.push_back(py::array::ensure(value, py::array::c_style));
          if (!arrays.back()) throw py::value_error("outputs must be numpy arrays");
          tensors.push_back(OutputView(py::str(alias), arrays.back()));
          if (tensors.back().type != serving::OutputTensor::Type::kString &&
              arrays.back().shape(0) != static_cast<py::ssize_t>(views.size())) {
            throw py::value_error("output " + tensors.back().alias + " has " +
                                  std::to_string(arrays.back().shape(0)) + " rows for " +
                                  std::to_string(views.size()) + " examples");
          }
        }
        std::vector<std::string> logs;
        Status status;
        {
          py::gil_scoped_release release;
          status = serving::EncodePredictionLogs(spec, views, tensors, &logs);
        }
        ThrowIfError(status);
        py::list out(logs.size());
        for (size_t i = 0; i < logs.size(); ++i) out[i] = py::bytes(logs[i]);
        return out;
      },
      py::arg("method"), py::arg("model_name"), py::arg("signature_name"),
      py::arg("input_alias"), py::arg("examples"), py::arg("outputs"),
      "One serialized tensorflow.serving.PredictionLog per example (TFX BulkInferrer's "
      "inference_result records): `examples` the serialized tf.Examples sent, `outputs` "
      "{alias: numpy array [rows, ...]} the signature's answers, `method` its method_name.");
}

}  // namespace python
}  // namespace tfx_core
