#include "app/cli.h"

#include <CLI/CLI.hpp>

#include <array>
#include <utility>

#include "app/manual.h"
#include "archive/wal_fetch.h"
#include "core/error.h"

namespace wale::app {

namespace {

using config::Command;
using config::Opt;
using config::OptionSpec;
using config::OptionValues;
using config::OptType;

constexpr std::string_view kVersion = "1.1.1";

// What the parser collected for one subcommand.
struct Parsed {
  std::vector<std::string> args;  // positional arguments
  OptionValues values;            // the subcommand's options
};

unsigned pool_size(const OptionValues& v) { return static_cast<unsigned>(v.number(Opt::PoolSize)); }

// Turns what was parsed into each subcommand's typed options; one per
// config::Command, in its order. The parser has checked the number of
// positional arguments against the command table.
using Binder = CommandOptions (*)(const Parsed&);
constexpr std::array<Binder, config::kCommandCount> kBinders{
    [](const Parsed&) -> CommandOptions { return VersionOptions{}; },
    [](const Parsed& p) -> CommandOptions {
      return BackupPushOptions{p.args.at(0), pool_size(p.values), p.values.number(Opt::ReadRateLimit),
                               p.values.flag(Opt::WhileOffline), p.values.flag(Opt::Permanent)};
    },
    [](const Parsed& p) -> CommandOptions {
      return BackupFetchOptions{p.args.at(0), p.args.at(1), pool_size(p.values), p.values.flag(Opt::BlindRestore),
                                p.values.given(Opt::RestoreSpec).value_or("")};
    },
    [](const Parsed& p) -> CommandOptions {
      return BackupListOptions{p.args.empty() ? std::nullopt : std::optional(p.args[0]), p.values.flag(Opt::Detail),
                               p.values.flag(Opt::Json)};
    },
    [](const Parsed& p) -> CommandOptions {
      return BackupMarkOptions{p.args.at(0), p.values.flag(Opt::Impermanent)};
    },
    [](const Parsed& p) -> CommandOptions {
      return BackupVerifyOptions{p.args.empty() ? "LATEST" : p.args[0], p.values.flag(Opt::All),
                                 p.values.flag(Opt::Json), pool_size(p.values)};
    },
    [](const Parsed& p) -> CommandOptions {
      return WalPushOptions{p.args.at(0), pool_size(p.values)};
    },
    [](const Parsed& p) -> CommandOptions {
      return WalPushAheadOptions{p.args.at(0), {p.args.begin() + 1, p.args.end()}, pool_size(p.values)};
    },
    [](const Parsed& p) -> CommandOptions {
      return WalPushServerOptions{p.args.at(0), pool_size(p.values)};
    },
    [](const Parsed& p) -> CommandOptions {
      return WalFetchOptions{p.args.at(0), p.args.at(1), static_cast<unsigned>(p.values.number(Opt::Prefetch))};
    },
    [](const Parsed& p) -> CommandOptions {
      return WalPrefetchOptions{p.args.at(0), {p.args.begin() + 1, p.args.end()}};
    },
    [](const Parsed& p) -> CommandOptions { return WalVerifyOptions{p.values.flag(Opt::Json)}; },
    [](const Parsed& p) -> CommandOptions {
      return DeleteOptions{p.args, p.values.flag(Opt::DryRun), p.values.flag(Opt::Confirm)};
    },
};

std::string cli_names(const OptionSpec& s) {
  std::string names;
  if (s.short_flag != 0) names = std::string("-") + s.short_flag + ",";
  return names + "--" + std::string(s.flag);
}

// --help text of one option: the table's help, its variables (unless it has
// no flag: then they are its name) and its default.
std::string help_of(const OptionSpec& s) {
  std::string h(s.help);
  std::string extra;
  for (auto e : s.env) {
    if (!e.empty() && !s.flag.empty()) extra += (extra.empty() ? "env: " : " or ") + std::string(e);
  }
  if (!s.default_text.empty())
    extra += (extra.empty() ? "" : "; ") + std::string("default: ") + std::string(s.default_text);
  if (!extra.empty()) h += " (" + extra + ")";
  return h;
}

// One registered option: where CLI11 keeps its results.
struct Registered {
  Opt id;
  CLI::Option* option;
};

void add_table_option(CLI::App& app, const OptionSpec& s, std::vector<Registered>& out) {
  CLI::Option* o = s.type == OptType::Switch ? app.add_flag(cli_names(s)) : app.add_option(cli_names(s));
  o->description(help_of(s));
  if (s.type != OptType::Switch) o->type_name(std::string(s.value_name));
  if (s.hidden) o->group("");
  out.push_back({s.id, o});
}

// Options given, as text; numbers checked against the table (Error{Usage}).
OptionValues collect(const std::vector<Registered>& registered) {
  OptionValues values;
  for (const auto& r : registered) {
    if (r.option->count() == 0) continue;
    const auto& s = config::spec(r.id);
    if (s.type == OptType::Switch) {
      values.set(r.id, "true");
      continue;
    }
    std::string text = r.option->as<std::string>();
    config::check_value(s, text, config::display_name(s), ErrorCode::Usage);
    values.set(r.id, std::move(text));
  }
  return values;
}

std::string footer() {
  std::string f = "Settings read only from the environment or the envdir:\n";
  for (const auto& s : config::options()) {
    if (!s.flag.empty() || s.hidden) continue;
    f += "  " + std::string(s.env[0]);
    if (!s.env[1].empty()) f += " (or " + std::string(s.env[1]) + ")";
    f += ": " + help_of(s) + "\n";
  }
  return f;
}

}  // namespace

const std::string& Invocation::name() const {
  static const std::string none;
  static const auto names = [] {
    std::array<std::string, config::kCommandCount> n;
    for (const auto& c : config::commands()) n[static_cast<std::size_t>(c.id)] = std::string(c.name);
    return n;
  }();
  return command ? names[static_cast<std::size_t>(*command)] : none;
}

ParseOutcome parse_command_line(int argc, const char* const* argv) {
  CLI::App app{
      "wal-e: continuous archiving of PostgreSQL WAL and base backups to object storage.\n"
      "Settings come from the environment (WALE_S3_PREFIX, WALE_FILE_PREFIX, AWS_*, ...) or from\n"
      "the global options below, which go before the subcommand. Secrets are read only from the\n"
      "environment or an envdir, never from the command line.",
      "wal-e"};
  app.set_help_flag("-h,--help", "Show this help and exit.");
  app.footer([] { return footer(); });  // built only when help is printed
  auto* version_flag = app.add_flag("--version")->description("Print the version and exit.");
  auto* readme_flag = app.add_flag("--help-settings-table")->group("");  // README.md's table (tests check it)
  auto* man_flag = app.add_flag("--help-man")->group("");                // wal-e(1), written at build time (docs/)

  std::vector<Registered> global;
  for (const auto& s : config::options()) {
    if (config::is_global(s) && !s.flag.empty()) add_table_option(app, s, global);
  }
  app.require_subcommand(0, 1);

  struct Sub {
    CLI::App* app;
    std::vector<std::string> args;  // positional arguments
    std::vector<Registered> options;
  };
  std::array<Sub, config::kCommandCount> subs{};
  // Start-up: CLI11 recognises a subcommand only by its exact name, so the
  // positionals and options of a subcommand whose name is not on the command
  // line can never be parsed or shown (`wal-e --help` lists only names and
  // summaries): they are not registered, a thirteenth of the work per call.
  auto named = [&](std::string_view name) {
    for (int i = 1; i < argc; ++i) {
      if (name == argv[i]) return true;
    }
    return false;
  };
  for (const auto& c : config::commands()) {
    auto& sub = subs[static_cast<std::size_t>(c.id)];
    sub.app = app.add_subcommand(std::string(c.name), std::string(c.summary));
    sub.app->footer("");
    if (!named(c.name)) continue;
    if (c.max_args > 0) {
      sub.app->add_option(std::string(c.positionals), sub.args, std::string(c.positional_help))
          ->expected(c.min_args, c.max_args)
          ->required(c.min_args > 0);
    }
    for (const auto& s : config::options()) {
      if (config::takes(s, c.id)) add_table_option(*sub.app, s, sub.options);
    }
  }
  const auto* wal_fetch = subs[static_cast<std::size_t>(Command::WalFetch)].app;
  // A wal-fetch usage error is a broken restore_command: it must stop
  // recovery (exit > 125), not end it as "not in the archive". That holds
  // too when CLI11 never got to the subcommand: a global option whose value
  // is missing takes "wal-fetch" as its value (`--envdir $UNSET wal-fetch
  // %f %p`, the shell expanding an unset variable to nothing).
  const bool names_wal_fetch = named(config::spec(Command::WalFetch).name);
  auto usage_exit = [&] { return wal_fetch->parsed() || names_wal_fetch ? archive::kRestoreFatalExit : 2; };

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // Help for the deepest subcommand given.
    const CLI::App* target = &app;
    for (const auto* sub : app.get_subcommands()) target = sub;
    return ParseOutcome{std::nullopt, 0, target->help(), false};
  } catch (const CLI::ParseError& e) {
    return ParseOutcome{std::nullopt, usage_exit(), std::string("wal-e: error: ") + e.what() + "\n", true};
  }
  if (man_flag->count() > 0) return ParseOutcome{std::nullopt, 0, man_page(), false};
  if (readme_flag->count() > 0) return ParseOutcome{std::nullopt, 0, settings_markdown_table(), false};
  if (version_flag->count() > 0) return ParseOutcome{std::nullopt, 0, std::string(kVersion) + "\n", false};

  Invocation inv;
  try {
    inv.global = collect(global);
    for (const auto& c : config::commands()) {
      const auto& sub = subs[static_cast<std::size_t>(c.id)];
      if (!sub.app->parsed()) continue;
      Parsed p;
      p.args = sub.args;
      p.values = collect(sub.options);
      inv.command = c.id;
      inv.options = kBinders[static_cast<std::size_t>(c.id)](p);
    }
  } catch (const Error& e) {
    return ParseOutcome{std::nullopt, usage_exit(), "wal-e: error: " + e.message() + "\n", true};
  }
  return ParseOutcome{std::move(inv), 0, {}, false};
}

std::string_view version() { return kVersion; }

}  // namespace wale::app
