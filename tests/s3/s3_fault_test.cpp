// Fault injection: the driver talks to radosgw through FaultProxy, which answers
// 500/503 SlowDown bursts, resets connections (during the request and mid-body),
// stalls, cuts replies short and damages bytes. Transient faults must be
// survived with correct data; persistent ones must fail within bounded time;
// success with missing or damaged data must never be reported.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <thread>

#include "codec/codec.h"
#include "core/error.h"
#include "core/stop_token.h"
#include "crypto/encrypting_store.h"
#include "crypto/sodium_key.h"
#include "fault_proxy.h"
#include "io/filter_streams.h"
#include "s3_test_env.h"
#include "store/s3/credentials_cache.h"
#include "store/s3/digest.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_download_source.h"
#include "store/s3/s3_store.h"

namespace wale::test {
namespace {

using namespace std::chrono_literals;
using store::s3::S3Config;
using store::s3::S3Store;

class S3Faults : public testing::Test {
 protected:
  void SetUp() override {
    proxy_ = std::make_unique<FaultProxy>("127.0.0.1", s3_env().port, 10s);
    direct_ = radosgw_config(testing::UnitTest::GetInstance()->current_test_info()->name());
    via_proxy_ = direct_;
    via_proxy_.endpoint.port = proxy_->port();
    via_proxy_.low_speed_timeout = 2s;
    via_proxy_.retries = 8;
    store_ = std::make_unique<S3Store>(via_proxy_);
    direct_store_ = std::make_unique<S3Store>(direct_);
  }

  std::string read_all_from(io::ByteSource& src) {
    std::string out;
    std::vector<std::byte> buf(1 << 16);
    while (std::size_t n = src.read(buf)) out.append(reinterpret_cast<const char*>(buf.data()), n);
    return out;
  }

  ErrorCode error_of_get(const std::string& key) {
    try {
      store::get_bytes(*store_, key);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::Internal;  // no error
  }

  int open_uploads() {
    store::s3::S3Client client(direct_);
    auto resp = client.call({.method = "GET", .key = "", .query = {{"uploads", ""}, {"prefix", direct_.prefix}}},
                            "ListMultipartUploads");
    int n = 0;
    for (std::size_t p = 0; (p = resp.body.find("<Upload>", p)) != std::string::npos; ++p) ++n;
    return n;
  }

  std::unique_ptr<FaultProxy> proxy_;
  S3Config direct_, via_proxy_;
  std::unique_ptr<S3Store> store_, direct_store_;
};

TEST_F(S3Faults, PutSurvivesErrorBurstsResetsAndDamage) {
  proxy_->script({Fault::Http503SlowDown, Fault::Http500, Fault::ResetDuringRequest, Fault::CorruptRequestBody,
                  Fault::StallBeforeReply},
                 Fault::None, "PUT");
  std::string data = random_data(300000, 1);
  store::put_bytes(*store_, "wal_005/seg", data);
  EXPECT_EQ(proxy_->faults_injected(), 5);
  EXPECT_EQ(store::get_bytes(*direct_store_, "wal_005/seg"), data);
}

TEST_F(S3Faults, MultipartSurvivesFaultsOnPartsAndComplete) {
  proxy_->script({Fault::Http500, Fault::ResetDuringRequest, Fault::Http503SlowDown, Fault::CorruptRequestBody,
                  Fault::StallBeforeReply},
                 Fault::None, "PUT");
  proxy_->script({Fault::Http503SlowDown, Fault::None, Fault::Http500}, Fault::None, "POST");  // Create, Complete
  std::string data = random_data(17u << 20, 2);
  auto sink = store_->put("basebackups_005/b/part");
  for (std::size_t i = 0; i < data.size(); i += 1 << 20) sink->write(std::string_view(data).substr(i, 1 << 20));
  sink->finish();
  EXPECT_EQ(proxy_->faults_injected(), 7);
  auto got = store::get_bytes(*direct_store_, "basebackups_005/b/part");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got == data);
  EXPECT_EQ(open_uploads(), 0);
}

TEST_F(S3Faults, LostCompleteReplyIsRecognisedAsSuccess) {
  // The server completes the upload but the reply is lost; the retry gets
  // NoSuchUpload, and the driver recognises its own object by the multipart ETag.
  proxy_->script({Fault::None, Fault::ResetMidBody}, Fault::None, "POST");
  std::string data = random_data(11u << 20, 12);
  auto sink = store_->put("basebackups_005/b/lost-reply");
  sink->write(std::string_view(data));
  sink->finish();
  EXPECT_EQ(proxy_->faults_injected(), 1);
  EXPECT_TRUE(store::get_bytes(*direct_store_, "basebackups_005/b/lost-reply") == data);
  EXPECT_EQ(open_uploads(), 0);
}

TEST_F(S3Faults, CreateOnlyPutWhoseReplyWasLostFindsItsOwnObject) {
  // The server stores the object but the reply is lost; the retried conditional
  // PUT gets 412, and the driver recognises its own bytes (MD5) instead of
  // reporting a conflict.
  proxy_->script({Fault::DropReply}, Fault::None, "PUT");
  std::string data = random_data(300000, 13);
  store::PutOptions create_only;
  create_only.if_absent = true;
  store::put_bytes(*store_, "wal_005/lost-reply", data, create_only);
  EXPECT_EQ(proxy_->faults_injected(), 1);
  EXPECT_EQ(store::get_bytes(*direct_store_, "wal_005/lost-reply"), data);
  // Other bytes under that key are still a conflict, and leave the object alone.
  try {
    store::put_bytes(*store_, "wal_005/lost-reply", random_data(300000, 14), create_only);
    ADD_FAILURE() << "a different object was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Conflict) << e.what();
  }
  EXPECT_EQ(store::get_bytes(*direct_store_, "wal_005/lost-reply"), data);
}

TEST_F(S3Faults, GetResumesAfterCutResetAndStallMidBody) {
  std::string data = random_data(3u << 20, 3);
  store::put_bytes(*direct_store_, "wal_005/seg", data);
  proxy_->script({Fault::CutBody, Fault::ResetMidBody, Fault::StallMidBody}, Fault::None, "GET");
  auto src = store_->get("wal_005/seg");
  ASSERT_NE(src, nullptr);
  std::string got = read_all_from(*src);
  EXPECT_TRUE(got == data);
  auto* s3src = dynamic_cast<store::s3::S3DownloadSource*>(src.get());
  ASSERT_NE(s3src, nullptr);
  EXPECT_GE(s3src->resumes(), 3);
}

TEST_F(S3Faults, SlowConsumerIsNotTakenForAStalledServer) {
  // The reader pauses far longer than the stall limit; the transfer pauses
  // (or waits in socket buffers) and must neither fail nor resume.
  via_proxy_.low_speed_timeout = 1s;
  S3Store s(via_proxy_);
  std::string data = random_data(6u << 20, 13);
  store::put_bytes(*direct_store_, "slow", data);
  auto src = s.get("slow");
  ASSERT_NE(src, nullptr);
  std::string got;
  std::vector<std::byte> buf(64 * 1024);
  for (int pause = 0; std::size_t n = src->read(buf); ++pause) {
    got.append(reinterpret_cast<const char*>(buf.data()), n);
    if (pause == 0 || pause == 40) std::this_thread::sleep_for(2500ms);
  }
  EXPECT_TRUE(got == data);
  EXPECT_EQ(dynamic_cast<store::s3::S3DownloadSource*>(src.get())->resumes(), 0);
}

TEST_F(S3Faults, MultipartObjectResumesAndIsVerified) {
  std::string data = random_data(12u << 20, 4);
  {
    auto sink = direct_store_->put("big");
    sink->write(std::string_view(data));
    sink->finish();
  }
  proxy_->script({Fault::Http503SlowDown, Fault::CutBody, Fault::CutBody}, Fault::None, "GET");
  EXPECT_TRUE(store::get_bytes(*store_, "big") == data);
}

TEST_F(S3Faults, DamagedDownloadIsNeverReportedAsSuccess) {
  std::string data = random_data(1u << 20, 5);
  store::put_bytes(*direct_store_, "single", data);
  {
    auto sink = direct_store_->put("multi");
    std::string big = random_data(11u << 20, 6);
    sink->write(std::string_view(big));
    sink->finish();
  }
  for (const char* key : {"single", "multi"}) {
    proxy_->script({Fault::CorruptReplyBody}, Fault::None, "GET");
    try {
      auto got = store::get_bytes(*store_, key);
      FAIL() << key << ": damaged data was returned as success";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
    }
  }
}

// backup-fetch's read of an lz4 partition: get_verified_by_reader skips the
// driver's MD5 (the damaged bytes get through the store: that is the CPU
// saved), and the verifying lz4 decoder refuses them. A cut reply is still
// resumed and verified; the length check stays.
TEST_F(S3Faults, DamageOnAReaderVerifiedGetIsRefusedByTheDecoder) {
  std::string data = random_data(3u << 20, 7) + std::string(3u << 20, 'x');
  std::string z;
  {
    auto enc = codec::make_compressor(codec::Codec::Lz4);
    std::vector<std::byte> out;
    enc->process(std::as_bytes(std::span(data.data(), data.size())), out);
    enc->finish(out);
    z.assign(reinterpret_cast<const char*>(out.data()), out.size());
  }
  store::put_bytes(*direct_store_, "single.lz4", z);
  {
    auto sink = direct_store_->put("multi.lz4");
    std::string big = z + z;  // two frames, over one part
    sink->write(std::string_view(big));
    sink->finish();
  }
  for (const char* key : {"single.lz4", "multi.lz4"}) {
    SCOPED_TRACE(key);
    proxy_->script({Fault::CorruptReplyBody}, Fault::None, "GET");
    auto raw = store_->get_verified_by_reader(key);
    ASSERT_NE(raw, nullptr);
    std::string damaged = read_all_from(*raw);  // no MD5: the store hands the bytes on
    ASSERT_EQ(damaged.size(), std::string(key) == "single.lz4" ? z.size() : 2 * z.size());
    proxy_->script({Fault::CorruptReplyBody}, Fault::None, "GET");
    io::FilterSource src(codec::make_verifying_decompressor(codec::Codec::Lz4), store_->get_verified_by_reader(key));
    try {
      read_all_from(src);
      FAIL() << "damaged data was decoded as success";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
    }
    // The ordinary get still refuses the damage itself (its MD5).
    proxy_->script({Fault::CorruptReplyBody}, Fault::None, "GET");
    EXPECT_EQ(error_of_get(key), ErrorCode::Corrupt);
  }
  // Resumes still work and the decoder sees the whole stream.
  proxy_->script({Fault::CutBody, Fault::ResetMidBody}, Fault::None, "GET");
  io::FilterSource src(codec::make_verifying_decompressor(codec::Codec::Lz4),
                       store_->get_verified_by_reader("single.lz4"));
  EXPECT_TRUE(read_all_from(src) == data);
}

TEST_F(S3Faults, ListAndDeleteSurviveFaults) {
  for (int i = 0; i < 5; ++i) store::put_bytes(*direct_store_, "k" + std::to_string(i), "v");
  proxy_->script({Fault::Http503SlowDown, Fault::CutBody, Fault::ResetMidBody}, Fault::None, "GET");
  std::vector<std::string> keys;
  store_->list("", [&](const store::ObjectInfo& i) { keys.push_back(i.key); });
  EXPECT_EQ(keys, (std::vector<std::string>{"k0", "k1", "k2", "k3", "k4"}));
  proxy_->script({Fault::Http500, Fault::ResetDuringRequest}, Fault::None, "POST");
  store_->remove(keys);
  std::vector<std::string> left;
  direct_store_->list("", [&](const store::ObjectInfo& i) { left.push_back(i.key); });
  EXPECT_TRUE(left.empty());
}

TEST_F(S3Faults, PersistentErrorsFailWithinBoundedTime) {
  via_proxy_.retries = 4;
  S3Store s(via_proxy_);
  proxy_->script({}, Fault::Http503SlowDown);
  auto t0 = std::chrono::steady_clock::now();
  try {
    store::put_bytes(s, "wal_005/seg", "data");
    FAIL() << "put reported success under persistent 503";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Transient);
    EXPECT_NE(e.message().find("SlowDown"), std::string::npos) << e.message();
    EXPECT_NE(e.detail().find("gave up after 4 attempts"), std::string::npos) << e.detail();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(proxy_->requests(), 4);
  EXPECT_FALSE(direct_store_->stat("wal_005/seg").has_value());
}

TEST_F(S3Faults, PersistentStallFailsWithinBoundedTime) {
  store::put_bytes(*direct_store_, "seg", random_data(1u << 20, 7));
  via_proxy_.retries = 3;
  S3Store s(via_proxy_);
  proxy_->script({}, Fault::StallMidBody, "GET");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(store::get_bytes(s, "seg"), Error);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 10s);  // 3 attempts x 2 s stall limit + backoff
  EXPECT_GE(took, 4s);
}

TEST_F(S3Faults, PersistentResetsAbortTheMultipartUpload) {
  via_proxy_.retries = 3;
  S3Store s(via_proxy_);
  proxy_->script({}, Fault::ResetDuringRequest, "PUT");
  std::string data = random_data(11u << 20, 8);
  auto t0 = std::chrono::steady_clock::now();
  try {
    auto sink = s.put("wal_005/big");
    sink->write(std::string_view(data));
    sink->finish();
    FAIL() << "upload reported success while every part upload was reset";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Transient) << e.message();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(open_uploads(), 0);
  EXPECT_FALSE(direct_store_->stat("wal_005/big").has_value());
}

TEST_F(S3Faults, RequestsCarrySignedHashesAndSessionToken) {
  store::put_bytes(*store_, "plain", "payload");
  std::string head = proxy_->last_request_head();
  std::string lower_head = head;
  std::transform(lower_head.begin(), lower_head.end(), lower_head.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  EXPECT_NE(lower_head.find("x-amz-content-sha256: " + store::s3::sha256_hex("payload")), std::string::npos) << head;
  EXPECT_NE(head.find("content-md5: " + store::s3::md5_base64("payload")), std::string::npos) << head;
  EXPECT_NE(head.find("SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;x-amz-date;"),
            std::string::npos)
      << head;

  S3Config with_token = via_proxy_;
  with_token.session_token = "session-token-123";
  try {
    store::put_bytes(*std::make_unique<S3Store>(with_token), "token", "v");
  } catch (const Error&) {  // radosgw without STS may refuse the token; the request is what we check
  }
  head = proxy_->last_request_head();
  EXPECT_NE(head.find("x-amz-security-token: session-token-123"), std::string::npos) << head;
  EXPECT_NE(head.find(";x-amz-security-token"), std::string::npos) << "the token must be signed: " << head;
}

// Temporary credentials the server says have expired are fetched again once,
// at once, and the request repeated with them; a second ExpiredToken fails.
class CountingProvider final : public store::s3::CredentialsProvider {
 public:
  CountingProvider(std::string id, std::string secret) : id_(std::move(id)), secret_(std::move(secret)) {}
  store::s3::AwsCredentials fetch() override {
    ++fetches;
    return {id_, secret_, "token-" + std::to_string(fetches.load()), std::chrono::system_clock::now() + 1h};
  }
  std::string name() const override { return "counting"; }
  std::atomic<int> fetches{0};

 private:
  std::string id_, secret_;
};

// The proxy's config with credentials from a CountingProvider (set in `p`)
// instead of static keys.
S3Config through_proxy_counting_fetches(const S3Config& via_proxy, const S3Config& direct, CountingProvider*& p) {
  auto provider = std::make_unique<CountingProvider>(direct.access_key_id, direct.secret_access_key);
  p = provider.get();
  S3Config c = via_proxy;
  c.access_key_id.clear();
  c.secret_access_key.clear();
  c.credentials = std::make_shared<store::s3::CredentialsCache>(std::move(provider));
  return c;
}

TEST_F(S3Faults, ExpiredTokenRefetchesCredentialsOnce) {
  CountingProvider* p = nullptr;
  S3Store s3(through_proxy_counting_fetches(via_proxy_, direct_, p));
  proxy_->script({Fault::ExpiredToken}, Fault::None, "PUT");
  store::put_bytes(s3, "expired-once", "payload");
  EXPECT_EQ(p->fetches, 2);
  EXPECT_NE(proxy_->last_request_head().find("x-amz-security-token: token-2"), std::string::npos);
  EXPECT_EQ(store::get_bytes(*direct_store_, "expired-once"), "payload");

  proxy_->script({}, Fault::ExpiredToken, "PUT");
  try {
    store::put_bytes(s3, "expired-always", "payload");
    ADD_FAILURE() << "a PUT the server always refuses succeeded";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("ExpiredToken"), std::string::npos) << e.message();
  }
  EXPECT_EQ(p->fetches, 3);  // one refetch for the failed call, no loop
}

// A GET (a wal-fetch, a backup-fetch partition) the server refuses with
// ExpiredToken fetches credentials again and is repeated, as every other
// request is: a standby's restore_command must not exit 255 for it.
TEST_F(S3Faults, ExpiredTokenOnADownloadRefetchesCredentialsOnce) {
  store::put_bytes(*direct_store_, "expired-get", "payload");
  CountingProvider* p = nullptr;
  S3Store s3(through_proxy_counting_fetches(via_proxy_, direct_, p));
  proxy_->script({Fault::ExpiredToken}, Fault::None, "GET");
  EXPECT_EQ(store::get_bytes(s3, "expired-get"), "payload");
  EXPECT_EQ(p->fetches, 2);
  EXPECT_NE(proxy_->last_request_head().find("x-amz-security-token: token-2"), std::string::npos);

  proxy_->script({}, Fault::ExpiredToken, "GET");
  try {
    store::get_bytes(s3, "expired-get");
    ADD_FAILURE() << "a GET the server always refuses succeeded";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("ExpiredToken"), std::string::npos) << e.message();
  }
  EXPECT_EQ(p->fetches, 3);  // one refetch for the failed download, no loop
}

// The last request of a multipart upload, after every part went up: an
// ExpiredToken there must not throw the whole partition away.
TEST_F(S3Faults, ExpiredTokenOnCompleteMultipartUploadRefetchesCredentials) {
  CountingProvider* p = nullptr;
  S3Store s3(through_proxy_counting_fetches(via_proxy_, direct_, p));
  proxy_->script({Fault::None, Fault::ExpiredToken}, Fault::None, "POST");  // Create, Complete
  std::string data = random_data(11u << 20, 21);
  auto sink = s3.put("basebackups_005/b/expired-complete");
  sink->write(std::string_view(data));
  sink->finish();
  EXPECT_EQ(proxy_->faults_injected(), 1);
  EXPECT_EQ(p->fetches, 2);
  EXPECT_TRUE(store::get_bytes(*direct_store_, "basebackups_005/b/expired-complete") == data);
  EXPECT_EQ(open_uploads(), 0);
}

TEST_F(S3Faults, SecretsNeverAppearInLogsOrErrors) {
  via_proxy_.retries = 3;
  S3Store s(via_proxy_);
  proxy_->script({Fault::Http503SlowDown, Fault::ResetDuringRequest}, Fault::Http500);
  testing::internal::CaptureStderr();
  std::string message;
  try {
    store::put_bytes(s, "k", "v");
  } catch (const Error& e) {
    message = e.message() + e.detail() + e.hint();
  }
  std::string logs = testing::internal::GetCapturedStderr();
  EXPECT_NE(logs.find("retrying"), std::string::npos) << logs;
  EXPECT_FALSE(message.empty());
  for (const std::string& text : {logs, message}) {
    EXPECT_EQ(text.find(via_proxy_.secret_access_key), std::string::npos);
    EXPECT_EQ(text.find("Signature="), std::string::npos);
  }
}

// A stop request (SIGINT/SIGTERM/SIGHUP) aborts a transfer within about a
// second through libcurl's progress callback, and it is never retried.
TEST_F(S3Faults, StopRequestAbortsAStalledTransferWithoutRetrying) {
  via_proxy_.low_speed_timeout = 30s;  // the stall guard alone would wait this long
  S3Store s(via_proxy_);
  store::put_bytes(*direct_store_, "seg", random_data(1000, 9));
  proxy_->script({}, Fault::StallBeforeReply, "GET");
  struct Reset {
    ~Reset() { process_stop_token().reset(); }
  } reset;
  std::thread stopper([] {
    std::this_thread::sleep_for(500ms);
    process_stop_token().request(SIGTERM);
  });
  auto t0 = std::chrono::steady_clock::now();
  try {
    store::get_bytes(s, "seg");
    ADD_FAILURE() << "a stalled GET returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled) << e.message();
  }
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  EXPECT_EQ(proxy_->faults_injected(), 1) << "a cancelled request was retried";
}

// Stopping in the middle of a multipart upload aborts it: no upload stays open.
TEST_F(S3Faults, StopRequestDuringMultipartUploadAbortsIt) {
  via_proxy_.low_speed_timeout = 30s;
  S3Store s(via_proxy_);
  proxy_->script({}, Fault::StallBeforeReply, "PUT");  // parts hang until the stop
  struct Reset {
    ~Reset() { process_stop_token().reset(); }
  } reset;
  std::string data = random_data(11u << 20, 10);
  std::thread stopper([] {
    std::this_thread::sleep_for(1s);
    process_stop_token().request(SIGTERM);
  });
  auto t0 = std::chrono::steady_clock::now();
  try {
    auto sink = s.put("wal_005/big");
    sink->write(std::string_view(data));
    sink->finish();
    ADD_FAILURE() << "upload reported success";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled) << e.message();
  }
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);
  process_stop_token().reset();  // the checks below make requests of their own
  EXPECT_EQ(open_uploads(), 0) << "the interrupted multipart upload was not aborted";
  EXPECT_FALSE(direct_store_->stat("wal_005/big").has_value());
}

TEST_F(S3Faults, EncryptedObjectsGoUpMultipartAndResumeMidBody) {
  // libsodium encryption sits above the S3 driver: a 12 MiB encrypted WAL
  // object goes up as a multipart upload through faults, and its download
  // resumes with ranged GETs after a cut, a reset and a stall, and still
  // decrypts and authenticates (crypto/encrypting_store.h).
  crypto::Encryption enc;
  enc.sodium_key = crypto::SodiumKey::parse(std::string(64, 'c'), "test");
  crypto::EncryptingStore writer(std::make_unique<S3Store>(via_proxy_), enc);
  crypto::EncryptingStore reader(std::make_unique<S3Store>(via_proxy_), enc);
  std::string data = random_data(12u << 20, 21);
  proxy_->script({Fault::ResetDuringRequest}, Fault::None, "PUT");
  store::put_bytes(writer, "wal_005/000000010000000000000001", data);
  auto stored = direct_store_->stat("wal_005/000000010000000000000001");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->size, 24 + data.size() + 17 * (data.size() / 8192 + 1));
  EXPECT_NE(store::get_bytes(*direct_store_, "wal_005/000000010000000000000001"), data);
  proxy_->script({Fault::CutBody, Fault::ResetMidBody, Fault::StallMidBody}, Fault::None, "GET");
  EXPECT_TRUE(store::get_bytes(reader, "wal_005/000000010000000000000001") == data);
  EXPECT_GE(proxy_->faults_injected(), 4);
  EXPECT_EQ(open_uploads(), 0);
}

}  // namespace
}  // namespace wale::test
