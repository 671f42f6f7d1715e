#include "app/commands.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <thread>

#include "app/spawn.h"
#include "app/store_factory.h"
#include "archive/archive_identity.h"
#include "archive/wal_fetch.h"
#include "archive/wal_prefetch.h"
#include "archive/wal_push.h"
#include "archive/wal_push_ahead.h"
#include "archive/wal_verify.h"
#include "backup/backup_fetch.h"
#include "backup/backup_push.h"
#include "backup/progress.h"
#include "catalog/backup_catalog.h"
#include "catalog/backup_verify.h"
#include "catalog/retention.h"
#include "core/error.h"
#include "core/log.h"
#include "core/number.h"
#include "io/file_streams.h"
#include "server/wal_push_server.h"

namespace wale::app {
namespace {

// SIGPIPE is ignored (app/signals.h): a closed pipe is an error here, not a silent death.
void write_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    throw_errno("could not write to standard output", "", errno);
  }
}

// What every command but `version` works with.
struct Context {
  const Invocation& inv;
  const config::Environment& env;
  config::Settings settings;
  std::unique_ptr<store::ObjectStore> store;
};

int run_backup_list(const BackupListOptions& o, Context& ctx) {
  auto& store = *ctx.store;
  bool detail = o.detail || o.json;
  std::vector<catalog::BackupInfo> backups;
  if (o.query) {
    backups.push_back(catalog::resolve_backup(store, layout::BackupQuery::parse(*o.query)));
  } else {
    backups = catalog::list_backups(store, detail);
  }
  // WAL-E's tab-separated output for scripts; aligned columns when a person reads it on a terminal.
  if (o.json) write_stdout(catalog::format_backup_list_json(backups));
  else if (::isatty(STDOUT_FILENO) == 1) write_stdout(catalog::format_backup_list_table(backups));
  else write_stdout(catalog::format_backup_list_tsv(backups));
  return 0;
}

constexpr std::uint64_t kMaxRetain = 1'000'000;  // delete retain N: 1..kMaxRetain

catalog::DeleteRequest parse_delete(const std::vector<std::string>& args) {
  auto usage = [](const std::string& why) {
    return Error(ErrorCode::Usage, "delete: " + why, {},
                 "Use: delete [--confirm] before NAME|TIME | retain N | everything | old-versions.");
  };
  if (args.empty()) throw usage("no mode given");
  catalog::DeleteRequest r;
  const std::string& mode = args[0];
  if (mode == "before" || mode == "retain") {
    if (args.size() != 2) throw usage(mode + " takes one argument");
    if (mode == "before") {
      r.mode = catalog::DeleteMode::Before;
      r.before = args[1];
    } else {
      r.mode = catalog::DeleteMode::Retain;
      try {
        r.retain = static_cast<unsigned>(parse_uint(args[1], "retain", 1, kMaxRetain, ErrorCode::Usage));
      } catch (const Error& e) {
        throw usage(e.message());
      }
    }
  } else if (mode == "everything" || mode == "old-versions") {
    if (args.size() != 1) throw usage(mode + " takes no argument");
    r.mode = mode == "everything" ? catalog::DeleteMode::Everything : catalog::DeleteMode::OldVersions;
  } else {
    throw usage("unknown mode \"" + mode + "\"");
  }
  return r;
}

int run_delete(const DeleteOptions& o, Context& ctx) {
  auto& store = *ctx.store;
  auto request = parse_delete(o.mode);
  auto plan = catalog::plan_delete(store, request, std::chrono::system_clock::now());
  bool really = o.confirm && !o.dry_run;
  std::string verb = really ? "deleting" : "would delete";
  std::string out;
  for (const auto& b : plan.backups) out += verb + " backup " + b + "\n";
  for (const auto& b : plan.unfinished_backups) out += verb + " unfinished backup " + b + "\n";
  for (const auto& b : plan.kept_backups) out += "keeping backup " + b + "\n";
  for (const auto& b : plan.running_backups) out += "keeping running backup " + b + "\n";
  for (const auto& n : plan.wal_needs) {
    out += "keeping WAL from " + n.start.file_name() + " on (timeline " + std::to_string(n.start.timeline) +
           " and its descendants) for " + (n.running ? "running backup " : "backup ") + n.backup + "\n";
  }
  out += verb + " " + std::to_string(plan.wal_keys) + " WAL files no kept or running backup needs (current timeline " +
         std::to_string(plan.current_timeline) + ")\n";
  out += verb + " " + std::to_string(plan.keys.size()) + " objects in all\n";
  if (!really) out += "This is only a dry run -- no data was deleted. Add --confirm to delete.\n";
  write_stdout(out);
  if (really) {
    store.remove_abandoned("");  // temporaries of killed writers anywhere in the archive
    for (const auto& k : plan.keys) {
      log::debug("wal_e.operator.delete",
                 {"deleting an object", "The key being deleted is " + store.describe(k) + ".", {}, {}});
    }
    catalog::execute_delete(store, plan);
  }
  return 0;
}

int run_version(const VersionOptions&, Context&) {
  write_stdout(std::string(version()) + "\n");
  return 0;
}

int run_wal_push(const WalPushOptions& o, Context& ctx) {
  archive::PushAheadOptions opts{ctx.settings.compression, o.pool_size};
  archive::check_identity_for_push(*ctx.store, o.wal_path);
  auto r = archive::wal_push_with_ahead(*ctx.store, o.wal_path, opts);
  // Temporaries of killed pushes: wal_005/ is large and hot, so at most hourly.
  ctx.store->remove_abandoned(layout::kWalDir, std::chrono::hours(1));
  if (!r.ahead.empty()) {
    // The other ready segments go up in a detached worker: this call returns
    // as soon as its own segment is stored.
    WalPushAheadOptions helper{io::parent_dir(o.wal_path), r.ahead, opts.pool_size};
    spawn_detached_self(helper_call(ctx.inv, ctx.env, helper_args(helper)));
  }
  return 0;
}

int run_wal_push_ahead(const WalPushAheadOptions& o, Context& ctx) {
  archive::PushAheadOptions opts{ctx.settings.compression, o.pool_size};
  archive::wal_push_ahead_worker(*ctx.store, o.wal_directory, o.segments, opts);
  return 0;
}

int run_wal_push_server(const WalPushServerOptions& o, Context& ctx) {
  archive::PushAheadOptions opts{ctx.settings.compression, o.pool_size};
  server::WalPushService service(*ctx.store, opts);
  server::WalPushServer srv(o.socket, [&service](const std::string& path) { return service.push(path); });
  // wal-push reads the envdir on every call; a resident server restarts when it changes.
  srv.set_restart_check([&env = ctx.env] { return env.envdir_changed(); });
  srv.serve();
  return 0;
}

// wal-fetch's one "not in the archive" answer: the only error that exits 1,
// which ends recovery (see run_command).
class NotInArchive final : public Error {
 public:
  using Error::Error;
};

int run_wal_fetch(const WalFetchOptions& o, Context& ctx) {
  auto& store = *ctx.store;
  auto expected = archive::check_identity_for_fetch(store, o.destination);
  // The detached prefetcher gets the whole window and keeps it full (see wal_prefetch).
  auto start_prefetch = [&](const archive::PrefetchPlan& plan) {
    WalPrefetchOptions helper{plan.base, plan.window};
    try {
      spawn_detached_self(helper_call(ctx.inv, ctx.env, helper_args(helper)));
    } catch (const Error& e) {
      // Prefetch only saves time: the requested file is (being) restored.
      log::warning("wal_e.worker.prefetch", {"could not start the prefetcher", e.message(), {}, {}});
    }
  };
  auto r = archive::wal_fetch_with_prefetch(store, o.segment, o.destination, ctx.settings.compression, o.prefetch,
                                            start_prefetch);
  if (!r.found) throw NotInArchive(ErrorCode::NotFound, "WAL file " + o.segment + " is not in the archive");
  archive::check_fetched_segment(o.segment, o.destination, expected, store.describe(layout::cluster_identity_key()));
  return 0;
}

// How long a detached prefetcher waits for wal-fetch to take a prefetched
// segment before it exits (replay of one segment rarely takes longer).
constexpr std::chrono::milliseconds kPrefetchLinger{2000};

int run_wal_prefetch(const WalPrefetchOptions& o, Context& ctx) {
  archive::wal_prefetch(*ctx.store, o.base_directory, o.segments, ctx.settings.compression, config::default_pool_size(),
                        kPrefetchLinger);
  return 0;
}

int run_backup_mark(const BackupMarkOptions& o, Context& ctx) {
  catalog::mark_backup(*ctx.store, o.backup, !o.impermanent);
  return 0;
}

int run_backup_verify(const BackupVerifyOptions& o, Context& ctx) {
  auto& store = *ctx.store;
  std::vector<catalog::BackupInfo> targets;
  if (o.all) {
    targets = catalog::list_backups(store, true);
    if (targets.empty()) throw Error(ErrorCode::NotFound, "no backups to verify");
  } else {
    targets.push_back(catalog::resolve_backup(store, layout::BackupQuery::parse(o.backup)));
  }
  std::vector<catalog::BackupVerifyReport> reports;
  for (const auto& b : targets) reports.push_back(catalog::verify_backup(store, b, o.pool_size));
  write_stdout(o.json ? catalog::backup_report_json(reports) : catalog::backup_report_text(reports));
  bool ok = std::all_of(reports.begin(), reports.end(), [](const auto& r) { return r.ok(); });
  return ok ? 0 : 1;
}

int run_wal_verify(const WalVerifyOptions& o, Context& ctx) {
  auto report = catalog::verify_wal(*ctx.store);
  write_stdout(o.json ? archive::wal_report_json(report) : archive::wal_report_text(report));
  return report.ok() ? 0 : 1;
}

int run_backup_push(const BackupPushOptions& o, Context& ctx) {
  auto& store = *ctx.store;
  // Before anything touches the archive: it may belong to another cluster.
  archive::check_identity_for_backup(store, o.data_directory);
  backup::BackupPushOptions opts;
  opts.data_directory = o.data_directory;
  opts.codec = ctx.settings.compression;
  opts.partition_size = ctx.settings.partition_size;
  opts.archive_wait_seconds = ctx.settings.archive_wait_seconds;
  opts.permanent = o.permanent;
  opts.while_offline = o.while_offline;
  opts.pool_size = o.pool_size;
  opts.read_rate_limit = o.read_rate_limit;
  opts.show_progress = backup::stderr_is_terminal() && !ctx.inv.terse();
  store.remove_abandoned(layout::kBackupsDir);  // partitions of killed backup-pushes
  auto result = backup::backup_push(store, opts);
  write_stdout(result.name.str() + "\n");
  return 0;
}

int run_backup_fetch(const BackupFetchOptions& o, Context& ctx) {
  backup::BackupFetchOptions opts;
  opts.target = o.target;
  opts.query = layout::BackupQuery::parse(o.backup);
  opts.restore_spec = o.restore_spec;
  opts.blind_restore = o.blind_restore;
  opts.pool_size = o.pool_size;
  opts.show_progress = backup::stderr_is_terminal() && !ctx.inv.terse();
  backup::backup_fetch(*ctx.store, opts);
  return 0;
}

// The handler of each subcommand, by config::Command. `needs_store`: false only
// for commands that work without settings (version).
struct Handler {
  bool needs_store;
  int (*run)(const Invocation&, Context&);
};
template <typename Options, int (*Fn)(const Options&, Context&)>
constexpr Handler handler(bool needs_store = true) {
  return {needs_store, [](const Invocation& inv, Context& ctx) { return Fn(std::get<Options>(inv.options), ctx); }};
}
constexpr std::array<Handler, config::kCommandCount> kHandlers{
    handler<VersionOptions, run_version>(false),
    handler<BackupPushOptions, run_backup_push>(),
    handler<BackupFetchOptions, run_backup_fetch>(),
    handler<BackupListOptions, run_backup_list>(),
    handler<BackupMarkOptions, run_backup_mark>(),
    handler<BackupVerifyOptions, run_backup_verify>(),
    handler<WalPushOptions, run_wal_push>(),
    handler<WalPushAheadOptions, run_wal_push_ahead>(),
    handler<WalPushServerOptions, run_wal_push_server>(),
    handler<WalFetchOptions, run_wal_fetch>(),
    handler<WalPrefetchOptions, run_wal_prefetch>(),
    handler<WalVerifyOptions, run_wal_verify>(),
    handler<DeleteOptions, run_delete>(),
};

}  // namespace

int run_command(const Invocation& inv, const config::Environment& env) {
  if (!inv.command) throw Error(ErrorCode::Internal, "no subcommand to run");
  const Handler& h = kHandlers[static_cast<std::size_t>(*inv.command)];
  if (!h.needs_store) {
    Context ctx{inv, env, {}, nullptr};
    return h.run(inv, ctx);
  }
  auto run = [&] {
    Context ctx{inv, env, config::resolve_settings(inv.global, env), nullptr};
    ctx.store = make_store(ctx.settings);
    return h.run(inv, ctx);
  };
  if (*inv.command != config::Command::WalFetch) return run();
  try {
    return run();
  } catch (const NotInArchive&) {
    throw;
  } catch (const Error& e) {
    // restore_command: exit 1 ends recovery, so only a file the archive
    // definitely lacks may give it; any other NotFound (a settings file, a
    // store's 404 mid-way) stops recovery instead (exit 255).
    if (e.code() != ErrorCode::NotFound) throw;
    throw Error(ErrorCode::Remote, e.message(), e.detail(), e.hint());
  }
}

}  // namespace wale::app
