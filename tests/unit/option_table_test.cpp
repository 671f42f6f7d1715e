// The option table (config/options.h): the rules every row keeps, and the
// lookups and checks it drives.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "config/options.h"
#include "core/error.h"

namespace wale::config {
namespace {

using Vars = std::map<std::string, std::string, std::less<>>;

TEST(OptionTable, SecretsHaveNoFlagAndAVariable) {
  int secrets = 0;
  for (const auto& s : options()) {
    if (!s.secret) continue;
    ++secrets;
    EXPECT_TRUE(s.flag.empty()) << s.env[0] << " is a secret with a command-line flag";
    EXPECT_EQ(s.short_flag, 0) << s.env[0];
    EXPECT_FALSE(s.env[0].empty()) << "a secret nobody can set";
    EXPECT_TRUE(is_global(s)) << s.env[0];
  }
  EXPECT_GE(secrets, 2);  // AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
  EXPECT_TRUE(spec(Opt::AwsSecretAccessKey).secret);
  EXPECT_TRUE(spec(Opt::AwsSessionToken).secret);
}

TEST(OptionTable, EveryRowCanBeSetAndIsDescribed) {
  for (const auto& s : options()) {
    EXPECT_TRUE(!s.flag.empty() || !s.env[0].empty()) << static_cast<int>(s.id) << " can be set nowhere";
    EXPECT_FALSE(s.help.empty()) << display_name(s);
    EXPECT_TRUE(s.env[1].empty() || !s.env[0].empty()) << display_name(s);
    if (!is_global(s)) {
      EXPECT_FALSE(s.flag.empty()) << display_name(s) << ": a subcommand option needs a flag";
      EXPECT_TRUE(s.env[0].empty()) << display_name(s) << ": subcommand options are command-line only";
    }
    if (s.type != OptType::Switch) {
      EXPECT_FALSE(s.value_name.empty()) << display_name(s);
    }
  }
}

TEST(OptionTable, NumbersHaveARangeHoldingTheirDefault) {
  for (const auto& s : options()) {
    if (s.type != OptType::Number && s.type != OptType::Bytes) continue;
    EXPECT_LT(s.min, s.max) << display_name(s);
    EXPECT_FALSE(s.default_text.empty()) << display_name(s);
    // 0 means "computed" (pool size: cores) or "off" (rate limit: unlimited).
    if (s.default_number != 0) {
      EXPECT_GE(s.default_number, s.min) << display_name(s);
      EXPECT_LE(s.default_number, s.max) << display_name(s);
    }
  }
}

// Flags are unique where they are parsed: among the global options, and among
// each subcommand's options; variables are unique everywhere.
TEST(OptionTable, FlagsAndVariablesAreUnique) {
  std::set<std::string> variables;
  for (const auto& s : options()) {
    for (auto e : s.env) {
      if (!e.empty()) {
        EXPECT_TRUE(variables.insert(std::string(e)).second) << e;
      }
    }
  }
  auto check_scope = [](auto belongs, const std::string& scope) {
    std::set<std::string> flags;
    for (const auto& s : options()) {
      if (!belongs(s) || s.flag.empty()) continue;
      EXPECT_TRUE(flags.insert("--" + std::string(s.flag)).second) << scope << ": " << s.flag;
      if (s.short_flag != 0) {
        EXPECT_TRUE(flags.insert(std::string("-") + s.short_flag).second) << scope << ": -" << s.short_flag;
      }
    }
  };
  check_scope([](const OptionSpec& s) { return is_global(s); }, "global");
  for (const auto& c : commands()) {
    check_scope([&](const OptionSpec& s) { return takes(s, c.id); }, std::string(c.name));
  }
}

TEST(OptionTable, CommandsAreFoundByName) {
  for (const auto& c : commands()) {
    EXPECT_EQ(find_command(c.name), c.id);
    EXPECT_LE(c.min_args, c.max_args) << c.name;
    EXPECT_EQ(c.positionals.empty(), c.max_args == 0) << c.name;
  }
  EXPECT_FALSE(find_command("frobnicate"));
}

TEST(OptionTable, PoolSizeDefaultIsOnePlace) {
  OptionValues none;
  EXPECT_EQ(none.number(Opt::PoolSize), default_pool_size());
  EXPECT_GE(default_pool_size(), 1u);
  EXPECT_EQ(none.number(Opt::Prefetch), 8u);  // WAL-E's default
}

std::string refusal(Opt o, const std::string& text, ErrorCode code) {
  try {
    check_value(spec(o), text, display_name(spec(o)), code);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code);
    return e.message();
  }
  return "accepted";
}

TEST(OptionTable, NumbersWithGarbageOverflowOrOutOfRangeAreRefused) {
  EXPECT_EQ(refusal(Opt::PoolSize, "12abc", ErrorCode::Usage),
            "--pool-size must be a whole number from 1 to 1024, got \"12abc\"");
  EXPECT_EQ(refusal(Opt::PoolSize, "0", ErrorCode::Usage),
            "--pool-size must be a whole number from 1 to 1024, got \"0\"");
  EXPECT_EQ(refusal(Opt::PoolSize, "-3", ErrorCode::Usage),
            "--pool-size must be a whole number from 1 to 1024, got \"-3\"");
  EXPECT_NE(refusal(Opt::PoolSize, "18446744073709551617", ErrorCode::Usage), "accepted");
  EXPECT_NE(refusal(Opt::Prefetch, "64", ErrorCode::Usage), "accepted");
  EXPECT_EQ(refusal(Opt::Prefetch, "0", ErrorCode::Usage), "accepted");
  EXPECT_NE(refusal(Opt::Retries, "1e3", ErrorCode::Config), "accepted");
  EXPECT_NE(refusal(Opt::PartitionSize, "17179869184G", ErrorCode::Config), "accepted");
  EXPECT_EQ(check_value(spec(Opt::PartitionSize), "64M", "X", ErrorCode::Config), 64ULL << 20);
  EXPECT_EQ(check_value(spec(Opt::ArchiveTimeout), "0", "X", ErrorCode::Config), 0u);
}

TEST(OptionTable, LookupPrefersTheCommandLineThenTheVariablesInOrder) {
  Environment env(
      Vars{{"AWS_DEFAULT_REGION", "eu-west-1"}, {"AWS_SECURITY_TOKEN", "old"}, {"AWS_SESSION_TOKEN", "new"}});
  OptionValues given;
  EXPECT_EQ(lookup(Opt::AwsRegion, given, env)->value, "eu-west-1");
  EXPECT_EQ(lookup(Opt::AwsRegion, given, env)->source, "AWS_DEFAULT_REGION");
  EXPECT_EQ(lookup(Opt::AwsSessionToken, given, env)->value, "new");
  EXPECT_FALSE(lookup(Opt::S3Endpoint, given, env));
  Environment keys(Vars{{"AWS_ACCESS_KEY_ID", "AKIAENV"}});
  given.set(Opt::AwsAccessKeyId, "AKIAFLAG");
  auto v = lookup(Opt::AwsAccessKeyId, given, keys);
  EXPECT_EQ(v->value, "AKIAFLAG");
  EXPECT_TRUE(v->from_command_line);
  EXPECT_EQ(v->source, "--aws-access-key-id");
  EXPECT_TRUE(switch_on(Opt::AwsInstanceProfile, {}, Environment(Vars{{"AWS_INSTANCE_PROFILE", "1"}})));
  EXPECT_FALSE(switch_on(Opt::AwsInstanceProfile, {}, Environment(Vars{{"AWS_INSTANCE_PROFILE", "no"}})));
}

// Every switch variable takes the same words (WALE_JSON_LOG took yes/on while
// AWS_INSTANCE_PROFILE silently read "yes" as off), and a typo is an error.
TEST(OptionTable, SwitchVariablesShareOneParser) {
  for (auto [word, on] : {std::pair{"YES", true}, {" on", true}, {"True", true}, {"off", false}, {"0", false}}) {
    EXPECT_EQ(switch_on(Opt::AwsInstanceProfile, {}, Environment(Vars{{"AWS_INSTANCE_PROFILE", word}})), on) << word;
    EXPECT_EQ(switch_on(Opt::JsonLog, {}, Environment(Vars{{"WALE_JSON_LOG", word}})), on) << word;
  }
  EXPECT_THROW(switch_on(Opt::AwsInstanceProfile, {}, Environment(Vars{{"AWS_INSTANCE_PROFILE", "ture"}})), Error);
  OptionValues given;
  given.set(Opt::AwsInstanceProfile, "");
  EXPECT_TRUE(switch_on(Opt::AwsInstanceProfile, given, Environment(Vars{{"AWS_INSTANCE_PROFILE", "ture"}})))
      << "the command line wins";
}

// Logging redacts config::secret_values(): every variable of every secret
// row, so that a secret added to the table (WALE_LIBSODIUM_KEY was missing
// from the hand-kept list main.cpp had) is never printed.
TEST(OptionTable, SecretValuesCoverEverySecretRowAndOtherProgramsSecrets) {
  std::map<std::string, std::string, std::less<>> vars;
  std::set<std::string> want;
  int n = 0;
  for (const auto& s : options()) {
    for (auto name : s.env) {
      if (name.empty()) continue;
      std::string value = "value-of-" + std::string(name) + "-" + std::to_string(n++);
      vars.emplace(std::string(name), value);
      if (s.secret) want.insert(value);
    }
  }
  vars.emplace("PGPASSWORD", "pg-pass");
  want.insert("pg-pass");
  // The bearer token of the ECS/EKS container credentials endpoint.
  vars.emplace("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token");
  want.insert("container-token");
  auto got = secret_values(Environment(vars));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
  bool sodium = false;
  for (const auto& v : got) sodium |= v.rfind("value-of-WALE_LIBSODIUM_KEY-", 0) == 0;
  EXPECT_TRUE(sodium) << "WALE_LIBSODIUM_KEY is a secret and must be redacted";
}

}  // namespace
}  // namespace wale::config
