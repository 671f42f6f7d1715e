// wal-e entry point: parse, configure logging, run, and map errors to
// WAL-E's exit codes. The only place that catches everything.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/commands.h"
#include "app/signals.h"
#include "archive/wal_fetch.h"
#include "config/environment.h"
#include "config/settings.h"
#include "core/error.h"
#include "core/log.h"
#include "core/stderr_sink.h"
#include "core/syslog_sink.h"

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

// One line: "wal-e wal-push[1234]: ERROR: MSG -- DETAIL HINT: ..." to every
// log destination (core/log.h).
void print_error(const std::string& msg, const std::string& detail, const std::string& hint) {
  wale::log::report(wale::log::Level::Error, msg, detail, hint);
}

// A helper started detached (app/spawn.h) has stderr on /dev/null, so it
// also logs to syslog whatever WALE_LOG_DESTINATION says: its failures are
// otherwise seen by no one. Run by hand on a terminal, it follows the setting.
bool detached_helper(const std::string& subcommand) {
  auto command = wale::config::find_command(subcommand);
  return command && wale::config::spec(*command).internal && ::isatty(STDERR_FILENO) != 1;
}

std::unique_ptr<wale::log::LogSink> syslog_sink(const wale::config::LogSettings& settings) {
  using wale::log::SyslogSink;
  if (!settings.test_syslog_socket.empty()) {
    return SyslogSink::datagram(settings.syslog_facility, settings.test_syslog_socket);
  }
  return SyslogSink::system(settings.syslog_facility);
}

// Sends log records where WALE_LOG_DESTINATION, WALE_SYSLOG_FACILITY and
// --json-log/WALE_JSON_LOG say; `report_problems`: log bad values of those.
void set_up_logging(const wale::app::Invocation& inv, const wale::config::Environment& env, bool report_problems) {
  namespace log = wale::log;
  const std::string& subcommand = inv.name();
  auto settings = wale::config::resolve_log_settings(inv.global, env);
  std::vector<std::unique_ptr<log::LogSink>> sinks;
  if (settings.to_stderr) {
    sinks.push_back(std::make_unique<log::StderrSink>(settings.json ? log::StderrSink::Format::Json
                                                                    : log::StderrSink::Format::Text));
  }
  bool to_syslog = settings.to_syslog || detached_helper(subcommand);
  if (to_syslog) sinks.push_back(syslog_sink(settings));
  log::configure(subcommand, std::move(sinks));
  if (report_problems) {
    for (const auto& p : settings.problems) log::report(log::Level::Error, p.message(), p.detail(), p.hint());
    if (to_syslog && settings.test_syslog_socket.empty()) {
      if (auto why = log::SyslogSink::system_socket_problem(); !why.empty()) {
        log::report(log::Level::Warning, "Could not set up syslog, continuing anyway", "Reason: " + why, {});
      }
    }
  }
}

// Credentials that no log line may show, whatever echoes them (core/log.h):
// the option table's secrets and other programs' (config::secret_values).
void register_secrets(const wale::config::Environment& env) {
  for (const auto& value : wale::config::secret_values(env)) wale::log::add_secret(value);
}

// A detached worker whose command line does not parse (a flag its parent
// forwarded wrongly) would report it only to its /dev/null stderr: the
// report goes to syslog as well.
void report_helper_usage_error(int argc, char** argv, const std::string& output) {
  std::string subcommand;
  for (int i = 1; i < argc && subcommand.empty(); ++i) {
    if (detached_helper(argv[i])) subcommand = argv[i];
  }
  if (subcommand.empty()) return;
  auto settings = wale::config::resolve_log_settings({}, wale::config::Environment::from_process());
  std::vector<std::unique_ptr<wale::log::LogSink>> sinks;
  sinks.push_back(syslog_sink(settings));
  wale::log::configure(subcommand, std::move(sinks));
  std::string why = output;
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  wale::log::report(wale::log::Level::Error, "could not parse the command line", why, {});
}

}  // namespace

int main(int argc, char** argv) {
  wale::app::disable_core_dumps();
  wale::app::install_signal_handlers();
  auto parsed = wale::app::parse_command_line(argc, argv);
  if (!parsed.invocation) {
    std::fputs(parsed.output.c_str(), parsed.to_stderr ? stderr : stdout);
    if (parsed.exit_code != 0) report_helper_usage_error(argc, argv, parsed.output);
    return parsed.exit_code;
  }
  const auto& inv = *parsed.invocation;
  const std::string& subcommand = inv.name();
  if (inv.terse()) wale::log::set_level(wale::log::Level::Warning);
  if (!inv.command) {
    print_error("subcommand not implemented", "No subcommand was given.", "Run wal-e --help for the list.");
    return 127;
  }
  try {
    auto env = wale::config::Environment::from_process();
    register_secrets(env);
    set_up_logging(inv, env, /*report_problems=*/false);  // so that an envdir failure is logged
    if (auto envdir = wale::config::lookup(wale::config::Opt::Envdir, inv.global, env)) {
      for (const auto& [name, value] : env.apply_envdir(envdir->value)) {
        if (value) ::setenv(name.c_str(), value->c_str(), 1);
        else ::unsetenv(name.c_str());
      }
    }
    register_secrets(env);
    set_up_logging(inv, env, /*report_problems=*/true);
    return wale::app::run_command(inv, env);
  } catch (const wale::Error& e) {
    if (auto stopped = wale::app::interrupted(&e)) {  // SIGINT/SIGTERM/SIGHUP/SIGQUIT: 128 + signo
      print_error(stopped->error.message(), stopped->error.detail(), stopped->error.hint());
      return stopped->exit_code;
    }
    // "Not in the archive" is routine for restore_command (end of the archive): --terse hides it.
    bool routine = subcommand == "wal-fetch" && e.code() == wale::ErrorCode::NotFound;
    if (!routine || wale::log::level() <= wale::log::Level::Info) {
      print_error(e.message(), e.detail(), e.hint());
    }
    return exit_code_for(e, subcommand);
  } catch (const std::exception& e) {
    if (auto stopped = wale::app::interrupted(nullptr)) {
      print_error(stopped->error.message(), e.what(), {});
      return stopped->exit_code;
    }
    print_error("An unprocessed exception has avoided all error handling", e.what(), {});
    return exit_code_for(wale::Error(wale::ErrorCode::Internal, e.what()), subcommand);
  } catch (...) {
    print_error("An unprocessed exception has avoided all error handling", {}, {});
    return exit_code_for(wale::Error(wale::ErrorCode::Internal, "unknown exception"), subcommand);
  }
}
