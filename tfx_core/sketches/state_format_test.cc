// The serialized-state format: its header, little-endian values, and states written by format
// version 1, which every later release must still load.
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tfx_core/sketches/bytes.h"
#include "tfx_core/sketches/distinct_count.h"
#include "tfx_core/sketches/kll.h"
#include "tfx_core/sketches/top_k.h"

namespace tfx_core {
namespace {

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string ToHex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

TEST(StateFormatTest, ValuesAreLittleEndianWhateverTheHost) {
  std::string out;
  PutBytes(&out, uint32_t{0x01020304});
  PutBytes(&out, 1.0);
  EXPECT_EQ(ToHex(out), "04030201" "000000000000f03f");
  const uint16_t values[] = {1, 0x0203};
  PutArray(&out, values, 2);
  size_t pos = 12;
  uint16_t back[2];
  ASSERT_TRUE(GetArray(out, &pos, back, 2));
  EXPECT_EQ(back[0], 1);
  EXPECT_EQ(back[1], 0x0203);
  EXPECT_FALSE(GetArray(out, &pos, back, 1));  // Nothing left.
}

TEST(StateFormatTest, HeaderNamesKindAndVersion) {
  const std::string kll = KllSketch(8).Serialize();
  EXPECT_EQ(kll.substr(0, 6), std::string("TFXC\x01\x01", 6));
  const auto wrong_kind = TopKSketch::Deserialize(kll);
  EXPECT_EQ(wrong_kind.status().message(), "expected a serialized top-k sketch, got a KLL sketch");
  std::string newer = kll;
  newer[4] = 2;
  EXPECT_EQ(KllSketch::Deserialize(newer).status().message(),
            "serialized KLL sketch has format version 2; this tfx_core reads up to 1: upgrade "
            "tfx_core");
  EXPECT_EQ(KllSketch::Deserialize("KLL1....").status().message(),
            "not a serialized KLL sketch (no TFXC header)");
}

// Written by format version 1 (this test's first release) from the states built below.
constexpr char kKllV1[] =
    "54465843010108000000aa4a51950a0000001400000000000000000000000000f03f000000000000"
    "3440020000000c000000000000000000f03f00000000000024400000000000002640000000000000"
    "28400000000000002a400000000000002c400000000000002e400000000000003040000000000000"
    "31400000000000003240000000000000334000000000000034400400000000000000000000400000"
    "00000000104000000000000018400000000000002040";
constexpr char kTopKV1[] =
    "54465843010204000000000000000000000000001840000000000000000003000000000000000400"
    "00000000000063617368000000000000084004000000000000006361726400000000000000400300"
    "000000000000617070000000000000f03f";
constexpr char kDistinctV1[] =
    "5446584301030a00000010000000000000000111ce7bac17524e0cbec551b9ce11c526f24168784d"
    "162844272ddbf7fceffb6d8aa57ff25c5a1fea";

KllSketch KllFixture() {
  KllSketch sketch(8, 42);
  for (int i = 1; i <= 20; ++i) sketch.Update(static_cast<double>(i));
  return sketch;
}

TopKSketch TopKFixture() {
  TopKSketch sketch(4);
  for (const char* v : {"cash", "card", "cash", "app", "cash", "card"}) sketch.Update(v);
  return sketch;
}

DistinctCountSketch DistinctFixture() {
  DistinctCountSketch sketch(10, 16);
  for (int i = 0; i < 5; ++i) sketch.Update(std::to_string(i * 7));
  return sketch;
}

TEST(StateFormatTest, VersionOneStatesStillLoad) {
  // Today's states are written exactly so (a new layout must bump kStateFormatVersion and keep
  // reading these).
  EXPECT_EQ(ToHex(KllFixture().Serialize()), kKllV1);
  EXPECT_EQ(ToHex(TopKFixture().Serialize()), kTopKV1);
  EXPECT_EQ(ToHex(DistinctFixture().Serialize()), kDistinctV1);

  auto kll = KllSketch::Deserialize(FromHex(kKllV1));
  ASSERT_TRUE(kll.ok()) << kll.status().message();
  EXPECT_EQ(kll->count(), 20u);
  EXPECT_EQ(kll->min(), 1.0);
  EXPECT_EQ(kll->max(), 20.0);
  EXPECT_EQ(kll->Quantile(0.5), KllFixture().Quantile(0.5));

  auto top = TopKSketch::Deserialize(FromHex(kTopKV1));
  ASSERT_TRUE(top.ok()) << top.status().message();
  const auto head = top->Top(2);
  ASSERT_EQ(head.size(), 2u);
  EXPECT_EQ(head[0].first, "cash");
  EXPECT_EQ(head[0].second, 3.0);
  EXPECT_EQ(top->total_weight(), 6.0);

  auto distinct = DistinctCountSketch::Deserialize(FromHex(kDistinctV1));
  ASSERT_TRUE(distinct.ok()) << distinct.status().message();
  EXPECT_EQ(distinct->Estimate(), 5.0);
}

}  // namespace
}  // namespace tfx_core
