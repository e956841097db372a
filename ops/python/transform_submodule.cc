// _tfx_core_ext.transform: the mapper kernels over numpy and Arrow arrays.
#include <memory>
#include <string>
#include <vector>

#include "ops/python/arrow_capsule.h"
#include "ops/python/numeric_dispatch.h"
#include "ops/python/status_casters.h"
#include "ops/python/submodules.h"
#include "pybind11/numpy.h"
#include "pybind11/pybind11.h"
#include "pybind11/stl.h"
#include "tfx_core/transform/mappers.h"
#include "tfx_core/transform/vocabulary.h"

namespace tfx_core {
namespace python {
namespace {

template <typename Params>
struct ScaleMapper {
  const Params& params;
  template <typename In>
  using Out = ScaledType<In>;
  template <typename Out>
  auto Fn() const { return params.template Fn<Out>(); }
};

struct BucketMapper {
  const transform::Buckets& buckets;
  template <typename In>
  using Out = int64_t;
  template <typename Out>
  transform::BucketizeFn Fn() const { return buckets.Fn(); }
};

// Holds the immutable vocabulary; pybind11 cannot hold shared_ptr<const T> directly.
struct PyVocabulary {
  std::shared_ptr<const transform::Vocabulary> vocab;
};

py::array LookupVocabulary(const PyVocabulary& self, py::handle values, int64_t num_oov_buckets,
                           int64_t default_value) {
  const transform::Vocabulary::Options options{num_oov_buckets, default_value};
  ThrowIfError(transform::Vocabulary::Validate(options));
  if (!IsArrowArray(values)) {
    throw py::value_error(StrCat("apply_vocabulary expects an Arrow string or binary array; got ",
                                 std::string(py::str(py::type::of(values)))));
  }
  const auto imported = ValueOrThrow(ImportArrowArray(values, "apply_vocabulary"));
  const arrow::LeafRange leaves = arrow::Leaves(imported->view());
  if (!arrow::IsString(leaves.leaf->type)) {
    throw py::value_error(StrCat("apply_vocabulary expects string or binary values; got Arrow type ",
                                 imported->view().TypeString()));
  }
  py::array_t<int64_t> out(leaves.count);
  int64_t* o = out.mutable_data();
  Status status;
  {
    py::gil_scoped_release release;
    status = self.vocab->LookupLeaves(leaves, options, o);
  }
  ThrowIfError(status);
  return out;
}

}  // namespace

void DefineTransformSubmodule(py::module_& parent) {
  py::module_ m = parent.def_submodule("transform", "Feature-transform kernels (mappers).");

  m.def(
      "scale_to_z_score",
      [](py::handle values, double mean, double stddev) {
        const auto params = ValueOrThrow(transform::ZScore::Create(mean, stddev));
        return MapNumeric("scale_to_z_score", values, ScaleMapper<transform::ZScore>{params});
      },
      py::arg("values"), py::arg("mean"), py::arg("stddev"),
      "(x - mean) / stddev. float64 in -> float64 out, else float32; nulls -> NaN.");

  m.def(
      "scale_to_0_1",
      [](py::handle values, double min_value, double max_value) {
        const auto params = ValueOrThrow(transform::ZeroOne::Create(min_value, max_value));
        return MapNumeric("scale_to_0_1", values, ScaleMapper<transform::ZeroOne>{params});
      },
      py::arg("values"), py::arg("min_value"), py::arg("max_value"),
      "(x - min) / (max - min). float64 in -> float64 out, else float32; nulls -> NaN.");

  m.def(
      "bucketize",
      [](py::handle values, std::vector<double> boundaries) {
        const auto buckets = ValueOrThrow(transform::Buckets::Create(std::move(boundaries)));
        return MapNumeric("bucketize", values, BucketMapper{buckets});
      },
      py::arg("values"), py::arg("boundaries"),
      "int64 bucket ids: the number of boundaries <= x; NaN -> the last bucket; nulls -> -1.");

  py::class_<PyVocabulary>(m, "Vocabulary", "An immutable string -> id vocabulary.")
      .def_static(
          "from_tokens",
          [](const std::vector<std::string>& tokens) {
            return PyVocabulary{ValueOrThrow(transform::Vocabulary::FromTokens(tokens))};
          },
          py::arg("tokens"), "Ids are positions in `tokens`, which must be distinct.")
      .def_static(
          "from_file",
          [](const std::string& path, bool store_frequency) {
            auto loaded = [&] {
              py::gil_scoped_release release;
              return transform::Vocabulary::FromFile(path, store_frequency);
            }();
            return PyVocabulary{ValueOrThrow(std::move(loaded))};
          },
          py::arg("path"), py::arg("store_frequency") = false,
          "Loads a vocabulary file: one token per line, or '<frequency> <token>' lines.")
      .def("__len__", [](const PyVocabulary& v) { return v.vocab->size(); })
      .def(
          "find", [](const PyVocabulary& v, const std::string& token) { return v.vocab->Find(token); },
          py::arg("token"), "The id of `token`, or -1.")
      .def("lookup", &LookupVocabulary, py::arg("values"), py::arg("num_oov_buckets") = 0,
           py::arg("default_value") = -1,
           "int64 ids of an Arrow string array's values; OOV -> hash buckets or default_value.");
}

}  // namespace python
}  // namespace tfx_core
