// Reading Arrow arrays handed over through the C data interface, in place (zero-copy).
//
// ImportedArray takes ownership of an (ArrowSchema, ArrowArray) pair, validates it once, and
// exposes typed, non-owning views. Supported: null (all missing), int64, float32, float64, utf8, large_utf8,
// binary, large_binary, and list / large_list of those, with validity bitmaps and offsets
// (sliced arrays) at every level. Anything else is an InvalidArgument naming the format.
//
// Thread-safety: an ImportedArray is immutable after Import; views may be read from any thread
// while the ImportedArray is alive.
#ifndef TFX_CORE_ARROW_ARRAY_H_
#define TFX_CORE_ARROW_ARRAY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tfx_core/arrow/c_data.h"
#include "tfx_core/util/status.h"

namespace tfx_core {
namespace arrow {

enum class Type { kNull, kInt64, kFloat, kDouble, kUtf8, kLargeUtf8, kBinary, kLargeBinary, kList, kLargeList };

// Human-readable type name used in error messages ("int64", "list<utf8>", ...).
const char* TypeName(Type type);
bool IsNumeric(Type type);
bool IsString(Type type);  // utf8, large_utf8, binary, large_binary.

// True if bit `i` of an Arrow validity bitmap is set; a null bitmap means all valid.
inline bool BitIsSet(const uint8_t* bitmap, int64_t i) {
  return bitmap == nullptr || ((bitmap[i >> 3] >> (i & 7)) & 1);
}

// One validated level of an Arrow array. Element i (0 <= i < length) lives at physical
// position offset + i of the buffers.
struct ArrayView {
  Type type;
  int64_t length = 0;
  int64_t offset = 0;
  int64_t null_count = 0;
  const uint8_t* validity = nullptr;  // Indexed by physical position; null if no nulls.
  const void* values = nullptr;       // Numeric values, or string bytes.
  const int32_t* offsets32 = nullptr; // utf8, binary, list.
  const int64_t* offsets64 = nullptr; // large_* types.
  std::unique_ptr<ArrayView> child;   // List values.

  bool IsValid(int64_t i) const { return type != Type::kNull && BitIsSet(validity, offset + i); }
  // Start offset of element i (physical) for string and list types.
  int64_t ValueOffset(int64_t physical) const {
    return offsets32 != nullptr ? offsets32[physical] : offsets64[physical];
  }
  std::string_view String(int64_t i) const {
    const int64_t begin = ValueOffset(offset + i);
    return std::string_view(static_cast<const char*>(values) + begin,
                            ValueOffset(offset + i + 1) - begin);
  }
  template <typename T>
  const T* Values() const { return static_cast<const T*>(values) + offset; }
  std::string TypeString() const;
};

// The innermost (leaf) values of an array: the array itself, or the values that a list
// array's elements cover. `leaf.offset + begin` is the physical position of the first value.
struct LeafRange {
  const ArrayView* leaf;
  int64_t begin;  // Logical index into `leaf` of the first value covered.
  int64_t count;
};
LeafRange Leaves(const ArrayView& view);

class ImportedArray {
 public:
  // Takes ownership of both structs (their release callbacks are called by the destructor,
  // also on error) and validates layout, buffer presence and offsets.
  static StatusOr<std::unique_ptr<ImportedArray>> Import(ArrowSchema schema, ArrowArray array);
  ~ImportedArray();
  ImportedArray(const ImportedArray&) = delete;
  ImportedArray& operator=(const ImportedArray&) = delete;

  const ArrayView& view() const { return *view_; }

 private:
  ImportedArray(ArrowSchema schema, ArrowArray array) : schema_(schema), array_(array) {}
  ArrowSchema schema_;
  ArrowArray array_;
  std::unique_ptr<ArrayView> view_;
};

}  // namespace arrow
}  // namespace tfx_core

#endif  // TFX_CORE_ARROW_ARRAY_H_
