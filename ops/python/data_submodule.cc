// _tfx_core_ext.data: kernels for ingesting examples (stable row hashes for splits).
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
}

}  // namespace python
}  // namespace tfx_core
