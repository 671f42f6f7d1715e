// Settings: the typed, validated configuration of one wal-e run, resolved
// from global command-line flags and the Environment with WAL-E's
// precedence. Nothing below app/ reads argv or the environment: commands get
// a Settings value. resolve_settings() throws Error{Config}/{Unsupported}
// with one-line, actionable messages. Plain value; thread-safe to read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "config/environment.h"
#include "core/error.h"

namespace wale::config {

// Global options, as given before the subcommand (empty = not given).
struct GlobalFlags {
  std::string file_prefix;
  std::string s3_prefix;
  std::string gs_prefix;
  std::string wabs_prefix;
  std::string aws_access_key_id;  // -k
  bool aws_instance_profile = false;
  std::string gpg_key_id;
  // WALE_LIBSODIUM_KEY (environment/envdir only, never a flag: a secret) or
  // WALE_LIBSODIUM_KEY_PATH (a file holding it): encrypt new WAL and tar
  // partitions as libsodium secret streams. Parsed by crypto::SodiumKey in
  // app::make_store. At most one of these and gpg_key_id is set.
  std::string libsodium_key;
  std::string libsodium_key_path;
  std::string compression;
  bool terse = false;
  bool json_log = false;  // --json-log
};

enum class Backend { File, S3 };

struct S3Env {
  std::string access_key_id;
  std::string secret_access_key;  // never from a flag
  std::string session_token;
  std::string region;
  std::string endpoint;
  std::string storage_class;
  std::string sse;          // WALE_S3_SSE: "AES256" (default, as WAL-E) | "aws:kms" | "none"
  std::string sse_kms_key_id;
  std::string ca_bundle;
  // --aws-instance-profile / AWS_INSTANCE_PROFILE: credentials only from the EC2 instance profile.
  bool instance_profile = false;
  // Every AWS_* variable and HOME, for the credential chain (profiles, web identity,
  // ECS, IMDS endpoints); the S3 driver reads only the names it documents.
  std::map<std::string, std::string, std::less<>> credential_env;
};

// Where log records go (core/log.h). WAL-E's WALE_LOG_DESTINATION (comma
// list of stderr, syslog; default both) and WALE_SYSLOG_FACILITY (user,
// local0..local7, ...; default user), plus --json-log / WALE_JSON_LOG.
// A bad value never stops a command (WAL-E carries on too): it is ignored and
// listed in `problems`, which main logs as one line each.
struct LogSettings {
  bool to_stderr = true;
  bool to_syslog = true;
  int syslog_facility = 1 << 3;  // LOG_USER
  bool json = false;             // stderr lines are JSON objects
  std::string test_syslog_socket;  // WALE_TEST_SYSLOG_SOCKET (tests only): syslog datagrams go there
  std::vector<Error> problems;
};

struct Settings {
  Backend backend = Backend::File;
  std::string prefix_url;   // as given, e.g. file://localhost/var/backups/wal-e
  std::string file_root;    // File: absolute directory
  S3Env s3;                 // S3: raw values for the S3 driver
  codec::Codec compression = codec::Codec::Zstd;
  int retries = 100;        // WALE_RETRIES: attempts per remote operation
  std::uint64_t partition_size = 1ULL << 30;  // WALE_PARTITION_SIZE bytes of files per tar partition
  std::uint64_t archive_wait_seconds = 600;   // WALE_ARCHIVE_TIMEOUT: backup-push wait for WAL
  LogSettings log;
  // WALE_GPG_KEY_ID / --gpg-key-id: encrypt new WAL and tar partitions for this
  // GPG recipient (WAL-E's option). Reads decrypt OpenPGP objects whether set or not.
  std::string gpg_key_id;
  // WALE_LIBSODIUM_KEY (environment/envdir only, never a flag: a secret) or
  // WALE_LIBSODIUM_KEY_PATH (a file holding it): encrypt new WAL and tar
  // partitions as libsodium secret streams. Parsed by crypto::SodiumKey in
  // app::make_store. At most one of these and gpg_key_id is set.
  std::string libsodium_key;
  std::string libsodium_key_path;
};

// Allowed ranges of the numeric settings (values outside are Error{Config}).
inline constexpr std::uint64_t kMaxRetries = 1'000'000;                 // WALE_RETRIES: 1..
inline constexpr std::uint64_t kMaxPartitionSize = 1ULL << 40;          // WALE_PARTITION_SIZE: 1 B..1 TiB
inline constexpr std::uint64_t kMaxArchiveWaitSeconds = 366ULL * 86400;  // WALE_ARCHIVE_TIMEOUT: 0..1 year

Settings resolve_settings(const GlobalFlags& flags, const Environment& env);

// The logging part of resolve_settings, on its own: main sets up logging
// before anything else can fail. Never throws.
LogSettings resolve_log_settings(const GlobalFlags& flags, const Environment& env);

// Parses a byte count from 1 B to kMaxPartitionSize with an optional k/M/G/T
// suffix (1024-based); throws Error{Config} naming `name` otherwise.
std::uint64_t parse_size(const std::string& name, const std::string& text);

}  // namespace wale::config
