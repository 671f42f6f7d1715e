#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/environment.h"
#include "config/settings.h"
#include "core/error.h"
#include "test_support/temp_dir.h"

namespace wale::config {
namespace {
namespace fs = std::filesystem;

Environment env_of(std::map<std::string, std::string, std::less<>> vars) { return Environment(std::move(vars)); }

ErrorCode code_of(const OptionValues& flags, const Environment& env) {
  try {
    resolve_settings(flags, env);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // "did not throw"
}

TEST(Settings, NoPrefixIsAConfigError) {
  try {
    resolve_settings({}, env_of({}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "no storage prefix defined");
    EXPECT_FALSE(e.hint().empty());
  }
}

TEST(Settings, FilePrefixIgnoresNetloc) {
  auto s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/var/backups/wal-e/"}}));
  EXPECT_EQ(s.backend, Backend::File);
  EXPECT_EQ(s.file_root, "/var/backups/wal-e");
  EXPECT_EQ(resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file:///srv/x"}})).file_root, "/srv/x");
}

// A "\r" from an envdir file saved with Windows line ends would make the
// archive go to (and be read from) a directory nobody looks at.
TEST(Settings, PrefixWithAControlCharacterIsRefused) {
  for (const char* prefix : {"file://localhost/srv/wal-e\r", "s3://bucket/pre\rfix", "file:///srv/\tx"}) {
    try {
      resolve_settings({}, env_of({{"WALE_FILE_PREFIX", prefix}}));
      ADD_FAILURE() << "accepted a prefix with a control character";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Config);
      EXPECT_EQ(e.message(), "storage prefix contains a control character");
    }
  }
  OptionValues flags;
  flags.set(Opt::S3Prefix, "s3://bucket/path\r");
  EXPECT_EQ(code_of(flags, env_of({})), ErrorCode::Config);
}

TEST(Settings, PrecedenceFlagsThenEnvironmentInWalEOrder) {
  OptionValues flags;
  flags.set(Opt::S3Prefix, "s3://bucket/flag");
  auto s = resolve_settings(flags, env_of({{"WALE_FILE_PREFIX", "file://localhost/env"}}));
  EXPECT_EQ(s.prefix_url, "s3://bucket/flag");
  EXPECT_EQ(s.backend, Backend::S3);
  // Environment: WALE_FILE_PREFIX before WALE_S3_PREFIX.
  s = resolve_settings({}, env_of({{"WALE_S3_PREFIX", "s3://b/p"}, {"WALE_FILE_PREFIX", "file://localhost/f"}}));
  EXPECT_EQ(s.backend, Backend::File);
  // The scheme, not the variable, selects the backend.
  s = resolve_settings({}, env_of({{"WALE_S3_PREFIX", "file://localhost/f"}}));
  EXPECT_EQ(s.backend, Backend::File);
}

TEST(Settings, BadSchemeAndUnbuiltBackends) {
  EXPECT_EQ(code_of({}, env_of({{"WALE_FILE_PREFIX", "ftp://x/y"}})), ErrorCode::Config);
  EXPECT_EQ(code_of({}, env_of({{"WALE_GS_PREFIX", "gs://x/y"}})), ErrorCode::Unsupported);
}

TEST(Settings, LibsodiumKeyFromEnvironmentOnlyOneSource) {
  auto s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_LIBSODIUM_KEY", "k"}}));
  EXPECT_EQ(s.libsodium_key, "k");
  s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_LIBSODIUM_KEY_PATH", "/k"}}));
  EXPECT_EQ(s.libsodium_key_path, "/k");
  EXPECT_EQ(code_of({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"},
                                {"WALE_LIBSODIUM_KEY", "k"},
                                {"WALE_LIBSODIUM_KEY_PATH", "/k"}})),
            ErrorCode::Config);
  EXPECT_EQ(code_of({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"},
                                {"WALE_LIBSODIUM_KEY", "k"},
                                {"WALE_GPG_KEY_ID", "ABC"}})),
            ErrorCode::Config);
}

TEST(Settings, LibsodiumAcceptGpgIsAnOffByDefaultSwitch) {
  auto s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_LIBSODIUM_KEY", "k"}}));
  EXPECT_FALSE(s.libsodium_accept_gpg);
  s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_LIBSODIUM_ACCEPT_GPG", "true"}}));
  EXPECT_TRUE(s.libsodium_accept_gpg);
  EXPECT_FALSE(s.libsodium_accept_plain) << "one switch does not set the other";
}

TEST(Settings, LibsodiumAcceptPlainIsAnOffByDefaultSwitch) {
  auto s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_LIBSODIUM_KEY", "k"}}));
  EXPECT_FALSE(s.libsodium_accept_plain);
  for (const char* on : {"true", "1", "yes", " ON\n"}) {
    s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_LIBSODIUM_ACCEPT_PLAIN", on}}));
    EXPECT_TRUE(s.libsodium_accept_plain) << on;
  }
  s = resolve_settings({},
                       env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_LIBSODIUM_ACCEPT_PLAIN", "false"}}));
  EXPECT_FALSE(s.libsodium_accept_plain);
  EXPECT_EQ(code_of({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_LIBSODIUM_ACCEPT_PLAIN", "maybe"}})),
            ErrorCode::Config);
}

TEST(Settings, GpgKeyIdFromFlagOrEnvironment) {
  OptionValues gpg;
  gpg.set(Opt::GpgKeyId, "ABC");
  EXPECT_EQ(resolve_settings(gpg, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_GPG_KEY_ID", "DEF"}}))
                .gpg_key_id,
            "ABC");
  EXPECT_EQ(
      resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_GPG_KEY_ID", "DEF"}})).gpg_key_id,
      "DEF");
  EXPECT_EQ(resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}})).gpg_key_id, "");
}

TEST(Settings, CompressionRetriesAndSizes) {
  auto s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}}));
  EXPECT_EQ(s.compression, codec::Codec::Zstd);
  s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"},
                                   {"WALE_COMPRESSION", "lzop"},
                                   {"WALE_RETRIES", "7"},
                                   {"WALE_PARTITION_SIZE", "64M"}}));
  EXPECT_EQ(s.compression, codec::Codec::Lzop);
  EXPECT_EQ(s.retries, 7);
  EXPECT_EQ(s.partition_size, 64ULL << 20);
  OptionValues flags;
  flags.set(Opt::Compression, "none");
  EXPECT_EQ(resolve_settings(flags, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_COMPRESSION", "lz4"}}))
                .compression,
            codec::Codec::None);
  EXPECT_EQ(code_of({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_COMPRESSION", "brotli"}})),
            ErrorCode::Config);
  EXPECT_EQ(code_of({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {"WALE_RETRIES", "zero"}})),
            ErrorCode::Config);
  EXPECT_THROW(parse_size("X", "12Q"), Error);
  EXPECT_THROW(parse_size("X", "0"), Error);
  EXPECT_EQ(parse_size("X", "3k"), 3072u);
}

// Each bad numeric setting is one Error{Config} naming the setting, the value and the range.
std::string config_error(const std::string& name, const std::string& value) {
  try {
    resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"}, {name, value}}));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Config) << name << "=" << value;
    return e.message();
  }
  return "accepted";
}

TEST(Settings, NumbersAreStrictAndRangeChecked) {
  // Trailing garbage was accepted (stoi read "12").
  auto m = config_error("WALE_RETRIES", "12abc");
  EXPECT_NE(m.find("WALE_RETRIES"), std::string::npos) << m;
  EXPECT_NE(m.find("\"12abc\""), std::string::npos) << m;
  EXPECT_NE(m.find("from 1 to"), std::string::npos) << m;
  EXPECT_NE(config_error("WALE_RETRIES", " 5"), "accepted");
  EXPECT_NE(config_error("WALE_RETRIES", "99999999999"), "accepted");
  // 17179869184 GiB is 2^64 bytes: n * mult wrapped to 0.
  m = config_error("WALE_PARTITION_SIZE", "17179869184G");
  EXPECT_NE(m.find("WALE_PARTITION_SIZE"), std::string::npos) << m;
  EXPECT_NE(m.find("\"17179869184G\""), std::string::npos) << m;
  EXPECT_NE(config_error("WALE_PARTITION_SIZE", "2T"), "accepted");
  EXPECT_NE(config_error("WALE_PARTITION_SIZE", "-1M"), "accepted");
  // Negative timeouts wrapped around (stoull("-5") is 2^64-5).
  m = config_error("WALE_ARCHIVE_TIMEOUT", "-5");
  EXPECT_NE(m.find("WALE_ARCHIVE_TIMEOUT"), std::string::npos) << m;
  EXPECT_NE(m.find("\"-5\""), std::string::npos) << m;
  EXPECT_NE(config_error("WALE_ARCHIVE_TIMEOUT", "10s"), "accepted");
  EXPECT_NE(config_error("WALE_ARCHIVE_TIMEOUT", "18446744073709551615"), "accepted");
  // Good values still work.
  auto s = resolve_settings({}, env_of({{"WALE_FILE_PREFIX", "file://localhost/x"},
                                        {"WALE_RETRIES", "1"},
                                        {"WALE_PARTITION_SIZE", "1G"},
                                        {"WALE_ARCHIVE_TIMEOUT", "0"}}));
  EXPECT_EQ(s.retries, 1);
  EXPECT_EQ(s.partition_size, 1ULL << 30);
  EXPECT_EQ(s.archive_wait_seconds, 0u);
}

TEST(Settings, S3CredentialsComeFromEnvironment) {
  OptionValues flags;
  flags.set(Opt::AwsAccessKeyId, "AKIAFLAG");
  auto s = resolve_settings(flags, env_of({{"WALE_S3_PREFIX", "s3://b/p"},
                                           {"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                           {"AWS_SECRET_ACCESS_KEY", "sekrit"},
                                           {"AWS_SECURITY_TOKEN", "tok"},
                                           {"AWS_REGION", "eu-west-1"}}));
  EXPECT_EQ(s.s3.access_key_id, "AKIAFLAG");
  EXPECT_EQ(s.s3.secret_access_key, "sekrit");
  EXPECT_EQ(s.s3.session_token, "tok");
  EXPECT_EQ(s.s3.region, "eu-west-1");
}

TEST(Settings, InstanceProfileAndCredentialChainVariables) {
  OptionValues flags;
  flags.set(Opt::AwsInstanceProfile, "true");
  auto s = resolve_settings(flags, env_of({{"WALE_S3_PREFIX", "s3://b/p"},
                                           {"AWS_PROFILE", "ops"},
                                           {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"},
                                           {"HOME", "/home/pg"},
                                           {"PGHOST", "/tmp"}}));
  EXPECT_TRUE(s.s3.instance_profile);  // no longer "not built yet"
  EXPECT_EQ(s.s3.credential_env.at("AWS_PROFILE"), "ops");
  EXPECT_EQ(s.s3.credential_env.at("AWS_EC2_METADATA_SERVICE_ENDPOINT"), "http://127.0.0.1:9");
  EXPECT_EQ(s.s3.credential_env.at("HOME"), "/home/pg");
  EXPECT_EQ(s.s3.credential_env.count("PGHOST"), 0u);
  EXPECT_TRUE(resolve_settings({}, env_of({{"WALE_S3_PREFIX", "s3://b/p"}, {"AWS_INSTANCE_PROFILE", "true"}}))
                  .s3.instance_profile);
  EXPECT_FALSE(resolve_settings({}, env_of({{"WALE_S3_PREFIX", "s3://b/p"}})).s3.instance_profile);
}

TEST(Environment, EnvdirOverridesAndUnsets) {
  test::TempDir dir;
  std::ofstream(dir.path() + "/WALE_FILE_PREFIX") << "file://localhost/from-envdir  \nsecond line ignored\n";
  std::ofstream(dir.path() + "/AWS_REGION");  // empty file: unset
  std::ofstream(dir.path() + "/MULTI", std::ios::binary) << std::string("a\0b", 3);
  Environment env(std::map<std::string, std::string, std::less<>>{{"WALE_FILE_PREFIX", "file://localhost/process"},
                                                                  {"AWS_REGION", "us-east-1"}});
  env.apply_envdir(dir.path());
  EXPECT_EQ(env.get("WALE_FILE_PREFIX"), "file://localhost/from-envdir");
  EXPECT_FALSE(env.get("AWS_REGION"));
  EXPECT_EQ(env.get("MULTI"), std::string("a\nb"));
  EXPECT_THROW(env.apply_envdir(dir.path() + "/missing"), Error);
}

TEST(Environment, EnvdirChangedNoticesANewRewrittenOrRemovedVariable) {
  test::TempDir dir;
  std::ofstream(dir.path() + "/WALE_FILE_PREFIX") << "file://localhost/a\n";
  Environment env;
  EXPECT_FALSE(env.envdir_changed()) << "no envdir applied: nothing can change";
  env.apply_envdir(dir.path());
  EXPECT_FALSE(env.envdir_changed());
  std::ofstream(dir.path() + "/AWS_SECRET_ACCESS_KEY") << "new\n";
  auto why = env.envdir_changed();
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << *why;
  EXPECT_EQ(why->find("new"), std::string::npos) << "never a value: " << *why;

  env.apply_envdir(dir.path());
  // An atomic replacement, as credential tools write.
  std::ofstream(dir.path() + "/.tmp") << "rotated\n";
  fs::rename(dir.path() + "/.tmp", dir.path() + "/AWS_SECRET_ACCESS_KEY");
  EXPECT_TRUE(env.envdir_changed());

  env.apply_envdir(dir.path());
  fs::remove(dir.path() + "/AWS_SECRET_ACCESS_KEY");
  EXPECT_TRUE(env.envdir_changed());

  env.apply_envdir(dir.path());
  fs::remove_all(dir.path());
  EXPECT_TRUE(env.envdir_changed()) << "an unreadable envdir is a change";
}

// The server compares what it applied, not a snapshot taken later: a file
// replaced between start-up (reading the envdir) and the first check is a
// change. (It was missed when the snapshot was taken after start-up.)
TEST(Environment, EnvdirChangedComparesWithTheValuesInEffect) {
  test::TempDir dir;
  std::ofstream(dir.path() + "/WALE_ARCHIVE_TIMEOUT") << "10\n";
  Environment env;
  env.apply_envdir(dir.path());
  std::ofstream(dir.path() + "/.new") << "60\n";
  fs::rename(dir.path() + "/.new", dir.path() + "/WALE_ARCHIVE_TIMEOUT");
  EXPECT_TRUE(env.envdir_changed());
  // Rewriting the same value (a new inode and mtime) is no change.
  env.apply_envdir(dir.path());
  std::ofstream(dir.path() + "/.new") << "60\n";
  fs::rename(dir.path() + "/.new", dir.path() + "/WALE_ARCHIVE_TIMEOUT");
  EXPECT_FALSE(env.envdir_changed());
}

}  // namespace
}  // namespace wale::config
