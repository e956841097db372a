// Runs a numeric mapper over a numpy array or an Arrow array, zero-copy, with the GIL released.
//
// A Mapper supplies `template <typename In> using Out` (the output type for an input type) and
// `template <typename Out> auto Fn() const` (the functor from mapper_functors.h).
#ifndef TFX_CORE_OPS_PYTHON_NUMERIC_DISPATCH_H_
#define TFX_CORE_OPS_PYTHON_NUMERIC_DISPATCH_H_

#include <cstdint>
#include <string>
#include <type_traits>

#include "ops/python/arrow_capsule.h"
#include "ops/python/status_casters.h"
#include "pybind11/numpy.h"
#include "pybind11/pybind11.h"
#include "tfx_core/transform/mappers.h"
#include "tfx_core/util/parallel_for.h"

namespace tfx_core {
namespace python {

namespace py = pybind11;

// Below this many values per thread, threads cost more than they save.
constexpr int64_t kMinValuesPerThread = 1 << 18;

enum class NumpyType { kInt64, kFloat32, kFloat64 };

// The element type of a C-contiguous, native-endian int64/float32/float64 array; anything else
// is a ValueError naming `op` and what was expected.
inline NumpyType CheckNumpy(const char* op, const py::array& array) {
  if (!(array.flags() & py::array::c_style)) {
    throw py::value_error(StrCat(op, ": the numpy array is not C-contiguous (a strided view?); ",
                                 "pass numpy.ascontiguousarray(values)"));
  }
  const py::dtype dtype = array.dtype();
  const char kind = dtype.kind();
  const bool native = dtype.byteorder() == '=' || dtype.byteorder() == '|' ||
                      (dtype.byteorder() == '<');  // x86-64 is little-endian.
  if (native && kind == 'i' && dtype.itemsize() == 8) return NumpyType::kInt64;
  if (native && kind == 'f' && dtype.itemsize() == 4) return NumpyType::kFloat32;
  if (native && kind == 'f' && dtype.itemsize() == 8) return NumpyType::kFloat64;
  throw py::value_error(StrCat(op, " expects int64, float32 or float64 values; got dtype ",
                               std::string(py::str(dtype))));
}

template <typename In, typename Mapper>
py::array MapDense(const Mapper& mapper, const py::array& array) {
  using Out = typename Mapper::template Out<In>;
  std::vector<py::ssize_t> shape(array.shape(), array.shape() + array.ndim());
  py::array_t<Out> out(shape);
  const In* x = static_cast<const In*>(array.data());
  Out* o = out.mutable_data();
  const int64_t n = array.size();
  const auto fn = mapper.template Fn<Out>();
  {
    py::gil_scoped_release release;
    ParallelFor(n, kMinValuesPerThread, [&](int64_t begin, int64_t end) {
      transform::MapValues(fn, x + begin, end - begin, o + begin);
    });
  }
  return out;
}

template <typename In, typename Mapper>
py::array MapArrow(const char* op, const Mapper& mapper, const arrow::LeafRange& leaves) {
  using Out = typename Mapper::template Out<In>;
  py::array_t<Out> out(leaves.count);
  Out* o = out.mutable_data();
  const auto fn = mapper.template Fn<Out>();
  // The leaf type was checked by the caller, so chunks cannot fail.
  {
    py::gil_scoped_release release;
    ParallelFor(leaves.count, kMinValuesPerThread, [&](int64_t begin, int64_t end) {
      const arrow::LeafRange chunk{leaves.leaf, leaves.begin + begin, end - begin};
      transform::MapLeaves(op, chunk, fn, o + begin);
    });
  }
  return out;
}

// Returns a numpy array: the input's shape for numpy input, the flat leaf values for Arrow input.
template <typename Mapper>
py::array MapNumeric(const char* op, py::handle values, const Mapper& mapper) {
  if (py::isinstance<py::array>(values)) {
    const py::array array = py::reinterpret_borrow<py::array>(values);
    switch (CheckNumpy(op, array)) {
      case NumpyType::kInt64: return MapDense<int64_t>(mapper, array);
      case NumpyType::kFloat32: return MapDense<float>(mapper, array);
      case NumpyType::kFloat64: return MapDense<double>(mapper, array);
    }
  }
  if (IsArrowArray(values)) {
    const auto imported = ValueOrThrow(ImportArrowArray(values, op));
    const arrow::LeafRange leaves = arrow::Leaves(imported->view());
    switch (leaves.leaf->type) {
      case arrow::Type::kInt64: return MapArrow<int64_t>(op, mapper, leaves);
      case arrow::Type::kFloat: return MapArrow<float>(op, mapper, leaves);
      case arrow::Type::kDouble: return MapArrow<double>(op, mapper, leaves);
      default:
        throw py::value_error(StrCat(op, " expects int64, float or double values; got Arrow type ",
                                     imported->view().TypeString()));
    }
  }
  throw py::value_error(StrCat(op, " expects a numpy array or an Arrow array; got ",
                               std::string(py::str(py::type::of(values)))));
}

// Output type of the scaling mappers: float64 for float64 input, float32 otherwise (TFT's rule).
template <typename In>
using ScaledType = std::conditional_t<std::is_same_v<In, double>, double, float>;

}  // namespace python
}  // namespace tfx_core

#endif  // TFX_CORE_OPS_PYTHON_NUMERIC_DISPATCH_H_
