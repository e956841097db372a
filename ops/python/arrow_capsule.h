// Imports any Python object that implements the Arrow PyCapsule protocol
// (`__arrow_c_array__`: pyarrow, polars, nanoarrow, ...) without copying its buffers.
#ifndef TFX_CORE_OPS_PYTHON_ARROW_CAPSULE_H_
#define TFX_CORE_OPS_PYTHON_ARROW_CAPSULE_H_

#include <memory>

#include "pybind11/pybind11.h"
#include "tfx_core/arrow/array.h"

namespace tfx_core {
namespace python {

// True if `obj` offers `__arrow_c_array__`.
inline bool IsArrowArray(pybind11::handle obj) {
  return pybind11::hasattr(obj, "__arrow_c_array__");
}

// Moves the array out of the producer's capsules (leaving them released, as the protocol
// allows) into an ImportedArray that keeps the producer's buffers alive until it is destroyed.
// Errors are prefixed with `op`, the kernel the array was meant for.
inline StatusOr<std::unique_ptr<arrow::ImportedArray>> ImportArrowArray(pybind11::handle obj,
                                                                        const char* op) {
  pybind11::tuple capsules = obj.attr("__arrow_c_array__")();
  if (capsules.size() != 2) return InvalidArgument(op, ": __arrow_c_array__ must return two capsules");
  auto* schema = static_cast<ArrowSchema*>(PyCapsule_GetPointer(capsules[0].ptr(), "arrow_schema"));
  auto* array = static_cast<ArrowArray*>(PyCapsule_GetPointer(capsules[1].ptr(), "arrow_array"));
  if (schema == nullptr || array == nullptr) {
    PyErr_Clear();
    return InvalidArgument(op, ": __arrow_c_array__ returned capsules not named arrow_schema/arrow_array");
  }
  ArrowSchema owned_schema = *schema;
  ArrowArray owned_array = *array;
  schema->release = nullptr;  // The capsules' destructors now do nothing.
  array->release = nullptr;
  auto imported = arrow::ImportedArray::Import(owned_schema, owned_array);
  if (!imported.ok()) return InvalidArgument(op, ": ", imported.status().message());
  return imported;
}

}  // namespace python
}  // namespace tfx_core

#endif  // TFX_CORE_OPS_PYTHON_ARROW_CAPSULE_H_
