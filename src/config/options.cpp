#include "config/options.h"

#include <algorithm>
#include <cctype>
#include <thread>

#include "core/error.h"
#include "core/number.h"

namespace wale::config {
namespace {

using enum Command;

constexpr CommandSet kPoolCommands =
    bit(BackupPush) | bit(BackupFetch) | bit(WalPush) | bit(WalPushAhead) | bit(WalPushServer) | bit(BackupVerify);

constexpr std::array<CommandSpec, kCommandCount> kCommands{{
    {Version, "version", "Print the version and exit (as --version does).", "", "", 0, 0, false},
    {BackupPush, "backup-push", "Take a base backup of a running cluster.", "PG_CLUSTER_DIRECTORY",
     "The cluster's data directory.", 1, 1, false},
    {BackupFetch, "backup-fetch", "Restore a base backup into an empty directory.", "PG_CLUSTER_DIRECTORY BACKUP_NAME",
     "Target directory and backup name or LATEST.", 2, 2, false},
    {BackupList, "backup-list", "List finished base backups.", "QUERY", "LATEST or a backup name.", 0, 1, false},
    {BackupMark, "backup-mark", "Mark a backup permanent: retention never deletes it or its WAL.", "BACKUP_NAME",
     "The backup's name.", 1, 1, false},
    {BackupVerify, "backup-verify",
     "Download a backup and check every partition, file checksum and the WAL it needs; exit 1 on any problem.",
     "BACKUP_NAME", "A backup name or LATEST (default: LATEST).", 0, 1, false},
    {WalPush, "wal-push", "Archive one WAL file (archive_command = 'wal-e wal-push %p').", "WAL_SEGMENT",
     "Path of the WAL file.", 1, 1, false},
    {WalPushAhead, "wal-push-ahead", "Internal: push ready WAL segments in the background.", "WAL_DIRECTORY SEGMENT",
     "pg_wal and the segments to push.", 2, 1024, true},
    {WalPushServer, "wal-push-server",
     "Serve wal-push requests on a Unix socket for the PostgreSQL archive module (docs/archive-module.md).", "SOCKET",
     "Path of the Unix socket to listen on.", 1, 1, false},
    {WalFetch, "wal-fetch", "Restore one WAL file (restore_command = 'wal-e wal-fetch \"%f\" \"%p\"').",
     "WAL_SEGMENT WAL_DESTINATION", "WAL file name and destination path.", 2, 2, false},
    {WalPrefetch, "wal-prefetch", "Internal: prefetch WAL segments in the background.", "BASE_DIRECTORY SEGMENT",
     "Prefetch directory and the segments to fetch into it.", 2, 64, true},
    {WalVerify, "wal-verify",
     "Check that the archive holds every WAL segment from the oldest backup to the newest WAL, across timelines.", "",
     "", 0, 0, false},
    {Delete, "delete",
     "Delete old backups and the WAL no remaining backup needs. Dry run unless --confirm.\n"
     "  delete [--confirm] before NAME|TIME   backups older than NAME, or finished before TIME\n"
     "  delete [--confirm] retain N           keep the N newest backups\n"
     "  delete [--confirm] everything         every backup and WAL file\n"
     "  delete [--confirm] old-versions       objects of WAL-E formats older than 005",
     "MODE ARGS", "before NAME | retain N | everything | old-versions", 0, 2, false},
}};

// clang-format off
constexpr std::array<OptionSpec, kOptionCount> kTable{{
  // id, flag, short, env, type, min, max, default_number, default_text, value_name, help, commands, secret, hidden
  {Opt::FilePrefix, "file-prefix", 0, {"WALE_FILE_PREFIX", ""}, OptType::Text, 0, 0, 0, "", "URL",
   "Archive in a local directory: file://localhost/path (the host part is ignored)."},
  {Opt::S3Prefix, "s3-prefix", 0, {"WALE_S3_PREFIX", ""}, OptType::Text, 0, 0, 0, "", "URL",
   "Archive in S3-compatible storage: s3://bucket/path (see docs/s3.md)."},
  {Opt::GsPrefix, "gs-prefix", 0, {"WALE_GS_PREFIX", ""}, OptType::Text, 0, 0, 0, "", "URL",
   "Google Cloud Storage prefix (not built yet)."},
  {Opt::WabsPrefix, "wabs-prefix", 0, {"WALE_WABS_PREFIX", ""}, OptType::Text, 0, 0, 0, "", "URL",
   "Azure Blob Storage prefix (not built yet)."},
  {Opt::SwiftPrefix, "", 0, {"WALE_SWIFT_PREFIX", ""}, OptType::Text, 0, 0, 0, "", "URL",
   "OpenStack Swift prefix (not built yet)."},
  {Opt::Compression, "compression", 0, {"WALE_COMPRESSION", ""}, OptType::Text, 0, 0, 0, "zstd", "CODEC",
   "Codec for new objects: zstd, lz4, lzop or none; reads pick the codec from the object's extension."},
  {Opt::PartitionSize, "", 0, {"WALE_PARTITION_SIZE", ""}, OptType::Bytes, 1, 1ULL << 40, 1ULL << 30, "1G", "BYTES",
   "Most bytes of files per tar partition of a base backup (k/M/G/T suffixes; smaller partitions, not below 64 MiB, "
   "keep every worker busy)."},
  {Opt::ArchiveTimeout, "", 0, {"WALE_ARCHIVE_TIMEOUT", ""}, OptType::Number, 0, 366ULL * 86400, 600, "600", "SECONDS",
   "Seconds backup-push waits for its last WAL file to be archived."},
  {Opt::Retries, "", 0, {"WALE_RETRIES", ""}, OptType::Number, 1, 1'000'000, 100, "100", "N",
   "Attempts per remote operation."},
  {Opt::AwsAccessKeyId, "aws-access-key-id", 'k', {"AWS_ACCESS_KEY_ID", ""}, OptType::Text, 0, 0, 0, "", "ID",
   "AWS access key id (the secret key is read only from AWS_SECRET_ACCESS_KEY)."},
  {Opt::AwsSecretAccessKey, "", 0, {"AWS_SECRET_ACCESS_KEY", ""}, OptType::Text, 0, 0, 0, "", "KEY",
   "AWS secret access key.", 0, true},
  {Opt::AwsSessionToken, "", 0, {"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"}, OptType::Text, 0, 0, 0, "", "TOKEN",
   "Temporary credentials' session token.", 0, true},
  {Opt::AwsRegion, "", 0, {"AWS_REGION", "AWS_DEFAULT_REGION"}, OptType::Text, 0, 0, 0, "", "REGION",
   "The bucket's region."},
  {Opt::AwsInstanceProfile, "aws-instance-profile", 0, {"AWS_INSTANCE_PROFILE", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Take S3 credentials only from the EC2 instance profile (IMDSv2); without it, the AWS credential chain is searched (docs/s3.md)."},
  {Opt::S3Endpoint, "", 0, {"WALE_S3_ENDPOINT", ""}, OptType::Text, 0, 0, 0, "", "ENDPOINT",
   "A self-hosted S3 server, in WAL-E's form SCHEME+STYLE://host[:port] (SCHEME http or https, STYLE path or "
   "virtualhost), e.g. https+path://s3.internal:7480."},
  {Opt::S3StorageClass, "", 0, {"WALE_S3_STORAGE_CLASS", ""}, OptType::Text, 0, 0, 0, "", "CLASS",
   "Storage class of new objects (e.g. STANDARD_IA)."},
  {Opt::S3Sse, "", 0, {"WALE_S3_SSE", ""}, OptType::Text, 0, 0, 0, "none", "MODE",
   "Server-side encryption of new objects: AES256, aws:kms or none."},
  {Opt::S3SseKmsId, "", 0, {"WALE_S3_SSE_KMS_ID", ""}, OptType::Text, 0, 0, 0, "", "KEY_ID",
   "KMS key for WALE_S3_SSE=aws:kms."},
  {Opt::S3CaBundle, "", 0, {"WALE_S3_CA_BUNDLE", "AWS_CA_BUNDLE"}, OptType::Text, 0, 0, 0, "", "FILE",
   "CA certificates for a private S3 server."},
  {Opt::GsAccessKeyId, "gs-access-key-id", 0, {"", ""}, OptType::Text, 0, 0, 0, "", "ID",
   "Ignored (vestigial in WAL-E).", 0, false, true},
  {Opt::WabsAccountName, "wabs-account-name", 'a', {"", ""}, OptType::Text, 0, 0, 0, "", "NAME",
   "Azure account name (not built yet).", 0, false, true},
  {Opt::GpgKeyId, "gpg-key-id", 0, {"WALE_GPG_KEY_ID", ""}, OptType::Text, 0, 0, 0, "", "KEY_ID",
   "Encrypt new WAL and tar partitions for this GPG recipient, as WAL-E did (compress, then OpenPGP); reads "
   "decrypt OpenPGP objects with the keys gpg holds, whether set or not (docs/encryption.md)."},
  {Opt::LibsodiumKey, "", 0, {"WALE_LIBSODIUM_KEY", ""}, OptType::Text, 0, 0, 0, "", "KEY",
   "Encrypt new WAL and tar partitions as libsodium secret streams (XChaCha20-Poly1305, WAL-G's format) with this "
   "32-byte key, as 64 hex characters (openssl rand -hex 32) or base64.", 0, true},
  {Opt::LibsodiumKeyPath, "", 0, {"WALE_LIBSODIUM_KEY_PATH", ""}, OptType::Text, 0, 0, 0, "", "FILE",
   "A file holding the libsodium key (instead of WALE_LIBSODIUM_KEY)."},
  {Opt::LibsodiumAcceptPlain, "", 0, {"WALE_LIBSODIUM_ACCEPT_PLAIN", ""}, OptType::Switch, 0, 0, 0, "", "",
   "With a libsodium key, also read plain (unencrypted) WAL and tar partitions, for archives that turned "
   "encryption on later; without it they are refused as tampering (docs/encryption.md)."},
  {Opt::LibsodiumAcceptGpg, "", 0, {"WALE_LIBSODIUM_ACCEPT_GPG", ""}, OptType::Switch, 0, 0, 0, "", "",
   "With a libsodium key, also read OpenPGP-encrypted WAL and tar partitions, for archives that moved from GPG "
   "to libsodium; without it they are refused as tampering (docs/encryption.md)."},
  {Opt::Envdir, "envdir", 0, {"WALE_ENVDIR", ""}, OptType::Text, 0, 0, 0, "", "DIR",
   "Read settings from a daemontools-style directory, one file per variable (values override the environment)."},
  {Opt::Terse, "terse", 0, {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Log only warnings and errors."},
  {Opt::JsonLog, "json-log", 0, {"WALE_JSON_LOG", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Log to stderr as one JSON object per line (time, level, subcommand, pid, message, detail, hint)."},
  {Opt::LogDestination, "", 0, {"WALE_LOG_DESTINATION", ""}, OptType::Text, 0, 0, 0, "stderr,syslog", "LIST",
   "Where logs go: a comma-separated list of stderr and syslog. Detached helpers always log to syslog too."},
  {Opt::SyslogFacility, "", 0, {"WALE_SYSLOG_FACILITY", ""}, OptType::Text, 0, 0, 0, "user", "FACILITY",
   "Syslog facility: user, local0 to local7, daemon, ..."},
  {Opt::TestSyslogSocket, "", 0, {"WALE_TEST_SYSLOG_SOCKET", ""}, OptType::Text, 0, 0, 0, "", "PATH",
   "Tests only: syslog datagrams also go to this Unix socket.", 0, false, true},

  {Opt::PoolSize, "pool-size", 'p', {"", ""}, OptType::Number, 1, 1024, 0, "number of cores", "N",
   "Partitions (backups) or segments (wal-push's push-ahead) worked on at once.", kPoolCommands},
  {Opt::ReadRateLimit, "cluster-read-rate-limit", 0, {"", ""}, OptType::Number, 1, 1ULL << 40, 0, "unlimited",
   "BYTES_PER_SECOND", "Total read rate limit for the whole backup.", bit(BackupPush)},
  {Opt::WhileOffline, "while-offline", 0, {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Back up a cleanly stopped cluster or replica: positions come from its pg_control, and the WAL the backup needs is stored in it.", bit(BackupPush)},
  {Opt::Permanent, "permanent", 0, {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Mark the backup permanent (see backup-mark).", bit(BackupPush)},
  {Opt::BlindRestore, "blind-restore", 0, {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Restore tablespaces as plain directories under pg_tblspc.", bit(BackupFetch)},
  {Opt::RestoreSpec, "restore-spec", 0, {"", ""}, OptType::Text, 0, 0, 0, "", "FILE",
   "Tablespace locations: a JSON spec file.", bit(BackupFetch)},
  {Opt::Detail, "detail", 0, {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Read each backup's sentinel for sizes and stop positions.", bit(BackupList)},
  {Opt::Json, "json", 0, {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Print JSON (backup-list: every sentinel field; the verifiers: the report).",
   bit(BackupList) | bit(BackupVerify) | bit(WalVerify)},
  {Opt::All, "all", 0, {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Verify every finished backup.", bit(BackupVerify)},
  {Opt::Impermanent, "impermanent", 0, {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Remove the permanent mark instead.", bit(BackupMark)},
  {Opt::Prefetch, "prefetch", 'p', {"", ""}, OptType::Number, 0, 63, 8, "8", "N",
   "Segments to prefetch in the background (0 disables).", bit(WalFetch)},
  {Opt::DryRun, "dry-run", 'n', {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Only print what would be deleted.", bit(Delete)},
  {Opt::Confirm, "confirm", 0, {"", ""}, OptType::Switch, 0, 0, 0, "", "",
   "Really delete.", bit(Delete)},
}};
// clang-format on

constexpr bool table_in_order() {
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<std::size_t>(kTable[i].id) != i) return false;
  }
  for (std::size_t i = 0; i < kCommands.size(); ++i) {
    if (static_cast<std::size_t>(kCommands[i].id) != i) return false;
  }
  return true;
}
static_assert(table_in_order(), "kTable and kCommands must list their enums in order");

}  // namespace

std::span<const CommandSpec> commands() { return kCommands; }
const CommandSpec& spec(Command c) { return kCommands[static_cast<std::size_t>(c)]; }

std::optional<Command> find_command(std::string_view name) {
  for (const auto& c : kCommands) {
    if (c.name == name) return c.id;
  }
  return std::nullopt;
}

std::span<const OptionSpec> options() { return kTable; }
const OptionSpec& spec(Opt o) { return kTable[static_cast<std::size_t>(o)]; }

std::vector<std::string> secret_variables() {
  std::vector<std::string> names;
  for (const auto& s : kTable) {
    if (!s.secret) continue;
    for (auto name : s.env) {
      if (!name.empty()) names.emplace_back(name);
    }
  }
  // libpq's password, WAL-E's Azure and Swift secrets, the bearer token of the
  // ECS/EKS container credentials endpoint (store/s3/container_provider.h).
  for (auto name :
       {"PGPASSWORD", "WABS_ACCESS_KEY", "WABS_SAS_TOKEN", "SWIFT_PASSWORD", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}) {
    names.emplace_back(name);
  }
  return names;
}

std::vector<std::string> secret_values(const Environment& env) {
  std::vector<std::string> values;
  for (const auto& name : secret_variables()) {
    if (auto v = env.get(name); v && !v->empty()) values.push_back(*v);
  }
  return values;
}

std::string display_name(const OptionSpec& s) {
  if (!s.flag.empty()) return "--" + std::string(s.flag);
  return std::string(s.env[0]);
}

unsigned default_pool_size() {
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 2;
}

std::uint64_t check_value(const OptionSpec& s, std::string_view text, std::string_view what, ErrorCode code) {
  switch (s.type) {
    case OptType::Number: return parse_uint(text, what, s.min, s.max, code);
    case OptType::Bytes: return parse_byte_count(text, what, s.min, s.max, code);
    case OptType::Text:
    case OptType::Switch: break;
  }
  return 0;
}

std::uint64_t OptionValues::number(Opt o) const {
  const auto& s = spec(o);
  if (const auto& v = given(o)) return check_value(s, *v, display_name(s), ErrorCode::Usage);
  if (o == Opt::PoolSize) return default_pool_size();
  return s.default_number;
}

std::optional<Lookup> lookup(Opt o, const OptionValues& given, const Environment& env) {
  const auto& s = spec(o);
  if (const auto& v = given.given(o); v && !v->empty()) return Lookup{*v, display_name(s), true};
  for (auto name : s.env) {
    if (name.empty()) continue;
    if (auto v = env.get(name)) return Lookup{*v, std::string(name), false};
  }
  return std::nullopt;
}

std::string trim_lower(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool switch_on(Opt o, const OptionValues& given, const Environment& env) {
  if (given.flag(o)) return true;
  for (auto name : spec(o).env) {
    if (name.empty()) continue;
    auto v = env.get(name);
    if (!v) continue;
    std::string word = trim_lower(*v);
    if (word == "1" || word == "true" || word == "yes" || word == "on") return true;
    if (word == "0" || word == "false" || word == "no" || word == "off") return false;
    throw Error(ErrorCode::Config, "invalid " + std::string(name) + " value", std::string(name) + " is \"" + *v + "\".",
                "Use true or false.");
  }
  return false;
}

}  // namespace wale::config
