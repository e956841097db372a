#include "tfx_core/sketches/distinct_count.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"

namespace tfx_core {
namespace {

DistinctCountSketch Of(int first, int last) {  // The values "v<first>".."v<last - 1>".
  DistinctCountSketch sketch;
  for (int i = first; i < last; ++i) sketch.Update("v" + std::to_string(i));
  return sketch;
}

TEST(DistinctCountSketchTest, ExactWhileSmallDespiteDuplicates) {
  DistinctCountSketch sketch;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 1000; ++i) sketch.Update("token" + std::to_string(i));
  }
  EXPECT_TRUE(sketch.exact());
  EXPECT_EQ(sketch.Estimate(), 1000.0);
  EXPECT_EQ(sketch.RelativeStandardError(), 0.0);
  EXPECT_EQ(DistinctCountSketch().Estimate(), 0.0);
}

TEST(DistinctCountSketchTest, EstimatesWithinFourStandardErrors) {
  for (int n : {5000, 20000, 100000, 1000000}) {
    DistinctCountSketch sketch = Of(0, n);
    ASSERT_FALSE(sketch.exact());
    const double error = std::abs(sketch.Estimate() - n) / n;
    EXPECT_LT(error, 4 * sketch.RelativeStandardError()) << n << " -> " << sketch.Estimate();
  }
}

TEST(DistinctCountSketchTest, MergesOverlappingParts) {
  DistinctCountSketch exact = Of(0, 1000);
  ASSERT_TRUE(exact.Merge(Of(500, 1500)).ok());
  EXPECT_TRUE(exact.exact());
  EXPECT_EQ(exact.Estimate(), 1500.0);

  DistinctCountSketch merged = Of(0, 60000);
  ASSERT_TRUE(merged.Merge(Of(40000, 100000)).ok());  // HLL + HLL.
  ASSERT_TRUE(merged.Merge(Of(99000, 100500)).ok());  // HLL + exact.
  DistinctCountSketch small = Of(0, 10);
  ASSERT_TRUE(small.Merge(merged).ok());  // Exact + HLL.
  for (const auto* s : {&merged, &small}) {
    EXPECT_LT(std::abs(s->Estimate() - 100500) / 100500, 4 * s->RelativeStandardError());
  }
  EXPECT_EQ(merged.Merge(DistinctCountSketch(12)).code(), StatusCode::kInvalidArgument);
}

TEST(DistinctCountSketchTest, SerializesBothModes) {
  for (int n : {300, 50000}) {
    DistinctCountSketch sketch = Of(0, n);
    auto copy = DistinctCountSketch::Deserialize(sketch.Serialize());
    ASSERT_TRUE(copy.ok()) << copy.status().message();
    EXPECT_EQ(copy->exact(), sketch.exact());
    EXPECT_EQ(copy->Estimate(), sketch.Estimate());
    EXPECT_EQ(copy->Serialize(), sketch.Serialize());
  }
  std::string bytes = Of(0, 50000).Serialize();
  EXPECT_NE(DistinctCountSketch::Deserialize(bytes.substr(0, bytes.size() - 1))
                .status().message().find("registers"), std::string::npos);
  EXPECT_EQ(DistinctCountSketch::Deserialize("HLL").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tfx_core
