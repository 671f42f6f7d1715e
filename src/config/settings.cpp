#include "config/settings.h"

#include <syslog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

#include "core/error.h"

namespace wale::config {
namespace {

std::string file_root_of(const std::string& url) {
  // file://<netloc>/<path>: netloc is ignored, as WAL-E does.
  std::string rest = url.substr(std::string("file://").size());
  auto slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 >= rest.size()) {
    throw Error(ErrorCode::Config, "file prefix has no path: \"" + url + "\"", {},
                "Use a prefix like file://localhost/var/backups/wal-e.");
  }
  std::string path = rest.substr(slash);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

std::uint64_t parse_size(const std::string& name, const std::string& text) {
  return check_value(spec(Opt::PartitionSize), text, name, ErrorCode::Config);
}

namespace {

// The value of a text setting ("" if unset).
std::string text(Opt o, const OptionValues& given, const Environment& env) {
  auto v = lookup(o, given, env);
  return v ? v->value : std::string();
}

// A number setting from the table: validated against its range, else its default.
std::uint64_t number(Opt o, const OptionValues& given, const Environment& env) {
  auto v = lookup(o, given, env);
  if (!v) return spec(o).default_number;
  return check_value(spec(o), v->value, v->source, v->from_command_line ? ErrorCode::Usage : ErrorCode::Config);
}

// WAL-E's precedence: the prefix flags first, then the variables, each group
// in WAL-E's order; the first non-empty wins.
std::string prefix_url(const OptionValues& given, const Environment& env) {
  for (Opt o : {Opt::FilePrefix, Opt::GsPrefix, Opt::S3Prefix, Opt::WabsPrefix}) {
    if (const auto& v = given.given(o); v && !v->empty()) return *v;
  }
  for (Opt o : {Opt::FilePrefix, Opt::GsPrefix, Opt::S3Prefix, Opt::SwiftPrefix, Opt::WabsPrefix}) {
    if (auto v = lookup(o, OptionValues{}, env)) return v->value;
  }
  return {};
}

// WAL-E's accepted names (Python's SysLogHandler.facility_names), any case.
const std::pair<const char*, int> kFacilities[] = {
    {"user", LOG_USER},         {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3},     {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7},     {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},     {"security", LOG_AUTH},
    {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},     {"ftp", LOG_FTP},       {"kern", LOG_KERN},
    {"lpr", LOG_LPR},           {"mail", LOG_MAIL},     {"news", LOG_NEWS},     {"syslog", LOG_SYSLOG},
    {"uucp", LOG_UUCP}};

}  // namespace

LogSettings resolve_log_settings(const OptionValues& given, const Environment& env) {
  LogSettings s;
  static_assert(LOG_USER == 1 << 3, "LogSettings' default facility");
  // WAL-E: unset means "stderr,syslog"; unknown names are ignored.
  if (auto dest = lookup(Opt::LogDestination, given, env)) {
    s.to_stderr = s.to_syslog = false;
    std::string list = dest->value;
    std::size_t pos = 0;
    while (pos <= list.size()) {
      std::size_t comma = std::min(list.find(',', pos), list.size());
      std::string name = trim_lower(list.substr(pos, comma - pos));
      if (name == "stderr") s.to_stderr = true;
      else if (name == "syslog") s.to_syslog = true;
      else if (!name.empty()) {
        s.problems.emplace_back(ErrorCode::Config,
                                "unknown log destination \"" + list.substr(pos, comma - pos) + "\" ignored",
                                "WALE_LOG_DESTINATION is \"" + list + "\".",
                                "Use a comma-separated list of stderr and syslog.");
      }
      pos = comma + 1;
    }
  }
  if (auto facility = lookup(Opt::SyslogFacility, given, env)) {
    std::string name = trim_lower(facility->value);
    auto it =
        std::find_if(std::begin(kFacilities), std::end(kFacilities), [&](const auto& f) { return name == f.first; });
    if (it != std::end(kFacilities)) {
      s.syslog_facility = it->second;
    } else {
      s.problems.emplace_back(ErrorCode::Config, "invalid syslog facility level specified",
                              "WALE_SYSLOG_FACILITY is \"" + facility->value + "\"; logging to facility user instead.",
                              "Use user or local0 to local7.");
    }
  }
  try {
    s.json = switch_on(Opt::JsonLog, given, env);
  } catch (const Error& e) {
    s.json = given.flag(Opt::JsonLog);
    s.problems.emplace_back(ErrorCode::Config, e.message() + " ignored", e.detail(), e.hint());
  }
  s.test_syslog_socket = text(Opt::TestSyslogSocket, given, env);
  return s;
}

Settings resolve_settings(const OptionValues& given, const Environment& env) {
  Settings s;
  s.prefix_url = prefix_url(given, env);
  if (s.prefix_url.empty()) {
    throw Error(ErrorCode::Config, "no storage prefix defined", {},
                "Set WALE_FILE_PREFIX (e.g. file://localhost/var/backups/wal-e) or WALE_S3_PREFIX "
                "(e.g. s3://bucket/path), or pass --file-prefix/--s3-prefix before the subcommand.");
  }
  // A control character (a "\r" left by an editor in an envdir file, a tab)
  // would name another directory or key prefix than the operator sees: an
  // archive written there is lost to every later restore.
  for (std::size_t i = 0; i < s.prefix_url.size(); ++i) {
    auto c = static_cast<unsigned char>(s.prefix_url[i]);
    if (c < 0x20 || c == 0x7f) {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02X", c);
      throw Error(ErrorCode::Config, "storage prefix contains a control character",
                  std::string("Character ") + code + " at position " + std::to_string(i) + " of the prefix.",
                  "Remove it from the setting (an envdir file saved with Windows line ends ends in \\r).");
    }
  }
  auto scheme_end = s.prefix_url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : s.prefix_url.substr(0, scheme_end);
  if (scheme == "file") {
    s.backend = Backend::File;
    s.file_root = file_root_of(s.prefix_url);
  } else if (scheme == "s3") {
    s.backend = Backend::S3;
  } else if (scheme == "gs" || scheme == "wabs" || scheme == "swift") {
    throw Error(ErrorCode::Unsupported, "the " + scheme + ":// backend is not built yet", {},
                "Use an s3:// or file:// prefix.");
  } else {
    throw Error(ErrorCode::Config,
                "bad S3, Windows Azure Blob Storage, OpenStack Swift, Google Cloud Storage or File URL scheme passed",
                "The prefix is \"" + s.prefix_url + "\".",
                "Prefixes look like s3://bucket/path or file://localhost/path.");
  }

  s.s3.instance_profile = switch_on(Opt::AwsInstanceProfile, given, env);
  for (const auto& [name, value] : env.vars()) {
    if (name.rfind("AWS_", 0) == 0 || name == "HOME") s.s3.credential_env.emplace(name, value);
  }
  s.gpg_key_id = text(Opt::GpgKeyId, given, env);
  s.libsodium_key = text(Opt::LibsodiumKey, given, env);
  s.libsodium_key_path = text(Opt::LibsodiumKeyPath, given, env);
  s.libsodium_accept_plain = switch_on(Opt::LibsodiumAcceptPlain, given, env);
  s.libsodium_accept_gpg = switch_on(Opt::LibsodiumAcceptGpg, given, env);
  if (!s.libsodium_key.empty() && !s.libsodium_key_path.empty()) {
    throw Error(ErrorCode::Config, "both WALE_LIBSODIUM_KEY and WALE_LIBSODIUM_KEY_PATH are set", {},
                "Set only one of them.");
  }
  if (!s.gpg_key_id.empty() && (!s.libsodium_key.empty() || !s.libsodium_key_path.empty())) {
    throw Error(ErrorCode::Config, "both GPG (WALE_GPG_KEY_ID) and libsodium (WALE_LIBSODIUM_KEY) encryption are set",
                {}, "Choose one: reads decrypt objects of either kind, but new objects are written one way.");
  }

  s.s3.access_key_id = text(Opt::AwsAccessKeyId, given, env);
  s.s3.secret_access_key = text(Opt::AwsSecretAccessKey, given, env);
  s.s3.session_token = text(Opt::AwsSessionToken, given, env);
  s.s3.region = text(Opt::AwsRegion, given, env);
  s.s3.endpoint = text(Opt::S3Endpoint, given, env);
  s.s3.storage_class = text(Opt::S3StorageClass, given, env);
  s.s3.sse = text(Opt::S3Sse, given, env);
  s.s3.sse_kms_key_id = text(Opt::S3SseKmsId, given, env);
  s.s3.ca_bundle = text(Opt::S3CaBundle, given, env);

  std::string compression = text(Opt::Compression, given, env);
  if (!compression.empty()) s.compression = codec::parse_codec(compression);

  s.retries = static_cast<int>(number(Opt::Retries, given, env));
  s.partition_size = number(Opt::PartitionSize, given, env);
  s.archive_wait_seconds = number(Opt::ArchiveTimeout, given, env);
  return s;
}

}  // namespace wale::config
