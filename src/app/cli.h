// Command-line parsing (CLI11), compatible with WAL-E 1.1.1: global options
// before the subcommand, WAL-E's subcommands, arguments and options, --help
// everywhere. parse_command_line() never exits the process: it returns the
// parsed Invocation, or sets `exit_code`/`output` for --help and usage errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.h"

namespace wale::app {

struct Invocation {
  config::GlobalFlags flags;
  std::string envdir;
  std::string subcommand;  // empty: none given
  // positional arguments and subcommand options
  std::vector<std::string> args;
  int pool_size = 0;            // 0: default
  long long read_rate_limit = 0;
  bool while_offline = false;
  bool permanent = false;
  bool blind_restore = false;
  std::string restore_spec;
  bool detail = false;
  bool json = false;
  int prefetch = -1;
  bool dry_run = false;
  bool confirm = false;
  bool impermanent = false;
  bool all = false;
};

// Allowed ranges of the numeric options; a value outside is a usage error (exit 2).
inline constexpr std::uint64_t kMaxPoolSize = 1024;               // --pool-size 1..1024
inline constexpr std::uint64_t kMaxPrefetch = 63;                 // --prefetch 0..63 (wal-prefetch takes 63)
inline constexpr std::uint64_t kMaxReadRateLimit = 1ULL << 40;    // --cluster-read-rate-limit 1 B/s..1 TiB/s

struct ParseOutcome {
  std::optional<Invocation> invocation;  // set when a command should run
  int exit_code = 0;
  std::string output;  // help or error text to print
  bool to_stderr = false;
};

ParseOutcome parse_command_line(int argc, char** argv);

}  // namespace wale::app
