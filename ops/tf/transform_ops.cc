// Op definitions for the transform mappers. Kernels live in transform_kernels.cc; the shape
// functions are shared with their tests through transform_shapes.h.
#include "ops/tf/transform_shapes.h"
#include "tensorflow/core/framework/op.h"

namespace tfx_core {
namespace tf_ops {

REGISTER_OP("TfxCoreScaleToZScore")
    .Input("x: T")
    .Input("mean: OutT")
    .Input("stddev: OutT")
    .Output("y: OutT")
    .Attr("T: {int64, float, double}")
    .Attr("OutT: {float, double}")
    .SetShapeFn(ElementwiseWithScalarParams)
    .Doc("(x - mean) / stddev, element-wise. stddev must be finite and > 0.");

REGISTER_OP("TfxCoreScaleTo01")
    .Input("x: T")
    .Input("min_value: OutT")
    .Input("max_value: OutT")
    .Output("y: OutT")
    .Attr("T: {int64, float, double}")
    .Attr("OutT: {float, double}")
    .SetShapeFn(ElementwiseWithScalarParams)
    .Doc("(x - min_value) / (max_value - min_value), element-wise. Requires max_value > min_value.");

REGISTER_OP("TfxCoreBucketize")
    .Input("x: T")
    .Input("boundaries: double")
    .Output("y: int64")
    .Attr("T: {int64, float, double}")
    .SetShapeFn(ElementwiseWithVectorParam)
    .Doc("Bucket ids: the number of boundaries <= x; NaN -> the last bucket (as TFT). Boundaries non-decreasing.");

REGISTER_OP("TfxCoreApplyVocabulary")
    .Input("x: string")
    .Input("vocabulary_file: string")
    .Output("y: int64")
    .Attr("num_oov_buckets: int >= 0 = 0")
    .Attr("default_value: int = -1")
    .Attr("store_frequency: bool = false")
    .SetShapeFn(ElementwiseWithScalarParams)
    .Doc("Ids of x in the vocabulary file (one token per line, or '<frequency> <token>' lines "
         "with store_frequency); OOV values go to num_oov_buckets hash buckets after the "
         "vocabulary (TensorFlow's Fingerprint64), or to default_value if none.");

}  // namespace tf_ops
}  // namespace tfx_core
