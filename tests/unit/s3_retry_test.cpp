// Retry classification and the backoff policy of the S3 driver.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>

#include "core/error.h"
#include "store/s3/retry_policy.h"
#include "store/s3/s3_errors.h"
#include "test_support/fake_clock.h"

namespace wale::store::s3 {
namespace {

using test::FakeClock;

TEST(S3Retry, HttpClassification) {
  EXPECT_TRUE(is_retryable_http(500, "InternalError"));
  EXPECT_TRUE(is_retryable_http(503, "SlowDown"));
  EXPECT_TRUE(is_retryable_http(502, ""));
  EXPECT_TRUE(is_retryable_http(429, ""));
  EXPECT_TRUE(is_retryable_http(400, "RequestTimeout"));
  EXPECT_TRUE(is_retryable_http(400, "BadDigest"));
  EXPECT_TRUE(is_retryable_http(400, "XAmzContentSHA256Mismatch"));
  EXPECT_FALSE(is_retryable_http(403, "SignatureDoesNotMatch"));
  EXPECT_FALSE(is_retryable_http(403, "AccessDenied"));
  EXPECT_FALSE(is_retryable_http(404, "NoSuchBucket"));
  EXPECT_FALSE(is_retryable_http(400, "InvalidArgument"));
  EXPECT_FALSE(is_retryable_http(403, "RequestTimeTooSkewed"));
}

TEST(S3Retry, CurlClassification) {
  EXPECT_TRUE(is_retryable_curl(CURLE_COULDNT_CONNECT));
  EXPECT_TRUE(is_retryable_curl(CURLE_OPERATION_TIMEDOUT));
  EXPECT_TRUE(is_retryable_curl(CURLE_RECV_ERROR));
  EXPECT_TRUE(is_retryable_curl(CURLE_SEND_ERROR));
  EXPECT_TRUE(is_retryable_curl(CURLE_PARTIAL_FILE));
  EXPECT_TRUE(is_retryable_curl(CURLE_GOT_NOTHING));
  EXPECT_FALSE(is_retryable_curl(CURLE_PEER_FAILED_VERIFICATION));
  EXPECT_FALSE(is_retryable_curl(CURLE_COULDNT_RESOLVE_HOST));
  EXPECT_FALSE(is_retryable_curl(CURLE_URL_MALFORMAT));
}

TEST(S3Retry, ErrorsNameBucketKeyAndCause) {
  Error wrong = http_error(403, "SignatureDoesNotMatch", "", "PUT", "s3://wal/p/k", "wal");
  EXPECT_EQ(wrong.code(), ErrorCode::Config);
  EXPECT_NE(wrong.message().find("s3://wal/p/k"), std::string::npos);
  EXPECT_NE(wrong.message().find("secret access key is probably wrong"), std::string::npos);
  EXPECT_EQ(wrong.message().find('\n'), std::string::npos);
  Error bucket = http_error(404, "NoSuchBucket", "", "GET", "s3://nope/k", "nope");
  EXPECT_EQ(bucket.code(), ErrorCode::Config);
  EXPECT_NE(bucket.message().find("bucket \"nope\" does not exist"), std::string::npos);
  Error denied = http_error(403, "AccessDenied", "", "GET", "s3://wal/k", "wal");
  EXPECT_EQ(denied.code(), ErrorCode::Remote);
  EXPECT_NE(denied.message().find("access denied"), std::string::npos);
  EXPECT_EQ(http_error(503, "SlowDown", "", "PUT", "s3://wal/k", "wal").code(), ErrorCode::Transient);
  Error tls = curl_error(CURLE_PEER_FAILED_VERIFICATION, "SSL certificate problem", "GET", "s3://wal/k");
  EXPECT_EQ(tls.code(), ErrorCode::Config);
  EXPECT_FALSE(tls.hint().empty());
  EXPECT_EQ(curl_error(CURLE_COULDNT_CONNECT, "", "GET", "s3://wal/k").code(), ErrorCode::Transient);
}

TEST(S3Retry, BackoffIsExponentialJitteredAndCapped) {
  RetryPolicy p(10, std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
  EXPECT_EQ(p.ceiling(1).count(), 100);
  EXPECT_EQ(p.ceiling(2).count(), 200);
  EXPECT_EQ(p.ceiling(4).count(), 800);
  EXPECT_EQ(p.ceiling(5).count(), 1000);
  EXPECT_EQ(p.ceiling(50).count(), 1000);
  for (std::uint64_t r : {0ull, 1ull, 99ull, 12345678901ull, ~0ull}) {
    EXPECT_LE(p.delay(3, r).count(), 400);
    EXPECT_GE(p.delay(3, r).count(), 0);
  }
}

TEST(S3Retry, RetriesTransientUpToMaxAttempts) {
  auto clock = std::make_shared<FakeClock>();
  RetryPolicy p(4, std::chrono::milliseconds(100), std::chrono::milliseconds(1000), clock);
  int calls = 0;
  try {
    p.run("PUT s3://b/k", [&] {
      ++calls;
      throw Error(ErrorCode::Transient, "boom");
    });
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Transient);
    EXPECT_NE(e.detail().find("gave up after 4 attempts"), std::string::npos);
  }
  EXPECT_EQ(calls, 4);
  EXPECT_LE(clock->slept(), std::chrono::milliseconds(100 + 200 + 400));

  calls = 0;
  p.run("x", [&] {
    if (++calls < 3) throw Error(ErrorCode::Transient, "again");
  });
  EXPECT_EQ(calls, 3);
}

TEST(S3Retry, NonRetryableAndCancelledFailAtOnce) {
  auto clock = std::make_shared<FakeClock>();
  RetryPolicy p(100, std::chrono::milliseconds(100), std::chrono::milliseconds(1000), clock);
  int calls = 0;
  EXPECT_THROW(p.run("x",
                     [&] {
                       ++calls;
                       throw Error(ErrorCode::Remote, "403");
                     }),
               Error);
  EXPECT_EQ(calls, 1);
  std::atomic<bool> cancel{true};
  calls = 0;
  EXPECT_THROW(p.run(
                   "x",
                   [&] {
                     ++calls;
                     throw Error(ErrorCode::Transient, "503");
                   },
                   &cancel),
               Error);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(clock->slept().count(), 0);
}

}  // namespace
}  // namespace wale::store::s3
