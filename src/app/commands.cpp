#include "app/commands.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <thread>

#include "app/store_factory.h"
#include "archive/archive_identity.h"
#include "archive/wal_fetch.h"
#include "archive/wal_prefetch.h"
#include "archive/wal_push.h"
#include "archive/wal_push_ahead.h"
#include "app/spawn.h"
#include "backup/backup_catalog.h"
#include "backup/backup_fetch.h"
#include "backup/backup_push.h"
#include "backup/progress.h"
#include "backup/retention.h"
#include "backup/backup_verify.h"
#include "core/error.h"
#include "core/log.h"
#include "core/number.h"
#include "io/file_streams.h"
#include "server/wal_push_server.h"

namespace wale::app {
namespace {

[[noreturn]] void not_built(const std::string& what, const std::string& hint = {}) {
  throw Error(ErrorCode::Unsupported, what + " is not built yet", {}, hint);
}

// SIGPIPE is ignored (app/signals.h): a closed pipe is an error here, not a silent death.
void write_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    throw_errno("could not write to standard output", "", errno);
  }
}

unsigned default_parallelism() {
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 2;
}

// The global options of this invocation, to start a helper process with the same settings.
std::vector<std::string> global_args(const Invocation& inv) {
  std::vector<std::string> a{"--terse"};
  auto add = [&](const char* flag, const std::string& v) {
    if (!v.empty()) {
      a.push_back(flag);
      a.push_back(v);
    }
  };
  add("--envdir", inv.envdir);
  add("--file-prefix", inv.flags.file_prefix);
  add("--s3-prefix", inv.flags.s3_prefix);
  add("--aws-access-key-id", inv.flags.aws_access_key_id);
  add("--compression", inv.flags.compression);
  return a;
}

int run_backup_list(const Invocation& inv, store::ObjectStore& store) {
  bool detail = inv.detail || inv.json;
  std::vector<backup::BackupInfo> backups;
  if (!inv.args.empty()) {
    backups.push_back(backup::resolve_backup(store, layout::BackupQuery::parse(inv.args[0])));
  } else {
    backups = backup::list_backups(store, detail);
  }
  // WAL-E's tab-separated output for scripts; aligned columns when a person reads it on a terminal.
  if (inv.json) write_stdout(backup::format_backup_list_json(backups));
  else if (::isatty(STDOUT_FILENO) == 1) write_stdout(backup::format_backup_list_table(backups));
  else write_stdout(backup::format_backup_list_tsv(backups));
  return 0;
}

constexpr std::uint64_t kMaxRetain = 1'000'000;  // delete retain N: 1..kMaxRetain

backup::DeleteRequest parse_delete(const Invocation& inv) {
  auto usage = [](const std::string& why) {
    return Error(ErrorCode::Usage, "delete: " + why, {},
                 "Use: delete [--confirm] before NAME|TIME | retain N | everything | old-versions.");
  };
  if (inv.args.empty()) throw usage("no mode given");
  backup::DeleteRequest r;
  const std::string& mode = inv.args[0];
  if (mode == "before" || mode == "retain") {
    if (inv.args.size() != 2) throw usage(mode + " takes one argument");
    if (mode == "before") {
      r.mode = backup::DeleteMode::Before;
      r.before = inv.args[1];
    } else {
      r.mode = backup::DeleteMode::Retain;
      try {
        r.retain = static_cast<unsigned>(parse_uint(inv.args[1], "retain", 1, kMaxRetain, ErrorCode::Usage));
      } catch (const Error& e) {
        throw usage(e.message());
      }
    }
  } else if (mode == "everything" || mode == "old-versions") {
    if (inv.args.size() != 1) throw usage(mode + " takes no argument");
    r.mode = mode == "everything" ? backup::DeleteMode::Everything : backup::DeleteMode::OldVersions;
  } else {
    throw usage("unknown mode \"" + mode + "\"");
  }
  return r;
}

int run_delete(const Invocation& inv, store::ObjectStore& store) {
  auto request = parse_delete(inv);
  auto plan = backup::plan_delete(store, request, std::chrono::system_clock::now());
  bool really = inv.confirm && !inv.dry_run;
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
      log::debug("wal_e.operator.delete", {"deleting an object", "The key being deleted is " + store.describe(k) + ".", {}, {}});
    }
    backup::execute_delete(store, plan);
  }
  return 0;
}

}  // namespace

int run_command(const Invocation& inv, const config::Environment& env) {
  if (inv.subcommand == "version") {
    write_stdout("1.1.1\n");
    return 0;
  }
  config::Settings settings = config::resolve_settings(inv.flags, env);

  if (inv.subcommand == "backup-push") {
    if (inv.while_offline) not_built("backup-push --while-offline", "Run backup-push against the running cluster.");
  }

  auto store = make_store(settings);

  if (inv.subcommand == "wal-push") {
    archive::PushAheadOptions opts{settings.compression, inv.pool_size > 0 ? static_cast<unsigned>(inv.pool_size)
                                                                           : default_parallelism()};
    archive::check_identity_for_push(*store, inv.args[0]);
    auto r = archive::wal_push_with_ahead(*store, inv.args[0], opts);
    // Temporaries of killed pushes: wal_005/ is large and hot, so at most hourly.
    store->remove_abandoned(layout::kWalDir, std::chrono::hours(1));
    if (!r.ahead.empty()) {
      // The other ready segments go up in a detached worker: this call returns
      // as soon as its own segment is stored.
      std::vector<std::string> args = global_args(inv);
      args.push_back("wal-push-ahead");
      args.push_back("--pool-size");
      args.push_back(std::to_string(opts.pool_size));
      args.push_back(io::parent_dir(inv.args[0]));
      args.insert(args.end(), r.ahead.begin(), r.ahead.end());
      spawn_detached_self(args);
    }
    return 0;
  }
  if (inv.subcommand == "wal-push-ahead") {
    archive::PushAheadOptions opts{settings.compression, inv.pool_size > 0 ? static_cast<unsigned>(inv.pool_size)
                                                                           : default_parallelism()};
    std::vector<std::string> segs(inv.args.begin() + 1, inv.args.end());
    archive::wal_push_ahead_worker(*store, inv.args[0], segs, opts);
    return 0;
  }
  if (inv.subcommand == "wal-push-server") {
    archive::PushAheadOptions opts{settings.compression, inv.pool_size > 0 ? static_cast<unsigned>(inv.pool_size)
                                                                           : default_parallelism()};
    server::WalPushService service(*store, opts);
    server::WalPushServer srv(inv.args[0], [&service](const std::string& path) { return service.push(path); });
    // wal-push reads the envdir on every call; a resident server restarts when it changes.
    server::EnvdirWatch envdir(!inv.envdir.empty() ? inv.envdir : env.get("WALE_ENVDIR").value_or(""));
    srv.set_restart_check([&envdir] { return envdir.changed(); });
    srv.serve();
    return 0;
  }
  if (inv.subcommand == "wal-fetch") {
    unsigned depth = inv.prefetch >= 0 ? static_cast<unsigned>(inv.prefetch) : 8;
    auto expected = archive::check_identity_for_fetch(*store, inv.args[1]);
    auto r = archive::wal_fetch_with_prefetch(*store, inv.args[0], inv.args[1], settings.compression, depth);
    if (!r.found) throw Error(ErrorCode::NotFound, "WAL file " + inv.args[0] + " is not in the archive");
    archive::check_fetched_segment(inv.args[0], inv.args[1], expected,
                                   store->describe(layout::cluster_identity_key()));
    if (!r.plan.missing.empty()) {
      std::vector<std::string> args = global_args(inv);
      args.push_back("wal-prefetch");
      args.push_back(r.plan.base);
      args.insert(args.end(), r.plan.missing.begin(), r.plan.missing.end());
      spawn_detached_self(args);
    }
    return 0;
  }
  if (inv.subcommand == "wal-prefetch") {
    std::vector<std::string> segs(inv.args.begin() + 1, inv.args.end());
    archive::wal_prefetch(*store, inv.args[0], segs, settings.compression, default_parallelism());
    return 0;
  }
  if (inv.subcommand == "backup-list") return run_backup_list(inv, *store);
  if (inv.subcommand == "backup-mark") {
    backup::mark_backup(*store, inv.args[0], !inv.impermanent);
    return 0;
  }
  if (inv.subcommand == "delete") return run_delete(inv, *store);
  if (inv.subcommand == "backup-verify") {
    std::vector<backup::BackupInfo> targets;
    if (inv.all) {
      targets = backup::list_backups(*store, true);
      if (targets.empty()) throw Error(ErrorCode::NotFound, "no backups to verify");
    } else {
      targets.push_back(backup::resolve_backup(*store, layout::BackupQuery::parse(inv.args.empty() ? "LATEST" : inv.args[0])));
    }
    std::vector<backup::BackupVerifyReport> reports;
    unsigned pool = inv.pool_size > 0 ? static_cast<unsigned>(inv.pool_size) : default_parallelism();
    for (const auto& b : targets) reports.push_back(backup::verify_backup(*store, b, pool));
    write_stdout(inv.json ? backup::backup_report_json(reports) : backup::backup_report_text(reports));
    bool ok = std::all_of(reports.begin(), reports.end(), [](const auto& r) { return r.ok(); });
    return ok ? 0 : 1;
  }
  if (inv.subcommand == "wal-verify") {
    auto report = backup::verify_wal(*store);
    write_stdout(inv.json ? backup::wal_report_json(report) : backup::wal_report_text(report));
    return report.ok() ? 0 : 1;
  }
  if (inv.subcommand == "backup-push") {
    // Before anything touches the archive: it may belong to another cluster.
    archive::check_identity_for_backup(*store, inv.args[0]);
    backup::BackupPushOptions opts;
    opts.data_directory = inv.args[0];
    opts.codec = settings.compression;
    opts.partition_size = settings.partition_size;
    opts.archive_wait_seconds = settings.archive_wait_seconds;
    opts.permanent = inv.permanent;
    opts.pool_size = inv.pool_size > 0 ? static_cast<unsigned>(inv.pool_size) : default_parallelism();
    opts.read_rate_limit = inv.read_rate_limit > 0 ? static_cast<std::uint64_t>(inv.read_rate_limit) : 0;
    opts.show_progress = backup::stderr_is_terminal() && !inv.flags.terse;
    store->remove_abandoned(layout::kBackupsDir);  // partitions of killed backup-pushes
    auto result = backup::backup_push(*store, opts);
    write_stdout(result.name.str() + "\n");
    return 0;
  }
  if (inv.subcommand == "backup-fetch") {
    backup::BackupFetchOptions opts;
    opts.target = inv.args[0];
    opts.query = layout::BackupQuery::parse(inv.args[1]);
    opts.restore_spec = inv.restore_spec;
    opts.blind_restore = inv.blind_restore;
    opts.pool_size = inv.pool_size > 0 ? static_cast<unsigned>(inv.pool_size) : default_parallelism();
    opts.show_progress = backup::stderr_is_terminal() && !inv.flags.terse;
    backup::backup_fetch(*store, opts);
    return 0;
  }
  throw Error(ErrorCode::Internal, "unhandled subcommand " + inv.subcommand);
}

}  // namespace wale::app
