#include "tfx_core/arrow/row_hash.h"

#include <cmath>
#include <cstring>

#include "tfx_core/sketches/hash.h"

namespace tfx_core {
namespace arrow {
namespace {

constexpr uint64_t kNullHash = 0x6E756C6C6E756C6CULL;  // "nullnull"

uint64_t Combine(uint64_t seed, uint64_t value) { return Mix64(seed * 0x9E3779B97F4A7C15ULL + value); }

uint64_t HashDouble(double x) {
  if (x == 0.0) x = 0.0;  // -0.0 == 0.0.
  if (std::isnan(x)) x = std::nan("");
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return Mix64(bits);
}

// The hash of leaf value j (a logical index of `leaf`).
uint64_t HashValue(const ArrayView& leaf, int64_t j) {
  if (!leaf.IsValid(j)) return kNullHash;
  switch (leaf.type) {
    case Type::kInt64: return Mix64(static_cast<uint64_t>(leaf.Values<int64_t>()[j]));
    case Type::kFloat: return HashDouble(leaf.Values<float>()[j]);
    case Type::kDouble: return HashDouble(leaf.Values<double>()[j]);
    default: return HashBytes(leaf.String(j));
  }
}

}  // namespace

Status HashRows(const std::vector<const ArrayView*>& columns, int64_t rows, uint64_t* out) {
  for (const ArrayView* column : columns) {
    if (column->length != rows) {
      return InvalidArgument("a column has ", column->length, " rows; expected ", rows);
    }
    const ArrayView& leaf = column->child ? *column->child : *column;
    if (leaf.type == Type::kList || leaf.type == Type::kLargeList) {
      return InvalidArgument("cannot hash nested lists");
    }
  }
  for (int64_t i = 0; i < rows; ++i) out[i] = 0;
  for (const ArrayView* column : columns) {
    if (column->type == Type::kNull) {
      for (int64_t i = 0; i < rows; ++i) out[i] = Combine(out[i], kNullHash);
    } else if (!column->child) {
      for (int64_t i = 0; i < rows; ++i) out[i] = Combine(out[i], HashValue(*column, i));
    } else {
      for (int64_t i = 0; i < rows; ++i) {
        if (!column->IsValid(i)) {
          out[i] = Combine(out[i], kNullHash);
          continue;
        }
        const int64_t begin = column->ValueOffset(column->offset + i);
        const int64_t end = column->ValueOffset(column->offset + i + 1);
        uint64_t h = Mix64(static_cast<uint64_t>(end - begin));
        for (int64_t j = begin; j < end; ++j) h = Combine(h, HashValue(*column->child, j));
        out[i] = Combine(out[i], h);
      }
    }
  }
  return Status::OK();
}

}  // namespace arrow
}  // namespace tfx_core
