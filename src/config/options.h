// The option table: every setting wal-e knows, in one place. One row per
// option names its command-line flag, its environment variables (read from the
// process environment and the envdir), its type and range, its default, its
// help text, the subcommands that take it and whether it is a secret.
//
// The table drives the CLI11 set-up and --help (app/cli.cpp), validation of
// numbers (here), resolution into config::Settings (config/settings.cpp), the
// forwarding of settings to detached helper processes (app/forwarding.cpp), the
// README's settings table and the man page (app/manual.cpp). Adding a setting:
// add an `Opt` (and bump kOptionCount) and a row to kTable in options.cpp, in
// the same order (a static_assert checks it); read it in resolve_settings()
// into a Settings field, or in a subcommand's binder (app/cli.cpp); then paste
// `wal-e --help-settings-table` into README.md (a unit test compares them).
//
// Rules the table keeps (tests/unit/option_table_test.cpp checks them):
// a secret has no flag (secrets never appear in argv); numbers have a range.
// Constant data and pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/environment.h"
#include "core/error.h"

namespace wale::config {

// Subcommands, in the order --help lists them.
enum class Command : std::uint8_t {
  Version,
  BackupPush,
  BackupFetch,
  BackupList,
  BackupMark,
  BackupVerify,
  WalPush,
  WalPushAhead,
  WalPushServer,
  WalFetch,
  WalPrefetch,
  WalVerify,
  Delete,
};
inline constexpr std::size_t kCommandCount = 13;

using CommandSet = std::uint32_t;
constexpr CommandSet bit(Command c) { return CommandSet{1} << static_cast<unsigned>(c); }

struct CommandSpec {
  Command id;
  std::string_view name;         // as typed: "wal-push"
  std::string_view summary;      // one paragraph for --help and the man page
  std::string_view positionals;  // e.g. "WAL_SEGMENT" ("" = none)
  std::string_view positional_help;
  int min_args = 0;  // number of positional arguments
  int max_args = 0;
  bool internal = false;  // started by wal-e itself (not in the manual's synopsis)
};

// Every option. kTable (options.cpp) has one row per value, in this order.
enum class Opt : std::uint8_t {
  // global: storage
  FilePrefix,
  S3Prefix,
  GsPrefix,
  WabsPrefix,
  SwiftPrefix,
  Compression,
  PartitionSize,
  ArchiveTimeout,
  Retries,
  // global: S3 and other backends' credentials
  AwsAccessKeyId,
  AwsSecretAccessKey,
  AwsSessionToken,
  AwsRegion,
  AwsInstanceProfile,
  S3Endpoint,
  S3StorageClass,
  S3Sse,
  S3SseKmsId,
  S3CaBundle,
  GsAccessKeyId,
  WabsAccountName,
  GpgKeyId,
  LibsodiumKey,
  LibsodiumKeyPath,
  LibsodiumAcceptPlain,
  LibsodiumAcceptGpg,
  // global: the run itself
  Envdir,
  Terse,
  JsonLog,
  LogDestination,
  SyslogFacility,
  TestSyslogSocket,
  // subcommand options
  PoolSize,
  ReadRateLimit,
  WhileOffline,
  Permanent,
  BlindRestore,
  RestoreSpec,
  Detail,
  Json,
  All,
  Impermanent,
  Prefetch,
  DryRun,
  Confirm,
};
inline constexpr std::size_t kOptionCount = 45;

enum class OptType : std::uint8_t {
  Text,    // any string
  Switch,  // a flag without value; in the environment 1/true/yes/on (see switch_on)
  Number,  // whole number within [min, max]
  Bytes,   // byte count with an optional k/M/G/T suffix, within [min, max]
};

struct OptionSpec {
  Opt id;
  std::string_view flag;                  // long flag without dashes ("pool-size"); "" = environment only
  char short_flag = 0;                    // 'p' for -p; 0 = none
  std::array<std::string_view, 2> env{};  // variables, the first non-empty wins; "" = none
  OptType type = OptType::Text;
  std::uint64_t min = 0, max = 0;    // Number/Bytes: allowed range
  std::uint64_t default_number = 0;  // Number/Bytes: value when not given
  std::string_view default_text;     // the default as shown to people ("" = none)
  std::string_view value_name;       // "URL", "N" in --help and the man page
  std::string_view help;
  CommandSet commands = 0;  // 0: global option (goes before the subcommand)
  bool secret = false;      // environment only; forwarded to helpers by environment
  bool hidden = false;      // accepted but not documented (vestigial in WAL-E)
};

std::span<const CommandSpec> commands();
const CommandSpec& spec(Command c);
std::optional<Command> find_command(std::string_view name);

std::span<const OptionSpec> options();
const OptionSpec& spec(Opt o);
inline bool is_global(const OptionSpec& s) { return s.commands == 0; }
inline bool takes(const OptionSpec& s, Command c) { return (s.commands & bit(c)) != 0; }

// "--pool-size" (the long flag as typed), or the first environment variable for
// environment-only settings.
std::string display_name(const OptionSpec& s);

// The values of every secret in `env`: the table's secret rows (all their
// variables) and the credentials of other programs wal-e's processes carry
// (libpq's PGPASSWORD, WAL-E's Azure and Swift secrets, the container
// credentials endpoint's AWS_CONTAINER_AUTHORIZATION_TOKEN). Logging redacts
// them (core/log.h add_secret), so a secret added to the table is redacted
// without a second list to keep.
std::vector<std::string> secret_values(const Environment& env);
// The names of those variables (secret_values looks them up). Programs that
// need none of them (gpg) are started without them.
std::vector<std::string> secret_variables();

// The default pool size: the number of cores (2 if unknown).
unsigned default_pool_size();

// Checks `text` against the option's type and range. `what` names where it came
// from ("--pool-size", "WALE_RETRIES"); throws Error{code} with one line naming
// `what`, the value and the allowed range. Returns the number (0 for Text/Switch).
std::uint64_t check_value(const OptionSpec& s, std::string_view text, std::string_view what, ErrorCode code);

// Values given on the command line, by option (text as typed; "true" for a switch).
class OptionValues {
 public:
  void set(Opt o, std::string text) { values_[static_cast<std::size_t>(o)] = std::move(text); }
  const std::optional<std::string>& given(Opt o) const { return values_[static_cast<std::size_t>(o)]; }
  bool flag(Opt o) const { return given(o).has_value(); }
  // The given number (validated by the parser), else the table's default.
  std::uint64_t number(Opt o) const;
  bool operator==(const OptionValues&) const = default;

 private:
  std::array<std::optional<std::string>, kOptionCount> values_;
};

// Where a setting's value comes from: the command line first, then the
// environment variables in the table's order; the first non-empty wins.
struct Lookup {
  std::string value;
  std::string source;  // "--s3-prefix" or "WALE_S3_PREFIX"
  bool from_command_line = false;
};
std::optional<Lookup> lookup(Opt o, const OptionValues& given, const Environment& env);

// A setting's word as the parsers compare it: surrounding white space
// removed, lower case (switches, log destinations, syslog facilities).
std::string trim_lower(std::string s);

// A switch that is on: given on the command line, or its variable is 1, true,
// yes or on (any case; 0, false, no, off and unset are off). Throws
// Error{Config} for any other value of the variable.
bool switch_on(Opt o, const OptionValues& given, const Environment& env);

}  // namespace wale::config
