#include "app/cli.h"

#include <CLI/CLI.hpp>

#include "archive/wal_fetch.h"
#include "core/error.h"
#include "core/number.h"

namespace wale::app {

namespace {

// Numeric options are taken as text and parsed strictly after CLI11 is done
// (CLI11 would accept "-3" or wrap-around values into an int).
struct NumberOptions {
  std::optional<std::string> pool_size, read_rate_limit, prefetch;
};

// Throws Error{Usage} naming the option, the value and the allowed range.
void convert_numbers(const NumberOptions& text, Invocation& inv) {
  if (text.pool_size) {
    inv.pool_size = static_cast<int>(parse_uint(*text.pool_size, "--pool-size", 1, kMaxPoolSize, ErrorCode::Usage));
  }
  if (text.prefetch) {
    inv.prefetch = static_cast<int>(parse_uint(*text.prefetch, "--prefetch", 0, kMaxPrefetch, ErrorCode::Usage));
  }
  if (text.read_rate_limit) {
    inv.read_rate_limit = static_cast<long long>(
        parse_uint(*text.read_rate_limit, "--cluster-read-rate-limit", 1, kMaxReadRateLimit, ErrorCode::Usage));
  }
}

}  // namespace

ParseOutcome parse_command_line(int argc, char** argv) {
  Invocation inv;
  NumberOptions numbers;
  CLI::App app{"wal-e: continuous archiving of PostgreSQL WAL and base backups to object storage.\n"
               "Settings come from the environment (WALE_S3_PREFIX, WALE_FILE_PREFIX, AWS_*, ...) or from\n"
               "the global options below, which go before the subcommand. Secrets are read only from the\n"
               "environment or an envdir, never from the command line.",
               "wal-e"};
  app.set_help_flag("-h,--help", "Show this help and exit.");
  app.add_option("-k,--aws-access-key-id", inv.flags.aws_access_key_id,
                 "AWS access key id (or AWS_ACCESS_KEY_ID). The secret key is read only from AWS_SECRET_ACCESS_KEY.");
  app.add_flag("--aws-instance-profile", inv.flags.aws_instance_profile, "Use the EC2 instance profile (not built yet).");
  std::string gs_access_key_id, wabs_account;
  app.add_option("--gs-access-key-id", gs_access_key_id, "Ignored (vestigial in WAL-E).");
  app.add_option("-a,--wabs-account-name", wabs_account, "Azure account name (not built yet).");
  app.add_option("--s3-prefix", inv.flags.s3_prefix, "Storage prefix s3://bucket/path (or WALE_S3_PREFIX).");
  app.add_option("--wabs-prefix", inv.flags.wabs_prefix, "Azure prefix (not built yet).");
  app.add_option("--gs-prefix", inv.flags.gs_prefix, "Google Cloud Storage prefix (not built yet).");
  app.add_option("--file-prefix", inv.flags.file_prefix,
                 "Storage prefix file://localhost/path (or WALE_FILE_PREFIX): a local directory.");
  app.add_option("--gpg-key-id", inv.flags.gpg_key_id, "GPG recipient for encryption (or WALE_GPG_KEY_ID; not built yet).");
  app.add_flag("--terse", inv.flags.terse, "Log only warnings and errors.");
  app.add_flag("--json-log", inv.flags.json_log, "Log to stderr as one JSON object per line (or WALE_JSON_LOG=true).");
  app.add_option("--envdir", inv.envdir,
                 "Read settings from a daemontools-style directory, one file per variable (or WALE_ENVDIR).");
  app.add_option("--compression", inv.flags.compression,
                 "Compression for new objects: zstd (default), lz4, lzop or none (or WALE_COMPRESSION).");
  app.require_subcommand(0, 1);

  app.add_subcommand("version", "Print the version and exit.");

  auto* push = app.add_subcommand("backup-push", "Take a base backup of a running cluster.");
  push->add_option("PG_CLUSTER_DIRECTORY", inv.args, "The cluster's data directory.")->required()->expected(1);
  push->add_option("-p,--pool-size", numbers.pool_size, "Partitions read, compressed and uploaded at once (default: cores).");
  push->add_option("--cluster-read-rate-limit", numbers.read_rate_limit, "Total read rate limit for the whole backup, in bytes per second.");
  push->add_flag("--while-offline", inv.while_offline, "Back up a stopped cluster (not built yet).");
  push->add_flag("--permanent", inv.permanent, "Mark the backup permanent (see backup-mark).");

  auto* fetch = app.add_subcommand("backup-fetch", "Restore a base backup into an empty directory.");
  fetch->add_option("PG_CLUSTER_DIRECTORY BACKUP_NAME", inv.args, "Target directory and backup name or LATEST.")
      ->required()->expected(2);
  fetch->add_option("-p,--pool-size", numbers.pool_size, "Partitions downloaded and extracted at once (default: cores).");
  fetch->add_flag("--blind-restore", inv.blind_restore, "Restore tablespaces as plain directories under pg_tblspc.");
  fetch->add_option("--restore-spec", inv.restore_spec, "Tablespace locations: a JSON spec file, or SOURCE.");

  auto* list = app.add_subcommand("backup-list", "List finished base backups.");
  list->add_option("QUERY", inv.args, "LATEST or a backup name.")->expected(0, 1);
  list->add_flag("--detail", inv.detail, "Read each backup's sentinel for sizes and stop positions.");
  list->add_flag("--json", inv.json, "Print JSON with every sentinel field.");

  auto* wpush = app.add_subcommand("wal-push", "Archive one WAL file (archive_command = 'wal-e wal-push %p').");
  wpush->add_option("WAL_SEGMENT", inv.args, "Path of the WAL file.")->required()->expected(1);
  wpush->add_option("-p,--pool-size", numbers.pool_size, "Parallel push-ahead of other ready segments.");

  auto* wahead = app.add_subcommand("wal-push-ahead", "Internal: push ready WAL segments in the background.");
  wahead->add_option("WAL_DIRECTORY SEGMENT", inv.args, "pg_wal and the segments to push.")->required()->expected(2, 1024);
  wahead->add_option("-p,--pool-size", numbers.pool_size, "Segments pushed at once.");

  auto* wserver = app.add_subcommand("wal-push-server",
      "Serve wal-push requests on a Unix socket for the archive module (docs/archive-module.md).");
  wserver->add_option("SOCKET", inv.args, "Path of the Unix socket to listen on.")->required()->expected(1);
  wserver->add_option("-p,--pool-size", numbers.pool_size, "Parallel push-ahead of other ready segments.");

  auto* wfetch = app.add_subcommand("wal-fetch", "Restore one WAL file (restore_command = 'wal-e wal-fetch \"%f\" \"%p\"').");
  wfetch->add_option("WAL_SEGMENT WAL_DESTINATION", inv.args, "WAL file name and destination path.")
      ->required()->expected(2);
  wfetch->add_option("-p,--prefetch", numbers.prefetch, "Segments to prefetch in the background (default 8; 0 disables).");

  auto* wpre = app.add_subcommand("wal-prefetch", "Internal: prefetch one WAL segment.");
  wpre->add_option("BASE_DIRECTORY SEGMENT", inv.args, "Prefetch directory and the segments to fetch into it.")
      ->required()->expected(2, 64);

  auto* bverify = app.add_subcommand("backup-verify",
      "Download a backup and check every partition, file checksum and the WAL it needs; exit 1 on any problem.");
  bverify->add_option("BACKUP_NAME", inv.args, "A backup name or LATEST (default: LATEST).")->expected(0, 1);
  bverify->add_flag("--all", inv.all, "Verify every finished backup.");
  bverify->add_flag("--json", inv.json, "Print the report as JSON.");
  bverify->add_option("-p,--pool-size", numbers.pool_size, "Partitions checked at once (default: cores).");

  auto* wverify = app.add_subcommand("wal-verify",
      "Check that the archive holds every WAL segment from the oldest backup to the newest WAL, across timelines.");
  wverify->add_flag("--json", inv.json, "Print the report as JSON.");

  auto* mark = app.add_subcommand("backup-mark", "Mark a backup permanent: retention never deletes it or its WAL.");
  mark->add_option("BACKUP_NAME", inv.args, "The backup's name.")->required()->expected(1);
  mark->add_flag("--impermanent", inv.impermanent, "Remove the mark instead.");

  auto* del = app.add_subcommand("delete",
      "Delete old backups and the WAL no remaining backup needs. Dry run unless --confirm.\n"
      "  delete [--confirm] before NAME|TIME   backups older than NAME, or finished before TIME\n"
      "  delete [--confirm] retain N           keep the N newest backups\n"
      "  delete [--confirm] everything         every backup and WAL file\n"
      "  delete [--confirm] old-versions       objects of WAL-E formats older than 005");
  del->add_flag("-n,--dry-run", inv.dry_run, "Only print what would be deleted.");
  del->add_flag("--confirm", inv.confirm, "Really delete.");
  del->add_option("MODE ARGS", inv.args, "before NAME | retain N | everything | old-versions")->expected(0, 2);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // Help for the deepest subcommand given.
    const CLI::App* target = &app;
    for (const auto* sub : app.get_subcommands()) target = sub;
    return ParseOutcome{std::nullopt, 0, target->help(), false};
  } catch (const CLI::ParseError& e) {
    // A wal-fetch usage error is a broken restore_command: it must stop
    // recovery (exit > 125), not end it as "not in the archive".
    int code = wfetch->parsed() ? archive::kRestoreFatalExit : 2;
    return ParseOutcome{std::nullopt, code, std::string("wal-e: error: ") + e.what() + "\n", true};
  }
  try {
    convert_numbers(numbers, inv);
  } catch (const Error& e) {
    int code = wfetch->parsed() ? archive::kRestoreFatalExit : 2;  // as above
    return ParseOutcome{std::nullopt, code, "wal-e: error: " + e.message() + "\n", true};
  }
  if (!app.get_subcommands().empty()) inv.subcommand = app.get_subcommands().front()->get_name();
  return ParseOutcome{inv, 0, {}, false};
}

}  // namespace wale::app
