// config::resolve_log_settings: WAL-E's WALE_LOG_DESTINATION and
// WALE_SYSLOG_FACILITY, and --json-log / WALE_JSON_LOG.
#include <syslog.h>

#include <gtest/gtest.h>

#include "config/settings.h"

namespace wale::config {
namespace {

LogSettings resolve(std::map<std::string, std::string, std::less<>> vars, bool json_flag = false) {
  OptionValues given;
  if (json_flag) given.set(Opt::JsonLog, "true");
  return resolve_log_settings(given, Environment(std::move(vars)));
}

TEST(LogSettings, DefaultIsStderrAndSyslogAtFacilityUser) {
  auto s = resolve({});
  EXPECT_TRUE(s.to_stderr);
  EXPECT_TRUE(s.to_syslog);
  EXPECT_EQ(s.syslog_facility, LOG_USER);
  EXPECT_FALSE(s.json);
  EXPECT_TRUE(s.problems.empty());
  EXPECT_TRUE(s.test_syslog_socket.empty());
}

TEST(LogSettings, DestinationIsACommaList) {
  auto s = resolve({{"WALE_LOG_DESTINATION", "stderr"}});
  EXPECT_TRUE(s.to_stderr);
  EXPECT_FALSE(s.to_syslog);
  s = resolve({{"WALE_LOG_DESTINATION", "syslog"}});
  EXPECT_FALSE(s.to_stderr);
  EXPECT_TRUE(s.to_syslog);
  s = resolve({{"WALE_LOG_DESTINATION", " Syslog , STDERR "}});
  EXPECT_TRUE(s.to_stderr);
  EXPECT_TRUE(s.to_syslog);
  EXPECT_TRUE(s.problems.empty());
}

TEST(LogSettings, UnknownDestinationIsIgnoredWithOneProblem) {
  auto s = resolve({{"WALE_LOG_DESTINATION", "stderr,journal"}});
  EXPECT_TRUE(s.to_stderr);
  EXPECT_FALSE(s.to_syslog);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_NE(s.problems[0].message().find("\"journal\""), std::string::npos);
}

TEST(LogSettings, FacilityTakesWalEsNamesInAnyCase) {
  EXPECT_EQ(resolve({{"WALE_SYSLOG_FACILITY", "user"}}).syslog_facility, LOG_USER);
  EXPECT_EQ(resolve({{"WALE_SYSLOG_FACILITY", "LOCAL0"}}).syslog_facility, LOG_LOCAL0);
  EXPECT_EQ(resolve({{"WALE_SYSLOG_FACILITY", "local7"}}).syslog_facility, LOG_LOCAL7);
  EXPECT_EQ(resolve({{"WALE_SYSLOG_FACILITY", "daemon"}}).syslog_facility, LOG_DAEMON);
  EXPECT_TRUE(resolve({{"WALE_SYSLOG_FACILITY", "local5"}}).problems.empty());
}

TEST(LogSettings, InvalidFacilityFallsBackToUserWithWalEsMessage) {
  auto s = resolve({{"WALE_SYSLOG_FACILITY", "local8"}});
  EXPECT_EQ(s.syslog_facility, LOG_USER);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_EQ(s.problems[0].message(), "invalid syslog facility level specified");
  EXPECT_NE(s.problems[0].detail().find("\"local8\""), std::string::npos);
}

TEST(LogSettings, JsonFromFlagOrEnvironment) {
  EXPECT_TRUE(resolve({}, /*json_flag=*/true).json);
  EXPECT_TRUE(resolve({{"WALE_JSON_LOG", "true"}}).json);
  EXPECT_TRUE(resolve({{"WALE_JSON_LOG", "1"}}).json);
  EXPECT_FALSE(resolve({{"WALE_JSON_LOG", "false"}}).json);
  auto s = resolve({{"WALE_JSON_LOG", "maybe"}});
  EXPECT_FALSE(s.json);
  EXPECT_EQ(s.problems.size(), 1u);
}

}  // namespace
}  // namespace wale::config
