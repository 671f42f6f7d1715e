// SigV4 signer against AWS's published test vectors (docs/s3.md, s3-testbed.md §2.4),
// and the canonical encoding rules.
#include <gtest/gtest.h>

#include "store/s3/digest.h"
#include "store/s3/s3_client.h"
#include "store/s3/sigv4_signer.h"

namespace wale::store::s3 {
namespace {

constexpr const char* kAk = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kSk = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kDate = "20130524T000000Z";
const std::string kEmpty(kEmptySha256);

TEST(S3SigV4, GetObjectWithRange) {
  SigV4Signer s(kAk, kSk, "us-east-1");
  SignableRequest r{"GET",
                    "/test.txt",
                    "",
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", kEmpty},
                     {"x-amz-date", kDate}},
                    kEmpty};
  EXPECT_EQ(s.signature(r, kDate), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization(r, kDate),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(S3SigV4, PutObjectWithEncodedPathAndStorageClass) {
  std::string body = "Welcome to Amazon S3.";
  std::string hash = sha256_hex(body);
  EXPECT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigV4Signer s(kAk, kSk, "us-east-1");
  SignableRequest r{"PUT",
                    "/" + uri_encode("test$file.text", true),
                    "",
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-date", kDate},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", hash}},
                    hash};
  EXPECT_EQ(r.canonical_uri, "/test%24file.text");
  EXPECT_EQ(s.signature(r, kDate), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(S3SigV4, GetBucketLifecycleValuelessParameter) {
  SigV4Signer s(kAk, kSk, "us-east-1");
  std::string q = canonical_query({{"lifecycle", ""}});
  EXPECT_EQ(q, "lifecycle=");
  SignableRequest r{"GET",
                    "/",
                    q,
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-content-sha256", kEmpty},
                     {"x-amz-date", kDate}},
                    kEmpty};
  EXPECT_EQ(s.signature(r, kDate), "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(S3SigV4, ListObjectsQueryIsSorted) {
  SigV4Signer s(kAk, kSk, "us-east-1");
  std::string q = canonical_query({{"prefix", "J"}, {"max-keys", "2"}});
  EXPECT_EQ(q, "max-keys=2&prefix=J");
  SignableRequest r{"GET",
                    "/",
                    q,
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-content-sha256", kEmpty},
                     {"x-amz-date", kDate}},
                    kEmpty};
  EXPECT_EQ(s.signature(r, kDate), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(S3SigV4, GenericSuiteGetVanilla) {
  SigV4Signer s("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service");
  SignableRequest r{"GET", "/", "", {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}}, kEmpty};
  EXPECT_EQ(s.signature(r, "20150830T123600Z"), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(S3SigV4, CanonicalRequestTrimsAndMergesHeaders) {
  SigV4Signer s("a", "b", "r");
  SignableRequest r{
      "GET", "/k", "", {{"X-Amz-Meta-A", "  x   y  "}, {"x-amz-meta-a", "z"}, {"Host", "h"}}, "UNSIGNED-PAYLOAD"};
  EXPECT_EQ(s.canonical_request(r), "GET\n/k\n\nhost:h\nx-amz-meta-a:x y,z\n\nhost;x-amz-meta-a\nUNSIGNED-PAYLOAD");
}

// AWS's PutObject example (the one above) as the SDKs send it over TLS: the same
// request, x-amz-content-sha256 UNSIGNED-PAYLOAD. The canonical request ends in
// the literal instead of the body's hash and the header carries it too, so the
// signature covers that choice; everything else is unchanged.
TEST(S3SigV4, UnsignedPayloadCanonicalRequest) {
  SigV4Signer s(kAk, kSk, "us-east-1");
  std::string hash = sha256_hex("Welcome to Amazon S3.");
  auto put = [&](const std::string& payload) {
    return SignableRequest{"PUT",
                           "/test%24file.text",
                           "",
                           {{"Host", "examplebucket.s3.amazonaws.com"},
                            {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                            {"x-amz-date", kDate},
                            {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                            {"x-amz-content-sha256", payload}},
                           payload};
  };
  const std::string head =
      "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\nhost:examplebucket.s3.amazonaws.com\n";
  const std::string names = "\ndate;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n";
  // AWS's documented canonical request for the signed payload...
  EXPECT_EQ(s.canonical_request(put(hash)), head + "x-amz-content-sha256:" + hash + "\nx-amz-date:" + kDate +
                                                "\nx-amz-storage-class:REDUCED_REDUNDANCY\n" + names + hash);
  EXPECT_EQ(s.signature(put(hash), kDate), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  // ...and the unsigned one.
  EXPECT_EQ(s.canonical_request(put("UNSIGNED-PAYLOAD")),
            head + "x-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:" + kDate +
                "\nx-amz-storage-class:REDUCED_REDUNDANCY\n" + names + "UNSIGNED-PAYLOAD");
  EXPECT_EQ(s.string_to_sign(put("UNSIGNED-PAYLOAD"), kDate),
            std::string("AWS4-HMAC-SHA256\n") + kDate + "\n20130524/us-east-1/s3/aws4_request\n" +
                sha256_hex(s.canonical_request(put("UNSIGNED-PAYLOAD"))));
  EXPECT_NE(s.signature(put("UNSIGNED-PAYLOAD"), kDate), s.signature(put(hash), kDate));
}

// Which payload hash a request is signed with: UNSIGNED-PAYLOAD only over https
// and only for a body the server checks against a (signed) Content-MD5.
TEST(S3SigV4, PayloadHashIsUnsignedOnlyOverHttpsWithContentMd5) {
  std::string text = "Welcome to Amazon S3.";
  auto body = std::as_bytes(std::span(text.data(), text.size()));
  const std::string hash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  S3Request put{.method = "PUT", .key = "k", .headers = {{"Content-MD5", md5_base64(text)}}, .body = body};
  EXPECT_EQ(payload_hash_for(put, "https"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(payload_hash_for(put, "http"), hash);  // plain http: the signature must cover the body
  S3Request no_md5{.method = "PUT", .key = "k", .body = body};
  EXPECT_EQ(payload_hash_for(no_md5, "https"), hash);  // nothing else would check the body
  S3Request get{.method = "GET", .key = "k"};
  EXPECT_EQ(payload_hash_for(get, "https"), kEmpty);
  EXPECT_EQ(payload_hash_for(get, "http"), kEmpty);
}

TEST(S3SigV4, UriEncoding) {
  EXPECT_EQ(uri_encode("wal_005/0000000100000000000000A1.lzo", true), "wal_005/0000000100000000000000A1.lzo");
  EXPECT_EQ(uri_encode("a b+c/d", true), "a%20b%2Bc/d");
  EXPECT_EQ(uri_encode("a b+c/d", false), "a%20b%2Bc%2Fd");
  EXPECT_EQ(uri_encode("~-_.!'()*$:", false), "~-_.%21%27%28%29%2A%24%3A");
  EXPECT_EQ(uri_encode("\xc3\xbc", true), "%C3%BC");
}

TEST(S3SigV4, CanonicalQueryEncodesTokensAndSortsByEncodedName) {
  EXPECT_EQ(canonical_query({{"continuation-token", "1Ab+cd/ef="}, {"list-type", "2"}, {"prefix", "wal_005/"}}),
            "continuation-token=1Ab%2Bcd%2Fef%3D&list-type=2&prefix=wal_005%2F");
  EXPECT_EQ(canonical_query({{"uploadId", "x y"}, {"partNumber", "10"}}), "partNumber=10&uploadId=x%20y");
  EXPECT_EQ(canonical_query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(canonical_query({}), "");
}

TEST(S3Crypto, DigestsAndEncodings) {
  EXPECT_EQ(sha256_hex(""), std::string(kEmptySha256));
  EXPECT_EQ(base64(md5("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(md5_base64("hello"), "XUFAKrxLKna5cZ2REBfFkg==");
  EXPECT_EQ(hex("\x01\xab"), "01ab");
  EXPECT_EQ(base64("ab"), "YWI=");
  Digest d(Digest::Kind::Sha256);
  d.update(std::string_view("Welcome to "));
  d.update(std::string_view("Amazon S3."));
  EXPECT_EQ(hex(d.finish()), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(hex(d.finish()), std::string(kEmptySha256));  // reusable after finish
}

}  // namespace
}  // namespace wale::store::s3
