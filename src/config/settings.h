// Settings: the typed, validated configuration of one wal-e run, resolved
// from the global command-line options and the Environment with WAL-E's
// precedence; config/options.h names every setting (flag, variables, range,
// default), and resolve_settings() turns the table's rows into these fields. Nothing below app/ reads argv or the environment: commands get
// a Settings value. resolve_settings() throws Error{Config}/{Unsupported}
// with one-line, actionable messages. Plain value; thread-safe to read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "codec/codec.h"
#include "config/environment.h"
#include "config/options.h"

namespace wale::config {

enum class Backend { File, S3 };

struct S3Env {
  std::string access_key_id;
  std::string secret_access_key;  // never from a flag
  std::string session_token;
  std::string region;
  std::string endpoint;
  std::string storage_class;
  std::string sse;          // WALE_S3_SSE: "" or "none" (no server-side encryption, the default) | "AES256" | "aws:kms"
  std::string sse_kms_key_id;
  std::string ca_bundle;
  bool operator==(const S3Env&) const = default;
};

struct Settings {
  Backend backend = Backend::File;
  std::string prefix_url;   // as given, e.g. file://localhost/var/backups/wal-e
  std::string file_root;    // File: absolute directory
  S3Env s3;                 // S3: raw values for the S3 driver
  codec::Codec compression = codec::Codec::Zstd;
  // Numbers: resolve_settings() fills them (defaults and ranges are in config/options.cpp).
  int retries = 0;                     // WALE_RETRIES: attempts per remote operation
  std::uint64_t partition_size = 0;    // WALE_PARTITION_SIZE bytes of files per tar partition
  std::uint64_t archive_wait_seconds = 0;  // WALE_ARCHIVE_TIMEOUT: backup-push wait for WAL
  bool operator==(const Settings&) const = default;
};

// `given`: the global options of the command line (app/cli.h). Numbers out of
// the table's range are Error{Config} naming the variable and the value.
Settings resolve_settings(const OptionValues& given, const Environment& env);

// Parses a byte count within WALE_PARTITION_SIZE's range with an optional
// k/M/G/T suffix (1024-based); throws Error{Config} naming `name` otherwise.
std::uint64_t parse_size(const std::string& name, const std::string& text);

}  // namespace wale::config
