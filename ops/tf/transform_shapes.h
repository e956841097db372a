// Shape functions of the transform ops: the output has the shape of input 0; the other inputs
// must be scalars (or, for ElementwiseWithVectorParam, one vector).
#ifndef TFX_CORE_OPS_TF_TRANSFORM_SHAPES_H_
#define TFX_CORE_OPS_TF_TRANSFORM_SHAPES_H_

#include "tensorflow/core/framework/shape_inference.h"

namespace tfx_core {
namespace tf_ops {

inline absl::Status ElementwiseWithScalarParams(
    ::tensorflow::shape_inference::InferenceContext* c) {
  ::tensorflow::shape_inference::ShapeHandle unused;
  for (int i = 1; i < c->num_inputs(); ++i) {
    TF_RETURN_IF_ERROR(c->WithRank(c->input(i), 0, &unused));
  }
  c->set_output(0, c->input(0));
  return absl::OkStatus();
}

inline absl::Status ElementwiseWithVectorParam(
    ::tensorflow::shape_inference::InferenceContext* c) {
  ::tensorflow::shape_inference::ShapeHandle unused;
  TF_RETURN_IF_ERROR(c->WithRank(c->input(1), 1, &unused));
  c->set_output(0, c->input(0));
  return absl::OkStatus();
}

}  // namespace tf_ops
}  // namespace tfx_core

#endif  // TFX_CORE_OPS_TF_TRANSFORM_SHAPES_H_
