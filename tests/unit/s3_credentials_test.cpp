// AWS credentials: shared-file parsing, the default chain's order and its
// errors, the metadata/STS reply parsers, and CredentialsCache's refresh
// schedule (fake clock) and thread safety.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "core/error.h"
#include "store/s3/aws_credentials.h"
#include "store/s3/container_provider.h"
#include "store/s3/credential_chain.h"
#include "store/s3/credential_http.h"
#include "store/s3/credentials_cache.h"
#include "store/s3/imds_provider.h"
#include "store/s3/shared_credentials_files.h"
#include "store/s3/web_identity_provider.h"
#include "test_support/fake_clock.h"
#include "test_support/temp_dir.h"

namespace wale::store::s3 {
namespace {

using namespace std::chrono_literals;

ErrorCode code_of(const std::function<void()>& f, std::string* msg = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (msg) *msg = e.message() + " | " + e.detail() + " | " + e.hint();
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::Internal;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(S3Credentials, ParseIni) {
  auto ini = parse_ini(
      "# comment\n"
      "[default]\n"
      "aws_access_key_id = AKDEF\n"
      "AWS_Secret_Access_Key=secret-def ; trailing comment\n"
      "\n"
      "[profile   prod]\r\n"
      "aws_access_key_id = AKPROD\r\n"
      "s3 =\n"
      "  max_concurrent_requests = 4\n"
      "; another comment\n"
      "region = eu-west-1\n"
      "orphan line without equals\n");
  ASSERT_EQ(ini.size(), 2u);
  EXPECT_EQ(ini["default"]["aws_access_key_id"], "AKDEF");
  EXPECT_EQ(ini["default"]["aws_secret_access_key"], "secret-def");
  EXPECT_EQ(ini["profile prod"]["aws_access_key_id"], "AKPROD");
  EXPECT_EQ(ini["profile prod"]["region"], "eu-west-1");
  EXPECT_EQ(ini["profile prod"].count("max_concurrent_requests"), 0u);  // nested, skipped
}

TEST(S3Credentials, ProfilesCredentialsFileWinsOverConfigFile) {
  std::string creds =
      "[default]\naws_access_key_id=A1\naws_secret_access_key=S1\n"
      "[tok]\naws_access_key_id=A2\naws_secret_access_key=S2\naws_session_token=T2\n";
  std::string config =
      "[default]\naws_access_key_id=C1\naws_secret_access_key=CS1\n"
      "[profile only-config]\naws_access_key_id=C3\naws_secret_access_key=CS3\n"
      "[only-config]\naws_access_key_id=WRONG\naws_secret_access_key=WRONG\n";
  auto d = credentials_from_profiles(creds, config, "default");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->access_key_id, "A1");
  EXPECT_EQ(d->secret_access_key, "S1");
  auto t = credentials_from_profiles(creds, config, "tok");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->session_token, "T2");
  // The config file names profiles "[profile x]" (only the default is bare).
  auto c = credentials_from_profiles(creds, config, "only-config");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "C3");
  auto dc = credentials_from_profiles("", config, "default");
  ASSERT_TRUE(dc);
  EXPECT_EQ(dc->access_key_id, "C1");
  EXPECT_FALSE(credentials_from_profiles(creds, config, "absent"));
  std::string msg;
  EXPECT_EQ(code_of([] { credentials_from_profiles("[x]\naws_access_key_id=A\n", "", "x"); }, &msg), ErrorCode::Config);
  EXPECT_NE(msg.find("no aws_secret_access_key"), std::string::npos) << msg;
}

struct Env {
  std::map<std::string, std::string, std::less<>> vars;
  EnvLookup lookup() const { return env_from_map(vars); }
};

TEST(S3Credentials, ChainEnvironmentFirst) {
  test::TempDir home;
  std::filesystem::create_directories(home.path() + "/.aws");
  write(home.path() + "/.aws/credentials", "[default]\naws_access_key_id=FILE\naws_secret_access_key=FS\n");
  Env env{{{"HOME", home.path()}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}, {"AWS_WEB_IDENTITY_TOKEN_FILE", "/x"}}};
  auto p = make_default_chain({"ENVKEY", "ENVSECRET", "ENVTOKEN", false, env.lookup()});
  EXPECT_EQ(p->name(), "environment");
  auto c = p->fetch();
  EXPECT_EQ(c.access_key_id, "ENVKEY");
  EXPECT_EQ(c.secret_access_key, "ENVSECRET");
  EXPECT_EQ(c.session_token, "ENVTOKEN");
  EXPECT_FALSE(c.expiration);
  // A key id without its secret (or the reverse) is an error, not a fall-through.
  EXPECT_EQ(code_of([&] { make_default_chain({"ENVKEY", "", "", false, env.lookup()}); }), ErrorCode::Config);
  EXPECT_EQ(code_of([&] { make_default_chain({"", "ENVSECRET", "", false, env.lookup()}); }), ErrorCode::Config);
}

TEST(S3Credentials, ChainSharedFilesBeforeWebIdentity) {
  test::TempDir home;
  std::filesystem::create_directories(home.path() + "/.aws");
  write(home.path() + "/.aws/credentials", "[default]\naws_access_key_id=FILE\naws_secret_access_key=FS\n");
  write(home.path() + "/.aws/config", "[profile ops]\naws_access_key_id=OPS\naws_secret_access_key=OS\n");
  Env env{{{"HOME", home.path()}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}, {"AWS_WEB_IDENTITY_TOKEN_FILE", "/x"}}};
  auto p = make_default_chain({"", "", "", false, env.lookup()});
  EXPECT_EQ(p->fetch().access_key_id, "FILE");
  env.vars["AWS_PROFILE"] = "ops";
  EXPECT_EQ(make_default_chain({"", "", "", false, env.lookup()})->fetch().access_key_id, "OPS");
  // Explicit file locations.
  write(home.path() + "/other-creds", "[ops]\naws_access_key_id=OTHER\naws_secret_access_key=OTS\n");
  env.vars["AWS_SHARED_CREDENTIALS_FILE"] = home.path() + "/other-creds";
  EXPECT_EQ(make_default_chain({"", "", "", false, env.lookup()})->fetch().access_key_id, "OTHER");
  env.vars["AWS_CONFIG_FILE"] = home.path() + "/nonexistent";
  env.vars["AWS_PROFILE"] = "missing";
  std::string msg;
  EXPECT_EQ(code_of([&] { make_default_chain({"", "", "", false, env.lookup()}); }, &msg), ErrorCode::Config);
  EXPECT_NE(msg.find("AWS profile \"missing\" was not found"), std::string::npos) << msg;
  // Without a default profile, web identity is next.
  env.vars.erase("AWS_PROFILE");
  env.vars.erase("AWS_SHARED_CREDENTIALS_FILE");
  std::filesystem::remove(home.path() + "/.aws/credentials");
  EXPECT_EQ(make_default_chain({"", "", "", false, env.lookup()})->name(), "web identity");
}

TEST(S3Credentials, ChainProfileWithWebIdentityRole) {
  test::TempDir home;
  write(home.path() + "/config",
        "[profile k8s]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /var/run/token\n"
        "[profile sso]\nsso_start_url = https://x\n");
  Env env{{{"AWS_CONFIG_FILE", home.path() + "/config"}, {"AWS_PROFILE", "k8s"}}};
  EXPECT_EQ(make_default_chain({"", "", "", false, env.lookup()})->name(), "web identity");
  env.vars["AWS_PROFILE"] = "sso";
  std::string msg;
  EXPECT_EQ(code_of([&] { make_default_chain({"", "", "", false, env.lookup()}); }, &msg), ErrorCode::Config);
  EXPECT_NE(msg.find("has no credentials wal-e can use"), std::string::npos) << msg;
}

TEST(S3Credentials, ChainWebIdentityThenContainerThenInstanceProfile) {
  Env env{{{"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"},
           {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"},
           {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x"}}};
  EXPECT_EQ(make_default_chain({"", "", "", false, env.lookup()})->name(), "web identity");
  env.vars.erase("AWS_ROLE_ARN");  // half a web identity configuration is none
  EXPECT_EQ(make_default_chain({"", "", "", false, env.lookup()})->name(), "ECS container");
  env.vars.erase("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  env.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:1/creds";
  EXPECT_EQ(make_default_chain({"", "", "", false, env.lookup()})->name(), "ECS container");
  env.vars.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  EXPECT_EQ(make_default_chain({"", "", "", false, env.lookup()})->name(), "EC2 instance profile");
  env.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  std::string msg;
  EXPECT_EQ(code_of([&] { make_default_chain({"", "", "", false, env.lookup()}); }, &msg), ErrorCode::Config);
  EXPECT_NE(msg.find("no AWS credentials found"), std::string::npos) << msg;
}

TEST(S3Credentials, ContainerFullUriMustNotSendTheTokenToAnyHost) {
  for (const char* ok : {"https://creds.example.com/x", "http://127.0.0.1:51679/creds", "http://localhost/x",
                         "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/x", "http://[::1]:80/x"}) {
    EXPECT_NO_THROW(check_container_uri(ok)) << ok;
  }
  for (const char* bad : {"http://evil.example.com/creds", "http://10.0.0.1/x", "ftp://127.0.0.1/x", "127.0.0.1/x"}) {
    EXPECT_EQ(code_of([&] { check_container_uri(bad); }), ErrorCode::Config) << bad;
  }
  Env env{{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example.com/creds"}}};
  EXPECT_EQ(code_of([&] { make_default_chain({"", "", "", false, env.lookup()}); }), ErrorCode::Config);
}

TEST(S3Credentials, InstanceProfileFlagSelectsImdsOnly) {
  Env env{{{"AWS_PROFILE", "whatever"}}};
  EXPECT_EQ(make_default_chain({"ENVKEY", "ENVSECRET", "", true, env.lookup()})->name(), "EC2 instance profile");
  env.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  EXPECT_EQ(code_of([&] { make_default_chain({"", "", "", true, env.lookup()}); }), ErrorCode::Config);
}

TEST(S3Credentials, NoCredentialsAnywhereIsOneClearError) {
  // Nothing configured and nothing listening at the metadata address.
  Env env{{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1"}}};
  auto p = make_default_chain({"", "", "", false, env.lookup()});
  std::string msg;
  EXPECT_EQ(code_of([&] { p->fetch(); }, &msg), ErrorCode::Config);
  EXPECT_NE(msg.find("no AWS credentials found"), std::string::npos) << msg;
  // Asked for explicitly, a metadata service that never answered is a clear error at once
  // (not minutes of retries off EC2).
  auto imds = make_default_chain({"", "", "", true, env.lookup()});
  EXPECT_EQ(code_of([&] { imds->fetch(); }, &msg), ErrorCode::Config);
  EXPECT_NE(msg.find("http://127.0.0.1:1/latest/api/token"), std::string::npos) << msg;
  EXPECT_NE(msg.find("is this an EC2 instance?"), std::string::npos) << msg;
}

TEST(S3Credentials, EndpointOverrides) {
  EXPECT_EQ(imds_endpoint(Env{}.lookup()), "http://169.254.169.254");
  EXPECT_EQ(imds_endpoint(Env{{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/"}}}.lookup()),
            "http://127.0.0.1:9");
  EXPECT_EQ(sts_endpoint(Env{}.lookup()), "https://sts.amazonaws.com");
  EXPECT_EQ(sts_endpoint(Env{{{"AWS_REGION", "eu-west-1"}}}.lookup()), "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(sts_endpoint(Env{{{"AWS_ENDPOINT_URL", "http://e:1"}, {"AWS_REGION", "eu-west-1"}}}.lookup()),
            "http://e:1");
  EXPECT_EQ(sts_endpoint(Env{{{"AWS_ENDPOINT_URL", "http://e:1"}, {"AWS_ENDPOINT_URL_STS", "http://s:2"}}}.lookup()),
            "http://s:2");
}

TEST(S3Credentials, ParseReplies) {
  auto c = parse_credentials_json(
      R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIA1","SecretAccessKey":"sec","Token":"tok",)"
      R"("Expiration":"2026-11-30T05:00:00Z"})",
      "EC2 instance metadata");
  EXPECT_EQ(c.access_key_id, "ASIA1");
  EXPECT_EQ(c.secret_access_key, "sec");
  EXPECT_EQ(c.session_token, "tok");
  ASSERT_TRUE(c.expiration);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*c.expiration), 1796014800);
  EXPECT_EQ(code_of([] { parse_credentials_json("{not json", "x"); }), ErrorCode::Transient);
  EXPECT_EQ(code_of([] { parse_credentials_json(R"({"AccessKeyId":"A"})", "x"); }), ErrorCode::Transient);
  EXPECT_EQ(code_of([] { parse_credentials_json(R"({"Code":"AssumeRoleUnauthorizedAccess"})", "x"); }),
            ErrorCode::Config);
  auto s = parse_assume_role_response(
      "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA2</AccessKeyId>"
      "<SecretAccessKey>s2</SecretAccessKey><SessionToken>t2</SessionToken>"
      "<Expiration>2026-11-30T05:00:00.000Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
      "</AssumeRoleWithWebIdentityResponse>");
  EXPECT_EQ(s.access_key_id, "ASIA2");
  EXPECT_EQ(s.session_token, "t2");
  ASSERT_TRUE(s.expiration);
  EXPECT_EQ(code_of([] { parse_assume_role_response("<ErrorResponse/>"); }), ErrorCode::Transient);
}

// A provider whose replies a test scripts.
class ScriptedProvider final : public CredentialsProvider {
 public:
  explicit ScriptedProvider(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {}
  std::string name() const override { return "scripted"; }
  AwsCredentials fetch() override {
    int n = ++calls;
    if (fail) throw Error(ErrorCode::Transient, "metadata service down");
    if (slow) std::this_thread::sleep_for(50ms);
    AwsCredentials c{"KEY" + std::to_string(n), "SECRET" + std::to_string(n), "TOKEN", std::nullopt};
    // Expiration is wall-clock time, as a metadata service states it.
    if (lifetime.count() > 0) c.expiration = clock_->wall_now() + lifetime;
    return c;
  }
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  bool slow = false;
  std::chrono::seconds lifetime{3600};

 private:
  std::shared_ptr<Clock> clock_;
};

TEST(S3CredentialsCache, RefreshesFiveMinutesBeforeExpiration) {
  auto clock = std::make_shared<test::FakeClock>();
  auto provider = std::make_unique<ScriptedProvider>(clock);
  ScriptedProvider* p = provider.get();
  CredentialsCache cache(std::move(provider), clock);
  EXPECT_EQ(cache.get().access_key_id, "KEY1");
  EXPECT_EQ(cache.get().access_key_id, "KEY1");
  EXPECT_EQ(p->calls, 1);
  clock->sleep_for(55min - 1s);  // 5 min + 1 s before Expiration
  EXPECT_EQ(cache.get().access_key_id, "KEY1");
  EXPECT_EQ(p->calls, 1);
  clock->sleep_for(2s);  // within the 5-minute margin
  EXPECT_EQ(cache.get().access_key_id, "KEY2");
  EXPECT_EQ(p->calls, 2);
  EXPECT_EQ(cache.fetch_count(), 2);
}

TEST(S3CredentialsCache, KeepsValidCredentialsWhenRefreshFailsThenThrowsAfterExpiry) {
  auto clock = std::make_shared<test::FakeClock>();
  auto provider = std::make_unique<ScriptedProvider>(clock);
  ScriptedProvider* p = provider.get();
  CredentialsCache cache(std::move(provider), clock);
  EXPECT_EQ(cache.get().access_key_id, "KEY1");
  clock->sleep_for(56min);
  p->fail = true;
  EXPECT_EQ(cache.get().access_key_id, "KEY1");  // still valid for 4 min: kept
  int after_failure = p->calls;
  EXPECT_EQ(cache.get().access_key_id, "KEY1");  // no new attempt within 10 s
  EXPECT_EQ(p->calls, after_failure);
  clock->sleep_for(11s);
  EXPECT_EQ(cache.get().access_key_id, "KEY1");
  EXPECT_EQ(p->calls, after_failure + 1);
  clock->sleep_for(5min);  // now expired
  EXPECT_EQ(code_of([&] { cache.get(); }), ErrorCode::Transient);
  p->fail = false;
  std::string secret = cache.get().secret_access_key;
  EXPECT_EQ(secret, "SECRET" + std::to_string(p->calls.load()));
}

TEST(S3CredentialsCache, ShortLivedCredentialsRefreshHalfway) {
  auto clock = std::make_shared<test::FakeClock>();
  auto provider = std::make_unique<ScriptedProvider>(clock);
  ScriptedProvider* p = provider.get();
  p->lifetime = 120s;  // shorter than the margin
  CredentialsCache cache(std::move(provider), clock);
  cache.get();
  cache.get();
  EXPECT_EQ(p->calls, 1);  // not refetched on every request
  clock->sleep_for(61s);
  cache.get();
  EXPECT_EQ(p->calls, 2);
}

TEST(S3CredentialsCache, StaticCredentialsAreFetchedOnceAndNotInvalidated) {
  auto clock = std::make_shared<test::FakeClock>();
  CredentialsCache cache(make_static_provider({"A", "S", "", std::nullopt}), clock);
  EXPECT_EQ(cache.get().access_key_id, "A");
  clock->sleep_for(24h * 365);
  EXPECT_EQ(cache.get().access_key_id, "A");
  EXPECT_FALSE(cache.invalidate(cache.get()));
  EXPECT_EQ(cache.fetch_count(), 1);
}

TEST(S3CredentialsCache, InvalidateForcesARefetch) {
  auto clock = std::make_shared<test::FakeClock>();
  auto provider = std::make_unique<ScriptedProvider>(clock);
  CredentialsCache cache(std::move(provider), clock);
  AwsCredentials first = cache.get();
  EXPECT_EQ(first.access_key_id, "KEY1");
  EXPECT_TRUE(cache.invalidate(first));
  EXPECT_EQ(cache.get().access_key_id, "KEY2");
  // Many threads refused with KEY1 at once: the first refetches, the others find KEY2 current.
  EXPECT_TRUE(cache.invalidate(first));
  EXPECT_EQ(cache.get().access_key_id, "KEY2");
  EXPECT_EQ(cache.fetch_count(), 2);
}

TEST(S3CredentialsCache, ManyThreadsShareOneFetch) {
  auto clock = std::make_shared<test::FakeClock>();
  auto provider = std::make_unique<ScriptedProvider>(clock);
  ScriptedProvider* p = provider.get();
  p->slow = true;
  CredentialsCache cache(std::move(provider), clock);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 100; ++j) {
        AwsCredentials c = cache.get();
        if (c.access_key_id.substr(3) != c.secret_access_key.substr(6)) ++wrong;  // a torn pair
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(p->calls, 1);
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace wale::store::s3
