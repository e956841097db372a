// The one place where a tfx_core::Status becomes a Python exception:
// InvalidArgument -> ValueError, NotFound -> FileNotFoundError, anything else -> RuntimeError.
#ifndef TFX_CORE_OPS_PYTHON_STATUS_CASTERS_H_
#define TFX_CORE_OPS_PYTHON_STATUS_CASTERS_H_

#include <utility>

#include "pybind11/pybind11.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace python {

inline void ThrowIfError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return;
    case StatusCode::kInvalidArgument:
      throw pybind11::value_error(status.message());
    case StatusCode::kNotFound:
      PyErr_SetString(PyExc_FileNotFoundError, status.message().c_str());
      throw pybind11::error_already_set();
    default:
      throw std::runtime_error(status.message());
  }
}

template <typename T>
T ValueOrThrow(StatusOr<T> status_or) {
  ThrowIfError(status_or.status());
  return std::move(status_or).value();
}

}  // namespace python
}  // namespace tfx_core

#endif  // TFX_CORE_OPS_PYTHON_STATUS_CASTERS_H_
