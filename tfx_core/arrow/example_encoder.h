// EncodeExamples: rows of Arrow columns as serialized tf.Example protos, written directly in
// protobuf's wire format (the Evaluator and batch inference feed them to serving_default
// signatures, which parse tf.Example, as TFX's models do).
//
// int64 columns become int64_list, float and double float_list (narrowed to float32, as
// tf.Example holds them), string and binary bytes_list; a list column gives the row's values.
// A null row (or null list) leaves the feature out of that example, as tf.Example encodes a
// missing value; a null inside a list is an error naming the column and row. Features are
// written in name order, so equal rows give equal bytes.
#ifndef TFX_CORE_ARROW_EXAMPLE_ENCODER_H_
#define TFX_CORE_ARROW_EXAMPLE_ENCODER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tfx_core/arrow/array.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace arrow {

// out receives `rows` serialized examples; columns[i] is the feature names[i] (names unique).
Status EncodeExamples(const std::vector<std::string>& names,
                      const std::vector<const ArrayView*>& columns, int64_t rows,
                      std::vector<std::string>* out);

}  // namespace arrow
}  // namespace tfx_core

#endif  // TFX_CORE_ARROW_EXAMPLE_ENCODER_H_
