// Command-line parsing (app/cli.h): each subcommand's typed options, the
// refusals (one line, exit 2; 255 for wal-fetch) and the outputs that exit 0.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/cli.h"

namespace wale::app {
namespace {

using config::Command;
using config::Opt;

ParseOutcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "wal-e");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

template <typename T>
T options_of(const std::vector<std::string>& args, Command want) {
  auto out = parse(args);
  EXPECT_TRUE(out.invocation) << out.output;
  if (!out.invocation) return T{};
  EXPECT_EQ(out.invocation->command, want);
  const T* o = std::get_if<T>(&out.invocation->options);
  EXPECT_NE(o, nullptr);
  return o ? *o : T{};
}

TEST(Cli, GlobalOptionsGoBeforeTheSubcommand) {
  auto out = parse({"--file-prefix", "file://localhost/x", "-k", "AKIA", "--terse", "--compression", "lz4", "--envdir",
                    "/etc/wal-e.d/env", "backup-list"});
  ASSERT_TRUE(out.invocation) << out.output;
  const auto& g = out.invocation->global;
  EXPECT_EQ(g.given(Opt::FilePrefix), "file://localhost/x");
  EXPECT_EQ(g.given(Opt::AwsAccessKeyId), "AKIA");
  EXPECT_EQ(g.given(Opt::Compression), "lz4");
  EXPECT_EQ(g.given(Opt::Envdir), "/etc/wal-e.d/env");
  EXPECT_TRUE(out.invocation->terse());
  EXPECT_FALSE(g.given(Opt::S3Prefix));
  EXPECT_EQ(out.invocation->name(), "backup-list");
}

TEST(Cli, EachSubcommandGetsItsTypedOptions) {
  auto push = options_of<BackupPushOptions>({"backup-push", "--pool-size", "3", "--cluster-read-rate-limit", "1000",
                                             "--permanent", "/pgdata"},
                                            Command::BackupPush);
  EXPECT_EQ(push.data_directory, "/pgdata");
  EXPECT_EQ(push.pool_size, 3u);
  EXPECT_EQ(push.read_rate_limit, 1000u);
  EXPECT_TRUE(push.permanent);
  EXPECT_FALSE(push.while_offline);

  auto fetch = options_of<BackupFetchOptions>({"backup-fetch", "--blind-restore", "--restore-spec", "spec.json",
                                               "/restore", "LATEST"},
                                              Command::BackupFetch);
  EXPECT_EQ(fetch.target, "/restore");
  EXPECT_EQ(fetch.backup, "LATEST");
  EXPECT_EQ(fetch.pool_size, config::default_pool_size());
  EXPECT_TRUE(fetch.blind_restore);
  EXPECT_EQ(fetch.restore_spec, "spec.json");

  auto list = options_of<BackupListOptions>({"backup-list", "--json"}, Command::BackupList);
  EXPECT_FALSE(list.query);
  EXPECT_TRUE(list.json);
  EXPECT_EQ(options_of<BackupListOptions>({"backup-list", "LATEST"}, Command::BackupList).query, "LATEST");

  auto mark = options_of<BackupMarkOptions>({"backup-mark", "--impermanent", "base_x"}, Command::BackupMark);
  EXPECT_EQ(mark.backup, "base_x");
  EXPECT_TRUE(mark.impermanent);

  auto verify = options_of<BackupVerifyOptions>({"backup-verify", "-p", "2"}, Command::BackupVerify);
  EXPECT_EQ(verify.backup, "LATEST");
  EXPECT_EQ(verify.pool_size, 2u);
  EXPECT_TRUE(options_of<BackupVerifyOptions>({"backup-verify", "--all", "--json"}, Command::BackupVerify).all);

  auto wpush =
      options_of<WalPushOptions>({"wal-push", "-p", "4", "/pg/pg_wal/000000010000000000000001"}, Command::WalPush);
  EXPECT_EQ(wpush.wal_path, "/pg/pg_wal/000000010000000000000001");
  EXPECT_EQ(wpush.pool_size, 4u);

  auto ahead = options_of<WalPushAheadOptions>({"wal-push-ahead", "--pool-size", "2", "/pg/pg_wal",
                                                "000000010000000000000002", "000000010000000000000003"},
                                               Command::WalPushAhead);
  EXPECT_EQ(ahead.wal_directory, "/pg/pg_wal");
  EXPECT_EQ(ahead.segments, (std::vector<std::string>{"000000010000000000000002", "000000010000000000000003"}));
  EXPECT_EQ(ahead.pool_size, 2u);

  auto wfetch =
      options_of<WalFetchOptions>({"wal-fetch", "000000010000000000000001", "pg_wal/RECOVERYXLOG"}, Command::WalFetch);
  EXPECT_EQ(wfetch.segment, "000000010000000000000001");
  EXPECT_EQ(wfetch.destination, "pg_wal/RECOVERYXLOG");
  EXPECT_EQ(wfetch.prefetch, 8u);
  EXPECT_EQ(options_of<WalFetchOptions>({"wal-fetch", "-p", "0", "a", "b"}, Command::WalFetch).prefetch, 0u);

  auto pre = options_of<WalPrefetchOptions>({"wal-prefetch", "/pg/pg_wal/.wal-e/prefetch", "000000010000000000000002"},
                                            Command::WalPrefetch);
  EXPECT_EQ(pre.base_directory, "/pg/pg_wal/.wal-e/prefetch");
  EXPECT_EQ(pre.segments.size(), 1u);

  EXPECT_TRUE(options_of<WalVerifyOptions>({"wal-verify", "--json"}, Command::WalVerify).json);

  auto del = options_of<DeleteOptions>({"delete", "--confirm", "retain", "7"}, Command::Delete);
  EXPECT_EQ(del.mode, (std::vector<std::string>{"retain", "7"}));
  EXPECT_TRUE(del.confirm);
  EXPECT_FALSE(del.dry_run);

  options_of<VersionOptions>({"version"}, Command::Version);
}

TEST(Cli, NoSubcommandIsNotAParseError) {
  auto out = parse({});
  ASSERT_TRUE(out.invocation);
  EXPECT_FALSE(out.invocation->command);
  EXPECT_EQ(out.invocation->name(), "");
}

TEST(Cli, VersionAndHelpExitZero) {
  auto v = parse({"--version"});
  EXPECT_FALSE(v.invocation);
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.output, "1.1.1\n");
  auto h = parse({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  // Every documented global option and every environment-only setting is in --help.
  for (const auto& s : config::options()) {
    if (s.hidden || !config::is_global(s)) continue;
    EXPECT_NE(h.output.find(config::display_name(s)), std::string::npos) << config::display_name(s);
  }
  auto sub = parse({"wal-fetch", "--help"});
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_NE(sub.output.find("--prefetch"), std::string::npos);
  EXPECT_EQ(sub.output.find("--pool-size"), std::string::npos);
}

// Each subcommand's --help lists exactly the options the table gives it.
TEST(Cli, SubcommandHelpListsTheTablesOptions) {
  for (const auto& c : config::commands()) {
    auto out = parse({std::string(c.name), "--help"});
    EXPECT_EQ(out.exit_code, 0) << c.name;
    for (const auto& s : config::options()) {
      if (s.flag.empty()) continue;
      std::string flag = "--" + std::string(s.flag);
      bool listed =
          out.output.find(flag + " ") != std::string::npos || out.output.find(flag + "\n") != std::string::npos;
      EXPECT_EQ(listed, config::takes(s, c.id)) << c.name << " " << s.flag;
    }
  }
}

// A refusal: no invocation, the exit code, one line naming the problem.
void expect_refused(const std::vector<std::string>& args, int code, const std::string& text) {
  auto out = parse(args);
  std::string joined;
  for (const auto& a : args) joined += a + " ";
  EXPECT_FALSE(out.invocation) << joined;
  EXPECT_EQ(out.exit_code, code) << joined;
  EXPECT_TRUE(out.to_stderr) << joined;
  EXPECT_NE(out.output.find(text), std::string::npos) << joined << "-> " << out.output;
  ASSERT_FALSE(out.output.empty());
  EXPECT_EQ(out.output.find('\n'), out.output.size() - 1) << joined << "-> not one line: " << out.output;
}

TEST(Cli, BadNumbersAreRefusedWithOneLine) {
  expect_refused({"backup-push", "--pool-size", "0", "/pg"}, 2,
                 "--pool-size must be a whole number from 1 to 1024, got \"0\"");
  expect_refused({"backup-fetch", "--pool-size", "-3", "/r", "LATEST"}, 2,
                 "--pool-size must be a whole number from 1 to 1024, got \"-3\"");
  expect_refused({"wal-push", "-p", "12abc", "/x"}, 2, "got \"12abc\"");
  expect_refused({"backup-verify", "-p", "99999999999999999999999"}, 2, "--pool-size must be a whole number");
  expect_refused({"backup-push", "--cluster-read-rate-limit", "-1", "/pg"}, 2,
                 "--cluster-read-rate-limit must be a whole number");
  // restore_command: a usage error must stop recovery, so 255.
  expect_refused({"wal-fetch", "--prefetch", "4294967296", "000000010000000000000001", "x"}, 255,
                 "--prefetch must be a whole number from 0 to 63, got \"4294967296\"");
}

TEST(Cli, UsageErrorsAreRefused) {
  expect_refused({"frobnicate"}, 2, "frobnicate");
  expect_refused({"--aws-secret-access-key=hunter2", "backup-list"}, 2, "aws-secret-access-key");
  expect_refused({"backup-list", "--file-prefix", "file://localhost/x"}, 2, "file-prefix");
  expect_refused({"wal-push"}, 2, "WAL_SEGMENT");
  expect_refused({"wal-fetch", "000000010000000000000001"}, 255, "WAL_SEGMENT");
  expect_refused({"wal-fetch", "--no-such-option", "a", "b"}, 255, "no-such-option");
  expect_refused({"wal-fetch", "--pool-size", "2", "a", "b"}, 255, "wal-e: error:");  // wal-fetch has no --pool-size
  // A global option missing its value (`--envdir $UNSET wal-fetch %f %p`) takes
  // "wal-fetch" as its value: still restore_command's usage error, not exit 2
  // ("not in the archive", which ends recovery).
  expect_refused({"--envdir", "wal-fetch", "000000010000000000000001", "pg_wal/RECOVERYXLOG"}, 255, "not expected");
  expect_refused({"--file-prefix", "wal-fetch", "000000010000000000000001", "pg_wal/RECOVERYXLOG"}, 255,
                 "not expected");
  expect_refused({"wal-verify", "extra"}, 2, "extra");
}

}  // namespace
}  // namespace wale::app
