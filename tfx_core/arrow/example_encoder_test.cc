// The encoder's bytes against tf.Example's wire format worked out by hand (tests/ checks them
// against TensorFlow's own parser).
#include "tfx_core/arrow/example_encoder.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tfx_core/arrow/testing.h"

namespace tfx_core {
namespace arrow {
namespace {

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(ExampleEncoderTest, OneInt64Feature) {
  auto column = testing::IntLists({{1}, {}}, {true, false});
  std::vector<std::string> out;
  ASSERT_TRUE(EncodeExamples({"a"}, {column->view.get()}, 2, &out).ok());
  // Example{features{feature{key: "a" value{int64_list{value: 1}}}}}.
  EXPECT_EQ(out[0], Bytes({0x0a, 0x0c, 0x0a, 0x0a, 0x0a, 0x01, 'a', 0x12, 0x05, 0x1a, 0x03, 0x0a,
                           0x01, 0x01}));
  EXPECT_EQ(out[1], Bytes({0x0a, 0x00}));  // A null row: the feature is left out.
}

TEST(ExampleEncoderTest, FloatsStringsAndNameOrder) {
  auto x = testing::Doubles({0.5});
  auto s = testing::Strings({"hi"});
  std::vector<std::string> out;
  ASSERT_TRUE(EncodeExamples({"x", "s"}, {x->view.get(), s->view.get()}, 1, &out).ok());
  const std::string s_entry = Bytes({0x0a, 0x01, 's', 0x12, 0x06, 0x0a, 0x04, 0x0a, 0x02, 'h',
                                     'i'});
  // 0.5f little-endian: 00 00 00 3f.
  const std::string x_entry = Bytes({0x0a, 0x01, 'x', 0x12, 0x08, 0x12, 0x06, 0x0a, 0x04, 0x00,
                                     0x00, 0x00, 0x3f});
  const std::string features = Bytes({0x0a, static_cast<int>(s_entry.size())}) + s_entry +
                               Bytes({0x0a, static_cast<int>(x_entry.size())}) + x_entry;
  EXPECT_EQ(out[0], Bytes({0x0a, static_cast<int>(features.size())}) + features);
}

TEST(ExampleEncoderTest, ErrorsNameTheFeature) {
  auto x = testing::Doubles({0.5, 1.5});
  std::vector<std::string> out;
  const Status rows = EncodeExamples({"x"}, {x->view.get()}, 3, &out);
  EXPECT_NE(rows.message().find("feature 'x' has 2 rows, expected 3"), std::string::npos);
  EXPECT_FALSE(EncodeExamples({"x", "x"}, {x->view.get(), x->view.get()}, 2, &out).ok());
}

}  // namespace
}  // namespace arrow
}  // namespace tfx_core
