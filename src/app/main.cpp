// wal-e entry point: parse, configure logging, run, and map errors to
// WAL-E's exit codes. The only place that catches everything.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "app/cli.h"
#include "app/commands.h"
#include "app/signals.h"
#include "archive/wal_fetch.h"
#include "config/environment.h"
#include "core/error.h"
#include "core/log.h"

namespace {

// WAL-E: 1 for every "user" error (UserException), 2 for usage errors and
// unexpected failures. wal-fetch follows the restore_command contract
// instead (archive/wal_fetch.h): 1 only for "not in the archive", 255 for
// every other failure, so that PostgreSQL stops recovery instead of ending it.
int exit_code_for(const wale::Error& e, const std::string& subcommand) {
  using wale::ErrorCode;
  if (subcommand == "wal-fetch") return wale::archive::restore_exit_status(e.code());
  switch (e.code()) {
    case ErrorCode::Usage: return 2;
    case ErrorCode::Internal: return 2;
    default: return 1;
  }
}

// One line: "wal-e wal-push: ERROR: MSG. DETAIL HINT: ..."
void print_error(const std::string& subcommand, const std::string& msg, const std::string& detail,
                 const std::string& hint) {
  std::string line = "wal-e";
  if (!subcommand.empty()) line += " " + subcommand;
  line += ": ERROR: " + msg;
  if (!detail.empty()) line += " -- " + detail;
  if (!hint.empty()) line += " HINT: " + hint;
  for (auto& c : line) {
    if (c == '\n') c = ' ';
  }
  line += "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

int main(int argc, char** argv) {
  wale::app::disable_core_dumps();
  wale::app::install_signal_handlers();
  auto parsed = wale::app::parse_command_line(argc, argv);
  if (!parsed.invocation) {
    std::fputs(parsed.output.c_str(), parsed.to_stderr ? stderr : stdout);
    return parsed.exit_code;
  }
  const auto& inv = *parsed.invocation;
  const std::string& subcommand = inv.name();
  if (inv.terse()) wale::log::set_level(wale::log::Level::Warning);
  if (!inv.command) {
    print_error("", "subcommand not implemented", "No subcommand was given.", "Run wal-e --help for the list.");
    return 127;
  }
  try {
    auto env = wale::config::Environment::from_process();
    if (auto envdir = wale::config::lookup(wale::config::Opt::Envdir, inv.global, env)) {
      for (const auto& [name, value] : env.apply_envdir(envdir->value)) {
        if (value) ::setenv(name.c_str(), value->c_str(), 1);
        else ::unsetenv(name.c_str());
      }
    }
    return wale::app::run_command(inv, env);
  } catch (const wale::Error& e) {
    if (auto stopped = wale::app::interrupted(&e)) {  // SIGINT/SIGTERM/SIGHUP: 128 + signo
      print_error(subcommand, stopped->error.message(), stopped->error.detail(), stopped->error.hint());
      return stopped->exit_code;
    }
    // "Not in the archive" is routine for restore_command (end of the archive): --terse hides it.
    bool routine = subcommand == "wal-fetch" && e.code() == wale::ErrorCode::NotFound;
    if (!routine || wale::log::level() <= wale::log::Level::Info) {
      print_error(subcommand, e.message(), e.detail(), e.hint());
    }
    return exit_code_for(e, subcommand);
  } catch (const std::exception& e) {
    if (auto stopped = wale::app::interrupted(nullptr)) {
      print_error(subcommand, stopped->error.message(), e.what(), {});
      return stopped->exit_code;
    }
    print_error(subcommand, "An unprocessed exception has avoided all error handling", e.what(), {});
    return exit_code_for(wale::Error(wale::ErrorCode::Internal, e.what()), subcommand);
  } catch (...) {
    print_error(subcommand, "An unprocessed exception has avoided all error handling", {}, {});
    return exit_code_for(wale::Error(wale::ErrorCode::Internal, "unknown exception"), subcommand);
  }
}
