#include "tfx_core/arrow/array.h"

#include <cstring>
#include <utility>

namespace tfx_core {
namespace arrow {
namespace {

StatusOr<Type> ParseFormat(const char* format) {
  if (format == nullptr) return InvalidArgument("Arrow schema has no format string");
  const std::string f(format);
  if (f == "n") return Type::kNull;
  if (f == "l") return Type::kInt64;
  if (f == "f") return Type::kFloat;
  if (f == "g") return Type::kDouble;
  if (f == "u") return Type::kUtf8;
  if (f == "U") return Type::kLargeUtf8;
  if (f == "z") return Type::kBinary;
  if (f == "Z") return Type::kLargeBinary;
  if (f == "+l") return Type::kList;
  if (f == "+L") return Type::kLargeList;
  return InvalidArgument("unsupported Arrow type (format '", f,
                         "'); expected int64, float, double, string, binary or a list of those");
}

bool HasOffsets(Type t) { return t != Type::kNull && t != Type::kInt64 && t != Type::kFloat && t != Type::kDouble; }
bool LargeOffsets(Type t) {
  return t == Type::kLargeUtf8 || t == Type::kLargeBinary || t == Type::kLargeList;
}

// Offsets must be non-decreasing and non-negative over the elements in view, or reading the
// values they point at would run outside the buffers.
template <typename Offset>
Status CheckOffsets(const Offset* offsets, int64_t first, int64_t length, const std::string& where) {
  if (offsets[first] < 0) return InvalidArgument(where, ": negative offset at element 0");
  for (int64_t i = 0; i < length; ++i) {
    if (offsets[first + i + 1] < offsets[first + i]) {
      return InvalidArgument(where, ": offsets decrease at element ", i);
    }
  }
  return Status::OK();
}

StatusOr<std::unique_ptr<ArrayView>> MakeView(const ArrowSchema& schema, const ArrowArray& array,
                                              const std::string& where) {
  if (schema.dictionary != nullptr || array.dictionary != nullptr) {
    return InvalidArgument(where, ": dictionary-encoded arrays are not supported; decode them first");
  }
  TFX_ASSIGN_OR_RETURN(Type type, ParseFormat(schema.format));
  auto view = std::make_unique<ArrayView>();
  view->type = type;
  view->length = array.length;
  view->offset = array.offset;
  view->null_count = array.null_count;
  if (array.length < 0 || array.offset < 0) {
    return InvalidArgument(where, ": negative length or offset");
  }
  if (type == Type::kNull) {  // No buffers: every element is null.
    view->null_count = view->length;
    view->validity = nullptr;
    return view;
  }
  const bool is_list = type == Type::kList || type == Type::kLargeList;
  const int64_t want_buffers = is_list ? 2 : (HasOffsets(type) ? 3 : 2);
  if (array.n_buffers != want_buffers || array.buffers == nullptr) {
    return InvalidArgument(where, ": ", TypeName(type), " array must have ", want_buffers,
                           " buffers, got ", array.n_buffers);
  }
  view->validity = static_cast<const uint8_t*>(array.buffers[0]);
  if (view->validity == nullptr && array.null_count != 0) {
    return InvalidArgument(where, ": null_count is ", array.null_count, " but there is no validity bitmap");
  }
  if (view->null_count == 0) view->validity = nullptr;  // Fast path: every element valid.
  if (HasOffsets(type)) {
    const void* offsets = array.buffers[1];
    if (offsets == nullptr) {
      if (array.length != 0) return InvalidArgument(where, ": missing offsets buffer");
      static const int64_t kZeroOffsets[2] = {0, 0};
      offsets = kZeroOffsets;  // Wide enough for either offset width.
      view->offset = 0;
    }
    if (LargeOffsets(type)) {
      view->offsets64 = static_cast<const int64_t*>(offsets);
      TFX_RETURN_IF_ERROR(CheckOffsets(view->offsets64, view->offset, view->length, where));
    } else {
      view->offsets32 = static_cast<const int32_t*>(offsets);
      TFX_RETURN_IF_ERROR(CheckOffsets(view->offsets32, view->offset, view->length, where));
    }
  }
  if (is_list) {
    if (array.n_children != 1 || schema.n_children != 1 || array.children == nullptr ||
        schema.children == nullptr) {
      return InvalidArgument(where, ": a list array must have exactly one child");
    }
    TFX_ASSIGN_OR_RETURN(view->child,
                         MakeView(*schema.children[0], *array.children[0], where + ".item"));
    if (view->child->type == Type::kList || view->child->type == Type::kLargeList) {
      return InvalidArgument(where, ": nested lists are not supported");
    }
    const int64_t end = view->ValueOffset(view->offset + view->length);
    if (end > view->child->length) {
      return InvalidArgument(where, ": list offsets reach ", end, " but the values have only ",
                             view->child->length);
    }
  } else {
    const int buffer = HasOffsets(type) ? 2 : 1;
    view->values = array.buffers[buffer];
    const bool needs_values = HasOffsets(type)
                                  ? view->ValueOffset(view->offset + view->length) >
                                        view->ValueOffset(view->offset)
                                  : array.length > 0;
    if (view->values == nullptr && needs_values) {
      return InvalidArgument(where, ": missing values buffer");
    }
  }
  return view;
}

}  // namespace

const char* TypeName(Type type) {
  switch (type) {
    case Type::kNull: return "null";
    case Type::kInt64: return "int64";
    case Type::kFloat: return "float";
    case Type::kDouble: return "double";
    case Type::kUtf8: return "string";
    case Type::kLargeUtf8: return "large_string";
    case Type::kBinary: return "binary";
    case Type::kLargeBinary: return "large_binary";
    case Type::kList: return "list";
    case Type::kLargeList: return "large_list";
  }
  return "unknown";
}

bool IsNumeric(Type type) {
  return type == Type::kInt64 || type == Type::kFloat || type == Type::kDouble;
}

bool IsString(Type type) {
  return type == Type::kUtf8 || type == Type::kLargeUtf8 || type == Type::kBinary ||
         type == Type::kLargeBinary;
}

std::string ArrayView::TypeString() const {
  if (child) return StrCat(TypeName(type), "<", child->TypeString(), ">");
  return TypeName(type);
}

LeafRange Leaves(const ArrayView& view) {
  if (!view.child) return LeafRange{&view, 0, view.length};
  const int64_t begin = view.ValueOffset(view.offset);
  const int64_t end = view.ValueOffset(view.offset + view.length);
  return LeafRange{view.child.get(), begin, end - begin};
}

StatusOr<std::unique_ptr<ImportedArray>> ImportedArray::Import(ArrowSchema schema, ArrowArray array) {
  // Own both structs first, so they are released on every path.
  std::unique_ptr<ImportedArray> imported(new ImportedArray(schema, array));
  if (schema.release == nullptr || array.release == nullptr) {
    return InvalidArgument("Arrow array or schema was already released");
  }
  TFX_ASSIGN_OR_RETURN(imported->view_, MakeView(imported->schema_, imported->array_, "array"));
  return imported;
}

ImportedArray::~ImportedArray() {
  if (array_.release != nullptr) array_.release(&array_);
  if (schema_.release != nullptr) schema_.release(&schema_);
}

}  // namespace arrow
}  // namespace tfx_core
