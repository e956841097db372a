#include "tfx_core/arrow/array.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core {
namespace arrow {
namespace {

// Builds C-data structs over buffers owned by the test. Release callbacks count their calls so
// tests can check ImportedArray releases exactly once.
int g_releases = 0;
void ReleaseArray(ArrowArray* a) { a->release = nullptr; ++g_releases; }
void ReleaseSchema(ArrowSchema* s) { s->release = nullptr; ++g_releases; }

struct Owned {
  std::vector<const void*> buffers;
  std::vector<ArrowArray*> children;
  std::vector<ArrowSchema*> schema_children;
};

ArrowSchema MakeSchema(const char* format, ArrowSchema** children = nullptr, int64_t n = 0) {
  ArrowSchema s{};
  s.format = format;
  s.n_children = n;
  s.children = children;
  s.release = ReleaseSchema;
  return s;
}

ArrowArray MakeArray(int64_t length, int64_t null_count, int64_t offset, Owned* owned,
                     ArrowArray** children = nullptr, int64_t n_children = 0) {
  ArrowArray a{};
  a.length = length;
  a.null_count = null_count;
  a.offset = offset;
  a.n_buffers = static_cast<int64_t>(owned->buffers.size());
  a.buffers = owned->buffers.data();
  a.n_children = n_children;
  a.children = children;
  a.release = ReleaseArray;
  return a;
}

TEST(ImportedArrayTest, ReadsSlicedDoublesWithNulls) {
  const std::vector<double> values = {1.0, 2.0, NAN, 4.0, 5.0};
  const uint8_t validity = 0b11011;  // Element 2 is null.
  Owned owned{{&validity, values.data()}};
  g_releases = 0;
  {
    auto imported = ImportedArray::Import(MakeSchema("g"), MakeArray(3, 1, 1, &owned));
    ASSERT_TRUE(imported.ok()) << imported.status().message();
    const ArrayView& v = (*imported)->view();
    EXPECT_EQ(v.type, Type::kDouble);
    EXPECT_EQ(v.length, 3);
    EXPECT_EQ(v.Values<double>()[0], 2.0);
    EXPECT_TRUE(v.IsValid(0));
    EXPECT_FALSE(v.IsValid(1));
    EXPECT_TRUE(v.IsValid(2));
  }
  EXPECT_EQ(g_releases, 2);  // Array and schema, once each.
}

TEST(ImportedArrayTest, ReadsStringsAndLargeStrings) {
  const std::string data = "adeliegentoochinstrap";
  const std::vector<int32_t> offsets = {0, 6, 12, 21};
  Owned owned{{nullptr, offsets.data(), data.data()}};
  auto imported = ImportedArray::Import(MakeSchema("u"), MakeArray(3, 0, 0, &owned));
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ((*imported)->view().String(1), "gentoo");
  EXPECT_EQ((*imported)->view().String(2), "chinstrap");

  const std::vector<int64_t> offsets64 = {0, 6, 12, 21};
  Owned owned64{{nullptr, offsets64.data(), data.data()}};
  auto large = ImportedArray::Import(MakeSchema("U"), MakeArray(2, 0, 1, &owned64));
  ASSERT_TRUE(large.ok()) << large.status().message();
  EXPECT_EQ((*large)->view().String(0), "gentoo");
  EXPECT_EQ((*large)->view().TypeString(), "large_string");
}

TEST(ImportedArrayTest, ReadsSlicedListOfFloats) {
  const std::vector<float> values = {1, 2, 3, 4, 5, 6};
  Owned child_owned{{nullptr, values.data()}};
  ArrowArray child = MakeArray(6, 0, 0, &child_owned);
  ArrowArray* children[] = {&child};
  ArrowSchema child_schema = MakeSchema("f");
  ArrowSchema* schema_children[] = {&child_schema};
  const std::vector<int32_t> offsets = {0, 2, 2, 5, 6};
  Owned owned{{nullptr, offsets.data()}};
  auto imported = ImportedArray::Import(MakeSchema("+l", schema_children, 1),
                                        MakeArray(2, 0, 1, &owned, children, 1));
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  const ArrayView& v = (*imported)->view();
  EXPECT_EQ(v.TypeString(), "list<float>");
  LeafRange leaves = Leaves(v);
  EXPECT_EQ(leaves.begin, 2);
  EXPECT_EQ(leaves.count, 3);
  EXPECT_EQ(leaves.leaf->Values<float>()[leaves.begin], 3.0f);
}

TEST(ImportedArrayTest, RejectsUnsupportedFormat) {
  Owned owned{{nullptr, nullptr}};
  auto imported = ImportedArray::Import(MakeSchema("i"), MakeArray(0, 0, 0, &owned));
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.status().message().find("format 'i'"), std::string::npos);
}

TEST(ImportedArrayTest, RejectsDecreasingOffsets) {
  const std::string data = "abc";
  const std::vector<int32_t> offsets = {0, 2, 1};
  Owned owned{{nullptr, offsets.data(), data.data()}};
  g_releases = 0;
  auto imported = ImportedArray::Import(MakeSchema("u"), MakeArray(2, 0, 0, &owned));
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.status().message().find("offsets decrease at element 1"), std::string::npos);
  EXPECT_EQ(g_releases, 2);  // Released on the error path too.
}

TEST(ImportedArrayTest, RejectsNullCountWithoutBitmap) {
  const std::vector<int64_t> values = {1, 2};
  Owned owned{{nullptr, values.data()}};
  auto imported = ImportedArray::Import(MakeSchema("l"), MakeArray(2, 1, 0, &owned));
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.status().message().find("no validity bitmap"), std::string::npos);
}

TEST(ImportedArrayTest, RejectsListOffsetsPastValues) {
  const std::vector<double> values = {1, 2};
  Owned child_owned{{nullptr, values.data()}};
  ArrowArray child = MakeArray(2, 0, 0, &child_owned);
  ArrowArray* children[] = {&child};
  ArrowSchema child_schema = MakeSchema("g");
  ArrowSchema* schema_children[] = {&child_schema};
  const std::vector<int32_t> offsets = {0, 3};
  Owned owned{{nullptr, offsets.data()}};
  auto imported = ImportedArray::Import(MakeSchema("+l", schema_children, 1),
                                        MakeArray(1, 0, 0, &owned, children, 1));
  ASSERT_FALSE(imported.ok());
  EXPECT_NE(imported.status().message().find("reach 3"), std::string::npos);
}

TEST(ImportedArrayTest, AcceptsEmptyArrays) {
  Owned owned{{nullptr, nullptr, nullptr}};
  auto imported = ImportedArray::Import(MakeSchema("u"), MakeArray(0, 0, 0, &owned));
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  EXPECT_EQ((*imported)->view().length, 0);
}

}  // namespace
}  // namespace arrow
}  // namespace tfx_core
