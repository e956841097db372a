#include "ops/cuda/mappers_gpu.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace tfx_core {
namespace cuda {
namespace {

class MappersGpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!Built()) GTEST_SKIP() << "built without --config=cuda";
    StatusOr<int> devices = DeviceCount();
    if (!devices.ok()) GTEST_SKIP() << "no GPU: " << devices.status().message();
  }
};

std::vector<double> TestValues() {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal(3.0, 10.0);
  std::vector<double> x(100003);
  for (double& v : x) v = normal(rng);
  x[7] = NAN;
  x[10] = -std::nan("0x123");  // A NaN with a sign and a payload: it must come out as itself.
  x[8] = INFINITY;
  x[9] = -INFINITY;
  return x;
}

// Success if cpu and gpu hold the same bits; else the first differing element, in hexfloat.
template <typename T>
::testing::AssertionResult SameBits(const std::vector<T>& cpu, const std::vector<T>& gpu,
                                    const std::vector<double>& x) {
  for (size_t i = 0; i < cpu.size(); ++i) {
    if (std::memcmp(&cpu[i], &gpu[i], sizeof(T)) != 0) {
      return ::testing::AssertionFailure() << std::hexfloat << "element " << i << ": x = " << x[i]
                                           << ", cpu " << cpu[i] << ", gpu " << gpu[i];
    }
  }
  return ::testing::AssertionSuccess();
}

TEST_F(MappersGpuTest, ZScoreMatchesCpuBitForBit) {
  const std::vector<double> x64 = TestValues();
  std::vector<float> x32(x64.begin(), x64.end());
  auto params = transform::ZScore::Create(3.0, 10.0).value();
  std::vector<double> cpu64(x64.size()), gpu64(x64.size());
  transform::MapValues(params.Fn<double>(), x64.data(), x64.size(), cpu64.data());
  ASSERT_TRUE(ScaleToZScore(params, {DType::kFloat64, x64.data(), (int64_t)x64.size()}, gpu64.data()).ok());
  EXPECT_TRUE(SameBits(cpu64, gpu64, x64));
  std::vector<float> cpu32(x32.size()), gpu32(x32.size());
  transform::MapValues(params.Fn<float>(), x32.data(), x32.size(), cpu32.data());
  ASSERT_TRUE(ScaleToZScore(params, {DType::kFloat32, x32.data(), (int64_t)x32.size()}, gpu32.data()).ok());
  EXPECT_TRUE(SameBits(cpu32, gpu32, x64));
}

TEST_F(MappersGpuTest, ScaleTo01MatchesCpuBitForBit) {
  const std::vector<double> x = TestValues();
  auto params = transform::ZeroOne::Create(-20.0, 30.0).value();
  std::vector<double> cpu(x.size()), gpu(x.size());
  transform::MapValues(params.Fn<double>(), x.data(), x.size(), cpu.data());
  ASSERT_TRUE(ScaleTo01(params, {DType::kFloat64, x.data(), (int64_t)x.size()}, gpu.data()).ok());
  EXPECT_TRUE(SameBits(cpu, gpu, x));
  const std::vector<float> x32(x.begin(), x.end());
  std::vector<float> cpu32(x.size()), gpu32(x.size());
  transform::MapValues(params.Fn<float>(), x32.data(), x32.size(), cpu32.data());
  ASSERT_TRUE(ScaleTo01(params, {DType::kFloat32, x32.data(), (int64_t)x32.size()}, gpu32.data()).ok());
  EXPECT_TRUE(SameBits(cpu32, gpu32, x));
}

TEST_F(MappersGpuTest, BucketizeMatchesCpu) {
  const std::vector<double> x = TestValues();
  std::vector<double> boundaries;
  for (int i = 0; i < 100; ++i) boundaries.push_back(-30.0 + 0.6 * i);
  auto params = transform::Buckets::Create(boundaries).value();
  std::vector<int64_t> cpu(x.size()), gpu(x.size());
  transform::MapValues(params.Fn(), x.data(), x.size(), cpu.data());
  ASSERT_TRUE(Bucketize(params, {DType::kFloat64, x.data(), (int64_t)x.size()}, gpu.data()).ok());
  EXPECT_EQ(cpu, gpu);
}

TEST(MappersGpuAvailabilityTest, MissingGpuIsAnErrorNotACrash) {
  auto params = transform::ZScore::Create(0.0, 1.0).value();
  const double x = 1.0;
  double out = 0;
  Status status = ScaleToZScore(params, {DType::kFloat64, &x, 1}, &out);
  if (Built() && DeviceCount().ok()) {
    EXPECT_TRUE(status.ok());
    EXPECT_EQ(out, 1.0);
  } else {
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.message();
  }
}

}  // namespace
}  // namespace cuda
}  // namespace tfx_core
