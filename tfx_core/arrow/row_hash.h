// Stable 64-bit hashes of table rows, for splitting examples into hash buckets (ExampleGen):
// the same values always land in the same bucket, on every machine and in every run.
//
// A row's hash combines its columns in order; each value hashes by type (int64 and float values
// by their 64-bit pattern, -0.0 as 0.0 and every NaN alike; strings by their bytes; lists by
// length and elements), and a null differs from every value.
#ifndef TFX_CORE_ARROW_ROW_HASH_H_
#define TFX_CORE_ARROW_ROW_HASH_H_

#include <cstdint>
#include <vector>

#include "tfx_core/arrow/array.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace arrow {

// Writes one hash per row to out[0, rows); every column must have `rows` rows.
Status HashRows(const std::vector<const ArrayView*>& columns, int64_t rows, uint64_t* out);

}  // namespace arrow
}  // namespace tfx_core

#endif  // TFX_CORE_ARROW_ROW_HASH_H_
