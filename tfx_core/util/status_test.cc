#include "tfx_core/util/status.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace tfx_core {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd value ", x);
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  TFX_ASSIGN_OR_RETURN(int half, Half(x));
  TFX_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
}

TEST(StatusTest, ErrorsCarryCodeAndMessage) {
  Status status = InvalidArgument("feature '", "fare", "' has ", 3, " values");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "feature 'fare' has 3 values");
}

TEST(StatusOrTest, PropagatesTheFirstError) {
  EXPECT_EQ(Quarter(8).value(), 2);
  StatusOr<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "odd value 3");
}

TEST(StatusOrTest, OkStatusIsAnInternalError) {
  StatusOr<int> wrong(Status::OK());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInternal);
}

TEST(StatusOrTest, HoldsMoveOnlyValues) {
  StatusOr<std::unique_ptr<int>> value(std::make_unique<int>(7));
  ASSERT_TRUE(value.ok());
  std::unique_ptr<int> taken = std::move(value).value();
  EXPECT_EQ(*taken, 7);
}

}  // namespace
}  // namespace tfx_core
