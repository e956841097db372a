#include "tfx_core/arrow/example_encoder.h"

#include <algorithm>
#include <mutex>
#include <numeric>
#include <set>

#include "tfx_core/util/parallel_for.h"

namespace tfx_core {
namespace arrow {
namespace {

// Wire type 2 (length-delimited): every field of tf.Example's messages that we write.
constexpr uint8_t Tag(int field) { return static_cast<uint8_t>((field << 3) | 2); }
// Feature's oneof kinds.
constexpr int kBytesList = 1, kFloatList = 2, kInt64List = 3;
constexpr int64_t kRowsPerTask = 1024;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutField(int field, const std::string& payload, std::string* out) {
  out->push_back(static_cast<char>(Tag(field)));
  PutVarint(payload.size(), out);
  out->append(payload);
}

int KindOf(Type type) {
  if (type == Type::kInt64) return kInt64List;
  if (type == Type::kFloat || type == Type::kDouble) return kFloatList;
  return kBytesList;
}

// The Feature message holding leaf[begin, begin + count).
Status EncodeFeature(const ArrayView& leaf, int64_t begin, int64_t count,
                     const std::string& name, int64_t row, std::string* list,
                     std::string* feature) {
  list->clear();
  for (int64_t i = begin; i < begin + count; ++i) {
    if (!leaf.IsValid(i)) {
      return InvalidArgument("feature '", name, "' row ", row,
                             ": a list holds a null value; tf.Example has no null values");
    }
  }
  std::string values;
  switch (leaf.type) {
    case Type::kInt64:
      for (int64_t i = begin; i < begin + count; ++i) {
        PutVarint(static_cast<uint64_t>(leaf.Values<int64_t>()[i]), &values);
      }
      break;
    case Type::kFloat:
      values.append(reinterpret_cast<const char*>(leaf.Values<float>() + begin), 4 * count);
      break;
    case Type::kDouble:
      for (int64_t i = begin; i < begin + count; ++i) {
        const float f = static_cast<float>(leaf.Values<double>()[i]);
        values.append(reinterpret_cast<const char*>(&f), 4);
      }
      break;
    default:
      for (int64_t i = begin; i < begin + count; ++i) {
        const std::string_view s = leaf.String(i);
        list->push_back(static_cast<char>(Tag(1)));
        PutVarint(s.size(), list);
        list->append(s.data(), s.size());
      }
      break;
  }
  if (leaf.type == Type::kInt64 || leaf.type == Type::kFloat || leaf.type == Type::kDouble) {
    if (count > 0) PutField(1, values, list);  // Packed, as protobuf writes repeated numbers.
  }
  feature->clear();
  PutField(KindOf(leaf.type), *list, feature);
  return Status::OK();
}

}  // namespace

Status EncodeExamples(const std::vector<std::string>& names,
                      const std::vector<const ArrayView*>& columns, int64_t rows,
                      std::vector<std::string>* out) {
  if (names.size() != columns.size()) {
    return InvalidArgument("EncodeExamples: ", names.size(), " names for ", columns.size(),
                           " columns");
  }
  if (std::set<std::string>(names.begin(), names.end()).size() != names.size()) {
    return InvalidArgument("EncodeExamples: feature names must be unique");
  }
  std::vector<size_t> order(names.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return names[a] < names[b]; });
  for (size_t c : order) {
    const ArrayView& view = *columns[c];
    if (view.length != rows) {
      return InvalidArgument("feature '", names[c], "' has ", view.length, " rows, expected ",
                             rows);
    }
    const Type leaf = (view.type == Type::kList || view.type == Type::kLargeList)
                          ? view.child->type
                          : view.type;
    if (leaf == Type::kList || leaf == Type::kLargeList) {
      return InvalidArgument("feature '", names[c], "' is ", view.TypeString(),
                             "; tf.Example holds flat lists of numbers or bytes");
    }
  }
  out->assign(rows, std::string());
  std::mutex mu;
  Status error;
  ParallelFor(rows, kRowsPerTask, [&](int64_t first, int64_t last) {
    std::string list, feature, entry, features;
    for (int64_t r = first; r < last; ++r) {
      features.clear();
      for (size_t c : order) {
        const ArrayView& view = *columns[c];
        if (!view.IsValid(r)) continue;
        const bool is_list = view.type == Type::kList || view.type == Type::kLargeList;
        const ArrayView& leaf = is_list ? *view.child : view;
        int64_t begin = r, count = 1;
        if (is_list) {
          begin = view.ValueOffset(view.offset + r) - leaf.offset;
          count = view.ValueOffset(view.offset + r + 1) - view.ValueOffset(view.offset + r);
        }
        if (leaf.type == Type::kNull) continue;
        Status status = EncodeFeature(leaf, begin, count, names[c], r, &list, &feature);
        if (!status.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (error.ok()) error = status;
          return;
        }
        entry.clear();
        PutField(1, names[c], &entry);
        PutField(2, feature, &entry);
        PutField(1, entry, &features);
      }
      std::string& example = (*out)[r];
      PutField(1, features, &example);
    }
  });
  return error;
}

}  // namespace arrow
}  // namespace tfx_core
