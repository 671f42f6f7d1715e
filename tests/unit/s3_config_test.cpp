// S3 settings: prefix and endpoint parsing, region rules, validation, part sizing.
#include <gtest/gtest.h>

#include "core/error.h"
#include "store/s3/s3_config.h"

namespace wale::store::s3 {
namespace {

ErrorCode code_of(const std::function<void()>& f, std::string* msg = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (msg) *msg = e.message();
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::Internal;
}

TEST(S3Config, ParsePrefix) {
  auto a = parse_s3_prefix("s3://bucket/a/b");
  EXPECT_EQ(a.bucket, "bucket");
  EXPECT_EQ(a.prefix, "a/b/");
  auto b = parse_s3_prefix("s3://bucket");
  EXPECT_EQ(b.bucket, "bucket");
  EXPECT_EQ(b.prefix, "");
  EXPECT_EQ(parse_s3_prefix("s3://bucket/").prefix, "");
  EXPECT_EQ(parse_s3_prefix("s3://my.bucket/x/").prefix, "x/");
  EXPECT_EQ(code_of([] { parse_s3_prefix("s3:///path"); }), ErrorCode::Config);
  EXPECT_EQ(code_of([] { parse_s3_prefix("gs://bucket/path"); }), ErrorCode::Config);
  EXPECT_EQ(code_of([] { parse_s3_prefix("s3://buc ket/path"); }), ErrorCode::Config);
  EXPECT_EQ(code_of([] { parse_s3_prefix("s3://bucket/a//b"); }), ErrorCode::Config);
}

TEST(S3Config, ParseEndpoint) {
  auto e = parse_s3_endpoint("http+path://127.0.0.1:4618");
  EXPECT_EQ(e.scheme, "http");
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 4618);
  EXPECT_EQ(e.addressing, Addressing::Path);
  auto v = parse_s3_endpoint("https+virtualhost://s3.example.com");
  EXPECT_EQ(v.scheme, "https");
  EXPECT_EQ(v.port, 0);
  EXPECT_EQ(v.addressing, Addressing::VirtualHost);
  EXPECT_EQ(parse_s3_endpoint("HTTPS+SUBDOMAIN://Minio:9000/").addressing, Addressing::VirtualHost);
  EXPECT_EQ(parse_s3_endpoint("https+subdomain://minio:9000/").host, "minio");
  auto v6 = parse_s3_endpoint("http+path://[::1]:9000");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 9000);
}

TEST(S3Config, BadEndpointsAreOneLineConfigErrors) {
  for (const char* bad : {"http://host:1", "ftp+path://host", "http+weird://host", "host:9000", "http+path://",
                          "http+path://user:pw@host", "http+path://host/path", "http+path://host?x=1",
                          "http+path://host:0", "http+path://host:99999", "http+path://host:abc"}) {
    std::string msg;
    EXPECT_EQ(code_of([&] { parse_s3_endpoint(bad); }, &msg), ErrorCode::Config) << bad;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find("WALE_S3_ENDPOINT URI"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("pw"), std::string::npos) << "userinfo must not leak: " << msg;
  }
  std::string msg;
  code_of([] { parse_s3_endpoint("ftp+path://host"); }, &msg);
  EXPECT_EQ(msg, "WALE_S3_ENDPOINT URI scheme is invalid");
}

TEST(S3Config, RegionRules) {
  std::string msg;
  EXPECT_EQ(code_of([] { resolve_endpoint("", "", "b"); }, &msg), ErrorCode::Config);
  EXPECT_EQ(msg, "must define one of AWS_REGION or WALE_S3_ENDPOINT");
  auto aws = resolve_endpoint("eu-west-1", "", "wal-bucket");
  EXPECT_EQ(aws.region, "eu-west-1");
  EXPECT_EQ(aws.endpoint.host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(aws.endpoint.scheme, "https");
  EXPECT_EQ(aws.endpoint.addressing, Addressing::VirtualHost);
  EXPECT_EQ(resolve_endpoint("eu-west-1", "", "dotted.bucket").endpoint.addressing, Addressing::Path);
  auto custom = resolve_endpoint("", "http+path://127.0.0.1:9000", "b");
  EXPECT_EQ(custom.region, "us-east-1");
  EXPECT_EQ(custom.endpoint.host, "127.0.0.1");
  EXPECT_EQ(resolve_endpoint("eu-central-1", "http+path://h:1", "b").region, "eu-central-1");
  EXPECT_EQ(code_of([] { resolve_endpoint("EU WEST", "", "b"); }), ErrorCode::Config);
}

S3Config good() {
  S3Config c;
  c.bucket = "wal";
  c.region = "us-east-1";
  c.endpoint = parse_s3_endpoint("http+path://127.0.0.1:1");
  c.access_key_id = "AK";
  c.secret_access_key = "TOPSECRET";
  return c;
}

TEST(S3Config, Validation) {
  EXPECT_NO_THROW(validate(good()));
  auto expect_config = [](S3Config c) {
    std::string msg;
    EXPECT_EQ(code_of([&] { validate(c); }, &msg), ErrorCode::Config);
    EXPECT_EQ(msg.find("TOPSECRET"), std::string::npos);
  };
  S3Config c = good();
  c.access_key_id.clear();
  expect_config(c);
  c = good();
  c.secret_access_key.clear();
  expect_config(c);
  c = good();
  c.sse = "DES";
  expect_config(c);
  c = good();
  c.kms_key_id = "k";
  expect_config(c);
  c.sse = "aws:kms";
  EXPECT_NO_THROW(validate(c));
  c = good();
  c.prefix = "no-slash";
  expect_config(c);
  c = good();
  c.retries = 0;
  expect_config(c);
  c = good();
  c.storage_class = "standard ia";
  expect_config(c);
  c = good();
  c.storage_class = "STANDARD_IA";
  EXPECT_NO_THROW(validate(c));
}

TEST(S3Config, PartSizeGrowthFits5TiBIn10000Parts) {
  EXPECT_EQ(part_size_for(1, 1), kMinPartSize);  // raised to the S3 minimum
  EXPECT_EQ(part_size_for(8u << 20, 1), 8u << 20);
  EXPECT_EQ(part_size_for(kMinPartSize, 950), kMinPartSize);
  EXPECT_EQ(part_size_for(kMinPartSize, 951), 2 * kMinPartSize);
  std::uint64_t total = 0;
  std::uint64_t prev = 0;
  for (int n = 1; n <= kMaxParts; ++n) {
    std::uint64_t p = part_size_for(kMinPartSize, n);
    EXPECT_GE(p, kMinPartSize);
    EXPECT_LE(p, kMaxPartSize);
    EXPECT_GE(p, prev);
    prev = p;
    total += p;
  }
  EXPECT_GE(total, 5ull << 40) << "5 TiB must fit in 10,000 parts";
  EXPECT_EQ(part_size_for(kMaxPartSize * 4, 1), kMaxPartSize);
}

}  // namespace
}  // namespace wale::store::s3
