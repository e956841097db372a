// _tfx_core_ext: the single pybind11 extension over the C++ core, one submodule per area.
#include "ops/python/submodules.h"
#include "pybind11/pybind11.h"
#include "tfx_core/util/thread_pool.h"

PYBIND11_MODULE(_tfx_core_ext, m) {
  m.doc() = "tfx_core's C++ kernels. Use the public modules of the tfx_core package instead.";
  tfx_core::python::DefineTransformSubmodule(m);
  tfx_core::python::DefineCudaSubmodule(m);
  tfx_core::python::DefineStatisticsSubmodule(m);
  tfx_core::python::DefineDataSubmodule(m);
  tfx_core::python::DefineAnalyzersSubmodule(m);
  tfx_core::python::DefineMetricsSubmodule(m);
  m.def("num_threads", [] { return tfx_core::ThreadPool::Global()->parallelism(); },
        "Threads every kernel of this process shares (workers plus the calling thread).");
  m.def("set_num_threads", [](int n) {
    if (n < 1) throw pybind11::value_error("set_num_threads: need at least 1 thread, got " +
                                           std::to_string(n));
    tfx_core::ThreadPool::SetNumThreads(n);
  }, pybind11::arg("n"), "Resizes the process-wide kernel thread pool (for jobs started later).");
}
