// Settings: the typed, validated configuration of one wal-e run, resolved
// from the global command-line options and the Environment with WAL-E's
// precedence; config/options.h names every setting (flag, variables, range,
// default), and resolve_settings() turns the table's rows into these fields. Nothing below app/ reads argv or the
// environment: commands get a Settings value. resolve_settings() throws Error{Config}/{Unsupported} with one-line,
// actionable messages. Plain value; thread-safe to read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "config/environment.h"
#include "config/options.h"
#include "core/error.h"

namespace wale::config {

enum class Backend { File, S3 };

struct S3Env {
  std::string access_key_id;
  std::string secret_access_key;  // never from a flag
  std::string session_token;
  std::string region;
  std::string endpoint;
  std::string storage_class;
  std::string sse;  // WALE_S3_SSE: "" or "none" (no server-side encryption, the default) | "AES256" | "aws:kms"
  std::string sse_kms_key_id;
  std::string ca_bundle;
  // --aws-instance-profile / AWS_INSTANCE_PROFILE: credentials only from the EC2 instance profile.
  bool instance_profile = false;
  // Every AWS_* variable and HOME, for the credential chain (profiles, web identity,
  // ECS, IMDS endpoints); the S3 driver reads only the names it documents.
  std::map<std::string, std::string, std::less<>> credential_env;
  bool operator==(const S3Env&) const = default;
};

struct Settings {
  Backend backend = Backend::File;
  std::string prefix_url;  // as given, e.g. file://localhost/var/backups/wal-e
  std::string file_root;   // File: absolute directory
  S3Env s3;                // S3: raw values for the S3 driver
  codec::Codec compression = codec::Codec::Zstd;
  // Numbers: resolve_settings() fills them (defaults and ranges are in config/options.cpp).
  int retries = 0;                         // WALE_RETRIES: attempts per remote operation
  std::uint64_t partition_size = 0;        // WALE_PARTITION_SIZE bytes of files per tar partition
  std::uint64_t archive_wait_seconds = 0;  // WALE_ARCHIVE_TIMEOUT: backup-push wait for WAL
  // WALE_GPG_KEY_ID / --gpg-key-id: encrypt new WAL and tar partitions for this
  // GPG recipient (WAL-E's option). Reads decrypt OpenPGP objects whether set or not.
  std::string gpg_key_id;
  // WALE_LIBSODIUM_KEY (a secret: environment/envdir only) or
  // WALE_LIBSODIUM_KEY_PATH (a file holding it): encrypt new WAL and tar
  // partitions as libsodium secret streams. Parsed by crypto::SodiumKey in
  // app::make_store. At most one of these and gpg_key_id is set.
  std::string libsodium_key;
  std::string libsodium_key_path;
  // WALE_LIBSODIUM_ACCEPT_PLAIN (environment/envdir only): with a libsodium
  // key, reads also accept plain data objects (an archive that turned
  // encryption on later). Off: a plain object is refused as tampering.
  bool libsodium_accept_plain = false;
  // WALE_LIBSODIUM_ACCEPT_GPG (environment/envdir only): likewise for
  // OpenPGP objects (an archive that moved from GPG to libsodium).
  bool libsodium_accept_gpg = false;
  bool operator==(const Settings&) const = default;
};

// Where log records go (core/log.h). WAL-E's WALE_LOG_DESTINATION (comma
// list of stderr, syslog; default both) and WALE_SYSLOG_FACILITY (user,
// local0..local7, ...; default user), plus --json-log / WALE_JSON_LOG.
// A bad value never stops a command (WAL-E carries on too): it is ignored and
// listed in `problems`, which main logs as one line each.
struct LogSettings {
  bool to_stderr = true;
  bool to_syslog = true;
  int syslog_facility = 1 << 3;    // LOG_USER
  bool json = false;               // stderr lines are JSON objects
  std::string test_syslog_socket;  // WALE_TEST_SYSLOG_SOCKET (tests only): syslog datagrams go there
  std::vector<Error> problems;
};

// The logging settings, apart from resolve_settings: main sets up logging
// before anything else can fail. Never throws.
LogSettings resolve_log_settings(const OptionValues& given, const Environment& env);

// `given`: the global options of the command line (app/cli.h). Numbers out of
// the table's range are Error{Config} naming the variable and the value.
Settings resolve_settings(const OptionValues& given, const Environment& env);

// Parses a byte count within WALE_PARTITION_SIZE's range with an optional
// k/M/G/T suffix (1024-based); throws Error{Config} naming `name` otherwise.
std::uint64_t parse_size(const std::string& name, const std::string& text);

}  // namespace wale::config
