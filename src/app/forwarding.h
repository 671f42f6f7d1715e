// Forwarding settings to detached helper processes (wal-push-ahead started by
// wal-push, wal-prefetch started by wal-fetch): the helper must resolve exactly
// the settings its parent resolved, whatever options, variables and envdir
// the parent got them from.
//
// Driven by the option table (config/options.h): every global option given on
// the parent's command line is passed on -- as a flag, or, for a secret, as its
// environment variable (secrets never appear in argv) -- and the helper gets
// the parent's environment with the envdir already applied (WALE_ENVDIR is
// dropped, so a changed envdir cannot give the helper other settings).
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "app/cli.h"
#include "config/environment.h"

namespace wale::app {

struct HelperCall {
  std::vector<std::string> args;                   // after argv[0]: global options, subcommand, its arguments
  std::map<std::string, std::string> environment;  // the helper's whole environment
  int nice_increment = 0;                          // added to the helper's niceness (background work)
};

// `command_args`: the helper's subcommand and its arguments (helper_args below).
HelperCall helper_call(const Invocation& parent, const config::Environment& env,
                       const std::vector<std::string>& command_args);

// 16 hex digits naming the settings `parent` runs with (layout's push-ahead
// socket): XXH3-128, truncated, of wal-e's version, the global options given
// (helper_call's arguments) and every variable of the helper's environment
// that can decide where and how a file is stored (the option table's
// variables, AWS_*, WALE_*, GNUPGHOME, HOME). Equal fingerprints: a helper
// would resolve the same settings. Secrets enter only through the hash (not
// reversible; the socket lives in pg_wal, readable by its owner only).
std::string settings_fingerprint(const Invocation& parent, const config::Environment& env);

// The subcommand arguments that parse back into `o`.
std::vector<std::string> helper_args(const WalPushAheadOptions& o);
std::vector<std::string> helper_args(const WalPrefetchOptions& o);

}  // namespace wale::app
