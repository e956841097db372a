// Hand-built Arrow arrays for C++ tests: a Column owns the buffers behind its view.
#ifndef TFX_CORE_ARROW_TESTING_H_
#define TFX_CORE_ARROW_TESTING_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tfx_core/arrow/array.h"

namespace tfx_core {
namespace arrow {
namespace testing {

// Owns the buffers behind hand-built Arrow views.
struct Column {
  std::vector<double> doubles;
  std::vector<int64_t> ints;
  std::vector<uint8_t> validity;
  std::vector<int32_t> offsets;
  std::string bytes;
  std::unique_ptr<ArrayView> view = std::make_unique<ArrayView>();
  std::unique_ptr<Column> child;
};

inline void SetValidity(Column* c, const std::vector<bool>& valid) {
  c->validity.assign((valid.size() + 7) / 8, 0);
  for (size_t i = 0; i < valid.size(); ++i) {
    if (valid[i]) c->validity[i / 8] |= 1 << (i % 8);
    else ++c->view->null_count;
  }
  c->view->validity = c->validity.data();
}

inline std::unique_ptr<Column> Doubles(std::vector<double> values, std::vector<bool> valid = {}) {
  auto c = std::make_unique<Column>();
  c->doubles = std::move(values);
  c->view->type = Type::kDouble;
  c->view->length = c->doubles.size();
  c->view->values = c->doubles.data();
  if (!valid.empty()) SetValidity(c.get(), valid);
  return c;
}

inline std::unique_ptr<Column> Strings(const std::vector<std::string>& values, std::vector<bool> valid = {}) {
  auto c = std::make_unique<Column>();
  c->offsets.push_back(0);
  for (const std::string& v : values) {
    c->bytes += v;
    c->offsets.push_back(static_cast<int32_t>(c->bytes.size()));
  }
  c->view->type = Type::kUtf8;
  c->view->length = values.size();
  c->view->offsets32 = c->offsets.data();
  c->view->values = c->bytes.data();
  if (!valid.empty()) SetValidity(c.get(), valid);
  return c;
}

// A list<int64> column: rows[i] is row i's values; valid[i] false makes the row null.
inline std::unique_ptr<Column> IntLists(const std::vector<std::vector<int64_t>>& rows, std::vector<bool> valid) {
  auto c = std::make_unique<Column>();
  c->child = std::make_unique<Column>();
  c->offsets.push_back(0);
  for (const auto& row : rows) {
    c->child->ints.insert(c->child->ints.end(), row.begin(), row.end());
    c->offsets.push_back(static_cast<int32_t>(c->child->ints.size()));
  }
  c->child->view->type = Type::kInt64;
  c->child->view->length = c->child->ints.size();
  c->child->view->values = c->child->ints.data();
  c->view->type = Type::kList;
  c->view->length = rows.size();
  c->view->offsets32 = c->offsets.data();
  c->view->child = std::move(c->child->view);
  c->child->view = std::make_unique<ArrayView>();  // Ownership moved into the list view.
  SetValidity(c.get(), valid);
  return c;
}

}  // namespace testing
}  // namespace arrow
}  // namespace tfx_core

#endif  // TFX_CORE_ARROW_TESTING_H_
