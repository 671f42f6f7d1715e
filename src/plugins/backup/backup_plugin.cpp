// libwale-backup.so (app/plugin.h): the commands that need backup/, catalog/
// and tar/ (libarchive) or pg/connection (libpq): backup-push, backup-fetch,
// backup-list, backup-mark, backup-verify, wal-verify and delete. wal-e loads
// it only when one of them runs, so that wal-push and wal-fetch start without
// those libraries.
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "app/plugin.h"
#include "archive/archive_identity.h"
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

namespace wale::app {
namespace {

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
  std::string also_live;
  for (std::size_t i = 1; i < plan.live_timelines.size(); ++i) {
    also_live += (i == 1 ? "; still archiving: " : ", ") + std::to_string(plan.live_timelines[i]);
  }
  out += verb + " " + std::to_string(plan.wal_keys) + " WAL files no kept or running backup needs (current timeline " +
         std::to_string(plan.current_timeline) + also_live + ")\n";
  out += verb + " " + std::to_string(plan.keys.size()) + " objects in all\n";
  if (!really) out += "This is only a dry run -- no data was deleted. Add --confirm to delete.\n";
  write_stdout(out);
  if (really) {
    for (const auto& k : plan.keys) {
      log::debug("wal_e.operator.delete",
                 {"deleting an object", "The key being deleted is " + store.describe(k) + ".", {}, {}});
    }
    catalog::execute_delete(store, plan);
  }
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

template <typename Options, int (*Fn)(const Options&, Context&)>
int call(const Invocation& inv, Context& ctx) {
  return Fn(std::get<Options>(inv.options), ctx);
}

int run(const Invocation& inv, Context& ctx) {
  using config::Command;
  switch (inv.command.value_or(Command::Version)) {
    case Command::BackupPush: return call<BackupPushOptions, run_backup_push>(inv, ctx);
    case Command::BackupFetch: return call<BackupFetchOptions, run_backup_fetch>(inv, ctx);
    case Command::BackupList: return call<BackupListOptions, run_backup_list>(inv, ctx);
    case Command::BackupMark: return call<BackupMarkOptions, run_backup_mark>(inv, ctx);
    case Command::BackupVerify: return call<BackupVerifyOptions, run_backup_verify>(inv, ctx);
    case Command::WalVerify: return call<WalVerifyOptions, run_wal_verify>(inv, ctx);
    case Command::Delete: return call<DeleteOptions, run_delete>(inv, ctx);
    default: throw Error(ErrorCode::Internal, "libwale-backup.so was asked to run a command it does not implement");
  }
}

}  // namespace
}  // namespace wale::app

extern "C" const wale::app::BackupPlugin wale_backup_plugin{wale::app::kPluginAbi, wale::app::run};
