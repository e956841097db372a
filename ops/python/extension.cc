// _tfx_core_ext: the single pybind11 extension over the C++ core, one submodule per area.
#include "ops/python/submodules.h"
#include "pybind11/pybind11.h"

PYBIND11_MODULE(_tfx_core_ext, m) {
  m.doc() = "tfx_core's C++ kernels. Use the public modules of the tfx_core package instead.";
  tfx_core::python::DefineTransformSubmodule(m);
  tfx_core::python::DefineCudaSubmodule(m);
  tfx_core::python::DefineStatisticsSubmodule(m);
  tfx_core::python::DefineDataSubmodule(m);
  tfx_core::python::DefineAnalyzersSubmodule(m);
}
