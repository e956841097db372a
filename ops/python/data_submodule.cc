// _tfx_core_ext.data: kernels for ingesting examples (stable row hashes for splits).
#include <memory>
#include <string>
#include <vector>

#include "ops/python/arrow_capsule.h"
#include "ops/python/status_casters.h"
#include "ops/python/submodules.h"
#include "pybind11/numpy.h"
#include "pybind11/pybind11.h"
#include "tfx_core/arrow/row_hash.h"

namespace tfx_core {
namespace python {

namespace py = pybind11;

void DefineDataSubmodule(py::module_& parent) {
  py::module_ m = parent.def_submodule("data", "Example ingestion kernels.");
  m.def(
      "hash_rows",
      [](const py::sequence& columns, int64_t num_rows) {
        std::vector<std::unique_ptr<arrow::ImportedArray>> imported;
        std::vector<const arrow::ArrayView*> views;
        for (const py::handle column : columns) {
          if (!IsArrowArray(column)) {
            throw py::value_error(StrCat("hash_rows expects Arrow arrays, got ",
                                         std::string(py::str(py::type::of(column)))));
          }
          imported.push_back(ValueOrThrow(ImportArrowArray(column, "hash_rows")));
          views.push_back(&imported.back()->view());
        }
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
}

}  // namespace python
}  // namespace tfx_core
