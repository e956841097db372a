// _tfx_core_ext.cuda: the GPU mappers. Present in every build; calls raise RuntimeError when
// the build has no CUDA or the machine no GPU.
#include "ops/cuda/mappers_gpu.h"
#include "ops/python/numeric_dispatch.h"
#include "ops/python/status_casters.h"
#include "ops/python/submodules.h"
#include "pybind11/numpy.h"
#include "pybind11/pybind11.h"
#include "pybind11/stl.h"

namespace tfx_core {
namespace python {
namespace {

struct Dense {
  cuda::DenseValues values;
  py::array out;
};

// Validates a numpy input and allocates the output (ScaledType, or int64 for bucket ids).
Dense Prepare(const char* op, const py::array& x, bool int_output) {
  const NumpyType type = CheckNumpy(op, x);
  std::vector<py::ssize_t> shape(x.shape(), x.shape() + x.ndim());
  cuda::DType dtype = cuda::DType::kFloat64;
  py::array out;
  switch (type) {
    case NumpyType::kInt64: dtype = cuda::DType::kInt64; out = py::array_t<float>(shape); break;
    case NumpyType::kFloat32: dtype = cuda::DType::kFloat32; out = py::array_t<float>(shape); break;
    case NumpyType::kFloat64: dtype = cuda::DType::kFloat64; out = py::array_t<double>(shape); break;
  }
  if (int_output) out = py::array_t<int64_t>(shape);
  return Dense{{dtype, x.data(), static_cast<int64_t>(x.size())}, out};
}

template <typename Run>
py::array RunGpu(Dense dense, const Run& run) {
  Status status;
  void* out = dense.out.mutable_data();
  {
    py::gil_scoped_release release;
    status = run(dense.values, out);
  }
  ThrowIfError(status);
  return dense.out;
}

}  // namespace

void DefineCudaSubmodule(py::module_& parent) {
  py::module_ m = parent.def_submodule("cuda", "CUDA mappers; same results as the CPU kernels.");
  m.attr("built") = cuda::Built();
  m.def(
      "device_count",
      [] {
        StatusOr<int> count = cuda::DeviceCount();
        return count.ok() ? *count : 0;
      },
      "Number of usable GPUs (0 without a build with CUDA, a driver or a device).");
  m.def(
      "scale_to_z_score",
      [](const py::array& values, double mean, double stddev) {
        const auto params = ValueOrThrow(transform::ZScore::Create(mean, stddev));
        return RunGpu(Prepare("scale_to_z_score", values, false),
                      [&](cuda::DenseValues x, void* out) { return cuda::ScaleToZScore(params, x, out); });
      },
      py::arg("values"), py::arg("mean"), py::arg("stddev"));
  m.def(
      "scale_to_0_1",
      [](const py::array& values, double min_value, double max_value) {
        const auto params = ValueOrThrow(transform::ZeroOne::Create(min_value, max_value));
        return RunGpu(Prepare("scale_to_0_1", values, false),
                      [&](cuda::DenseValues x, void* out) { return cuda::ScaleTo01(params, x, out); });
      },
      py::arg("values"), py::arg("min_value"), py::arg("max_value"));
  m.def(
      "bucketize",
      [](const py::array& values, std::vector<double> boundaries) {
        const auto params = ValueOrThrow(transform::Buckets::Create(std::move(boundaries)));
        return RunGpu(Prepare("bucketize", values, true), [&](cuda::DenseValues x, void* out) {
          return cuda::Bucketize(params, x, static_cast<int64_t*>(out));
        });
      },
      py::arg("values"), py::arg("boundaries"));
}

}  // namespace python
}  // namespace tfx_core
