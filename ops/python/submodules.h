// One Define<Area>Submodule per area of the core; extension.cc calls them all.
#ifndef TFX_CORE_OPS_PYTHON_SUBMODULES_H_
#define TFX_CORE_OPS_PYTHON_SUBMODULES_H_

#include "pybind11/pybind11.h"

namespace tfx_core {
namespace python {

void DefineTransformSubmodule(pybind11::module_& parent);
void DefineCudaSubmodule(pybind11::module_& parent);
void DefineStatisticsSubmodule(pybind11::module_& parent);
void DefineDataSubmodule(pybind11::module_& parent);
void DefineAnalyzersSubmodule(pybind11::module_& parent);
void DefineMetricsSubmodule(pybind11::module_& parent);

}  // namespace python
}  // namespace tfx_core

#endif  // TFX_CORE_OPS_PYTHON_SUBMODULES_H_
