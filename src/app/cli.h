// Command-line parsing (CLI11), compatible with WAL-E 1.1.1: global options
// before the subcommand, WAL-E's subcommands, arguments and options, --help
// everywhere, plus --version. The options, their flags, ranges and help come
// from the option table (config/options.h); each subcommand gets its own typed
// options below. parse_command_line() never exits the process: it returns the
// parsed Invocation, or sets `exit_code`/`output` for --help and usage errors
// (one line; wal-fetch's usage errors exit 255 as a restore_command must).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/options.h"

namespace wale::app {

struct VersionOptions {};
struct BackupPushOptions {
  std::string data_directory;
  unsigned pool_size = 0;
  std::uint64_t read_rate_limit = 0;  // bytes per second; 0: unlimited
  bool while_offline = false;
  bool permanent = false;
};
struct BackupFetchOptions {
  std::string target;
  std::string backup;  // a name or LATEST
  unsigned pool_size = 0;
  bool blind_restore = false;
  std::string restore_spec;
};
struct BackupListOptions {
  std::optional<std::string> query;
  bool detail = false;
  bool json = false;
};
struct BackupMarkOptions {
  std::string backup;
  bool impermanent = false;
};
struct BackupVerifyOptions {
  std::string backup = "LATEST";
  bool all = false;
  bool json = false;
  unsigned pool_size = 0;
};
struct WalPushOptions {
  std::string wal_path;
  unsigned pool_size = 0;
};
struct WalPushAheadOptions {
  std::string wal_directory;
  std::vector<std::string> segments;
  unsigned pool_size = 0;
};
struct WalPushServerOptions {
  std::string socket;
  unsigned pool_size = 0;
};
struct WalFetchOptions {
  std::string segment;
  std::string destination;
  unsigned prefetch = 0;
};
struct WalPrefetchOptions {
  std::string base_directory;
  std::vector<std::string> segments;
};
struct WalVerifyOptions {
  bool json = false;
};
struct DeleteOptions {
  std::vector<std::string> mode;  // "before NAME" | "retain N" | "everything" | "old-versions" (checked when run)
  bool dry_run = false;
  bool confirm = false;
};

// One alternative per config::Command, in its order.
using CommandOptions =
    std::variant<VersionOptions, BackupPushOptions, BackupFetchOptions, BackupListOptions, BackupMarkOptions,
                 BackupVerifyOptions, WalPushOptions, WalPushAheadOptions, WalPushServerOptions, WalFetchOptions,
                 WalPrefetchOptions, WalVerifyOptions, DeleteOptions>;
static_assert(std::variant_size_v<CommandOptions> == config::kCommandCount);

struct Invocation {
  config::OptionValues global;             // global options as given (config::resolve_settings reads them)
  std::optional<config::Command> command;  // none given: WAL-E exits 127
  CommandOptions options;

  bool terse() const { return global.flag(config::Opt::Terse); }
  const std::string& name() const;  // the subcommand's name ("" if none)
};

struct ParseOutcome {
  std::optional<Invocation> invocation;  // set when a command should run
  int exit_code = 0;
  std::string output;  // help, version, manual or error text to print
  bool to_stderr = false;
};

ParseOutcome parse_command_line(int argc, const char* const* argv);

// "1.1.1": the WAL-E release whose interface this is (wal-e version, --version).
std::string_view version();

}  // namespace wale::app
