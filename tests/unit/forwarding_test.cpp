// Forwarding to detached helpers (app/forwarding.h): what a helper process
// receives reproduces its parent's settings, every global option reaches it,
// and secrets travel in the environment, never in argv.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/forwarding.h"
#include "config/settings.h"
#include "test_support/temp_dir.h"

namespace wale::app {
namespace {

using config::Opt;
using Vars = std::map<std::string, std::string, std::less<>>;

Invocation parse_ok(std::vector<std::string> args) {
  args.insert(args.begin(), "wal-e");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  auto out = parse_command_line(static_cast<int>(argv.size()), argv.data());
  EXPECT_TRUE(out.invocation) << out.output;
  return out.invocation ? *out.invocation : Invocation{};
}

// What main() does before running a command: the envdir goes over the environment.
config::Environment environment_of(const Invocation& inv, Vars vars) {
  config::Environment env(std::move(vars));
  if (auto dir = config::lookup(Opt::Envdir, inv.global, env)) env.apply_envdir(dir->value);
  return env;
}

TEST(Forwarding, HelperResolvesTheParentsSettingsAndSecretsStayOutOfArgv) {
  test::TempDir envdir;
  std::ofstream(envdir.path() + "/AWS_SECRET_ACCESS_KEY") << "envdir-secret-key\n";
  std::ofstream(envdir.path() + "/WALE_S3_ENDPOINT") << "https+path://s3.internal:7480\n";
  std::ofstream(envdir.path() + "/WALE_RETRIES") << "7\n";
  auto parent = parse_ok({"--s3-prefix", "s3://bucket/pg", "-k", "AKIAFLAG", "--compression", "lz4", "--envdir",
                          envdir.path(), "wal-push", "--pool-size", "3", "/pg/pg_wal/000000010000000000000001"});
  auto parent_env = environment_of(parent, {{"AWS_SESSION_TOKEN", "process-session-token"},
                                            {"WALE_PARTITION_SIZE", "64M"},
                                            {"AWS_ACCESS_KEY_ID", "AKIAENV"}});
  auto parent_settings = config::resolve_settings(parent.global, parent_env);
  ASSERT_EQ(parent_settings.s3.secret_access_key, "envdir-secret-key");
  ASSERT_EQ(parent_settings.s3.access_key_id, "AKIAFLAG");

  WalPushAheadOptions ahead{"/pg/pg_wal", {"000000010000000000000002", "000000010000000000000003"}, 3};
  auto call = helper_call(parent, parent_env, helper_args(ahead));

  for (const auto& a : call.args) {
    EXPECT_EQ(a.find("envdir-secret-key"), std::string::npos) << a;
    EXPECT_EQ(a.find("process-session-token"), std::string::npos) << a;
  }
  EXPECT_EQ(call.environment.count("WALE_ENVDIR"), 0u);

  // The helper: its argv and its environment only.
  auto child = parse_ok(call.args);
  auto child_env = environment_of(child, Vars(call.environment.begin(), call.environment.end()));
  EXPECT_EQ(config::resolve_settings(child.global, child_env), parent_settings);
  EXPECT_TRUE(child.terse());
  ASSERT_EQ(child.command, config::Command::WalPushAhead);
  const auto& got = std::get<WalPushAheadOptions>(child.options);
  EXPECT_EQ(got.wal_directory, ahead.wal_directory);
  EXPECT_EQ(got.segments, ahead.segments);
  EXPECT_EQ(got.pool_size, 3u);
}

// No hand-written list of flags: every global option given to the parent
// reaches the helper with its value (the envdir as its applied variables).
TEST(Forwarding, EveryGlobalOptionReachesTheHelper) {
  std::vector<std::string> args;
  for (const auto& s : config::options()) {
    if (!config::is_global(s) || s.flag.empty() || s.id == Opt::Envdir) continue;
    if (s.type == config::OptType::Switch) {
      args.push_back("--" + std::string(s.flag));
    } else {
      args.push_back("--" + std::string(s.flag) + "=-value-of-" + std::string(s.flag));  // a leading "-" too
    }
  }
  args.push_back("wal-fetch");
  args.push_back("000000010000000000000001");
  args.push_back("dest");
  auto parent = parse_ok(args);
  auto call =
      helper_call(parent, config::Environment{}, helper_args(WalPrefetchOptions{"/p", {"0000000100000000000000AA"}}));
  auto child = parse_ok(call.args);
  for (const auto& s : config::options()) {
    if (!config::is_global(s) || s.flag.empty() || s.id == Opt::Envdir) continue;
    EXPECT_EQ(child.global.given(s.id), parent.global.given(s.id)) << s.flag;
  }
  ASSERT_EQ(child.command, config::Command::WalPrefetch);
  EXPECT_EQ(std::get<WalPrefetchOptions>(child.options).base_directory, "/p");
}

TEST(Forwarding, HelperArgumentsStartingWithADashAreNotOptions) {
  WalPrefetchOptions pre{"-odd-directory", {"000000010000000000000002"}};
  auto child = parse_ok(helper_args(pre));
  EXPECT_EQ(std::get<WalPrefetchOptions>(child.options).base_directory, "-odd-directory");
}

}  // namespace
}  // namespace wale::app
