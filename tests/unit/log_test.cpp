// core/log: formats, sinks and where records go (no syslog daemon needed:
// syslog records are captured through an injected transport or a datagram
// socket of the test's own).
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/log.h"
#include "core/log_format.h"
#include "core/log_sink.h"
#include "core/stderr_sink.h"
#include "core/syslog_sink.h"
#include "test_support/temp_dir.h"

namespace wale::log {
namespace {

using std::chrono::system_clock;

// 2026-11-24T06:34:30.296326Z
system_clock::time_point fixed_time() {
  return system_clock::time_point(std::chrono::microseconds(1795502070296326LL));
}

LogEntry entry(Level level, Record r, bool report = false) {
  return LogEntry{level, "wal_e.worker.upload", std::move(r), fixed_time(), 1234, "wal-push", report};
}

// Captures what core/log hands to its sinks.
class CaptureSink : public LogSink {
 public:
  explicit CaptureSink(std::shared_ptr<std::vector<LogEntry>> out) : out_(std::move(out)) {}
  void write(const LogEntry& e) noexcept override { out_->push_back(e); }

 private:
  std::shared_ptr<std::vector<LogEntry>> out_;
};

// Restores the start-up logging state after each test.
class LogTest : public ::testing::Test {
 protected:
  void TearDown() override {
    clear_secrets();
    reset();
    set_level(Level::Info);
  }
};

TEST(LogFormat, TextIsWalEsRecordWithSubcommandAndPidOnEveryLine) {
  auto e =
      entry(Level::Info, {"begin archiving a file", "The detail.", "The hint.", {{"seg", "0001"}, {"action", "push"}}});
  EXPECT_EQ(
      format_text(e),
      "wal-e wal-push[1234]: wal_e.worker.upload INFO     MSG: begin archiving a file\n"
      "wal-e wal-push[1234]:         DETAIL: The detail.\n"
      "wal-e wal-push[1234]:         HINT: The hint.\n"
      "wal-e wal-push[1234]:         STRUCTURED: time=2026-11-24T06:34:30.296326-00 pid=1234 action=push seg=0001\n");
}

TEST(LogFormat, ReportIsOneLine) {
  auto e = entry(Level::Error, {"could not\nstore", "two\nlines", "retry", {}}, /*report=*/true);
  EXPECT_EQ(format_text(e), "wal-e wal-push[1234]: ERROR: could not store -- two lines HINT: retry\n");
  e.record.detail.clear();
  e.record.hint.clear();
  e.subcommand.clear();
  EXPECT_EQ(format_text(e), "wal-e[1234]: ERROR: could not store\n");
}

TEST(LogFormat, ControlCharactersNeverSplitALine) {
  auto e = entry(Level::Warning, {"a\nb\rc", "d\ne", {}, {{"k\n", "v\n"}}});
  std::string text = format_text(e);
  std::size_t lines = 0;
  for (std::size_t pos = 0; (pos = text.find('\n', pos)) != std::string::npos; ++pos) ++lines;
  EXPECT_EQ(lines, 3u);  // MSG, DETAIL, STRUCTURED
  EXPECT_NE(text.find("MSG: a b c\n"), std::string::npos) << text;
  EXPECT_EQ(format_syslog(e).find('\n'), std::string::npos);
}

TEST(LogFormat, JsonIsOneObjectPerLineWithDetailAndHintWhenPresent) {
  auto e = entry(Level::Error, {"archive root missing", "The detail.", "The hint.", {{"seg", "0001"}}});
  std::string line = format_json(e);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2026-11-24T06:34:30.296326Z");
  EXPECT_EQ(j["level"], "ERROR");
  EXPECT_EQ(j["subcommand"], "wal-push");
  EXPECT_EQ(j["pid"], 1234);
  EXPECT_EQ(j["logger"], "wal_e.worker.upload");
  EXPECT_EQ(j["message"], "archive root missing");
  EXPECT_EQ(j["detail"], "The detail.");
  EXPECT_EQ(j["hint"], "The hint.");
  EXPECT_EQ(j["fields"]["seg"], "0001");

  auto bare = nlohmann::json::parse(format_json(entry(Level::Info, {"done", {}, {}, {}}, /*report=*/true)));
  EXPECT_FALSE(bare.contains("detail"));
  EXPECT_FALSE(bare.contains("hint"));
  EXPECT_FALSE(bare.contains("fields"));
  EXPECT_FALSE(bare.contains("logger"));  // a report has no logger
}

TEST(LogFormat, JsonNeverThrowsOnInvalidUtf8) {
  auto e = entry(Level::Warning, {"bad name \xff\xfe", {}, {}, {}});
  std::string line;
  ASSERT_NO_THROW(line = format_json(e));
  EXPECT_EQ(nlohmann::json::parse(line)["level"], "WARNING");
}

TEST(LogFormat, SyslogIsOneLineStartingWithTheSubcommand) {
  auto e = entry(Level::Warning, {"skip parallel archiving of a file", "0002: gone", {}, {{"seg", "0002"}}});
  EXPECT_EQ(format_syslog(e),
            "wal-push: wal_e.worker.upload WARNING  MSG: skip parallel archiving of a file DETAIL: 0002: gone "
            "STRUCTURED: time=2026-11-24T06:34:30.296326-00 pid=1234 seg=0002");
  EXPECT_EQ(format_syslog(entry(Level::Error, {"failed", "why", "fix", {}}, true)),
            "wal-push: ERROR: failed -- why HINT: fix");
}

TEST_F(LogTest, EveryConfiguredSinkGetsEachRecordWithTheSubcommand) {
  auto a = std::make_shared<std::vector<LogEntry>>();
  auto b = std::make_shared<std::vector<LogEntry>>();
  std::vector<std::unique_ptr<LogSink>> sinks;
  sinks.push_back(std::make_unique<CaptureSink>(a));
  sinks.push_back(std::make_unique<CaptureSink>(b));
  configure("wal-prefetch", std::move(sinks));
  warning("wal_e.worker.prefetch", {"prefetch failed", "x", {}, {}});
  ASSERT_EQ(a->size(), 1u);
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*a)[0].subcommand, "wal-prefetch");
  EXPECT_EQ((*a)[0].pid, static_cast<int>(::getpid()));
  EXPECT_EQ((*a)[0].level, Level::Warning);
  EXPECT_EQ((*a)[0].record.msg, "prefetch failed");
  EXPECT_FALSE((*a)[0].report);
}

TEST_F(LogTest, LevelFilterDropsRecordsButNeverReports) {
  auto got = std::make_shared<std::vector<LogEntry>>();
  std::vector<std::unique_ptr<LogSink>> sinks;
  sinks.push_back(std::make_unique<CaptureSink>(got));
  configure("wal-push", std::move(sinks));
  set_level(Level::Warning);  // --terse
  info("wal_e.worker.upload", {"begin", {}, {}, {}});
  debug("wal_e.worker.upload", {"noise", {}, {}, {}});
  warning("wal_e.worker.upload", {"kept", {}, {}, {}});
  report(Level::Error, "failed", "why", "fix");
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].record.msg, "kept");
  EXPECT_TRUE((*got)[1].report);
  EXPECT_EQ((*got)[1].record.detail, "why");
}

TEST_F(LogTest, NoSinksDropsEverything) {
  configure("wal-push", {});
  EXPECT_NO_FATAL_FAILURE(report(Level::Error, "nowhere", {}, {}));
}

TEST_F(LogTest, SecretsAreRedactedFromEveryPartOfARecord) {
  auto got = std::make_shared<std::vector<LogEntry>>();
  std::vector<std::unique_ptr<LogSink>> sinks;
  sinks.push_back(std::make_unique<CaptureSink>(got));
  configure("wal-push", std::move(sinks));
  add_secret("s3cr3t/KEY+value");
  add_secret("s3cr3t");  // contained in the first: the longer one is replaced whole
  add_secret("abc");     // too short to redact safely
  warning("wal_e.store.s3",
          {"m s3cr3t/KEY+value", "d s3cr3t/KEY+values3cr3t", "h s3cr3t abc", {{"k s3cr3t", "v s3cr3t/KEY+value"}}});
  report(Level::Error, "s3cr3t/KEY+value", {}, {});
  clear_secrets();
  warning("wal_e.store.s3", {"after s3cr3t", {}, {}, {}});
  ASSERT_EQ(got->size(), 3u);
  const Record& r = (*got)[0].record;
  EXPECT_EQ(r.msg, "m [REDACTED]");
  EXPECT_EQ(r.detail, "d [REDACTED][REDACTED]");
  EXPECT_EQ(r.hint, "h [REDACTED] abc");
  ASSERT_EQ(r.fields.size(), 1u);
  EXPECT_EQ(r.fields.begin()->first, "k [REDACTED]");
  EXPECT_EQ(r.fields.begin()->second, "v [REDACTED]");
  EXPECT_EQ((*got)[1].record.msg, "[REDACTED]");
  EXPECT_EQ((*got)[2].record.msg, "after s3cr3t");
}

// Reads everything written to a pipe's write end after it is closed.
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(StderrSink, WritesTextOrJsonToItsDescriptor) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  StderrSink text(StderrSink::Format::Text, p[1]);
  StderrSink json(StderrSink::Format::Json, p[1]);
  auto e = entry(Level::Error, {"failed", "why", {}, {}}, true);
  text.write(e);
  json.write(e);
  ::close(p[1]);
  std::string out = drain(p[0]);
  ::close(p[0]);
  EXPECT_EQ(out, format_text(e) + format_json(e));
}

TEST(SyslogSink, SendsFacilityAndSeverityWithTheSyslogText) {
  std::vector<std::pair<int, std::string>> sent;
  auto sink =
      SyslogSink::transport(LOG_LOCAL3, [&](int pri, const std::string& text) { sent.emplace_back(pri, text); });
  auto e = entry(Level::Warning, {"prefetch failed", {}, {}, {}});
  sink->write(e);
  e.level = Level::Critical;
  sink->write(e);
  e.level = Level::Debug;
  sink->write(e);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].first, LOG_LOCAL3 | LOG_WARNING);
  EXPECT_EQ(sent[1].first, LOG_LOCAL3 | LOG_CRIT);
  EXPECT_EQ(sent[2].first, LOG_LOCAL3 | LOG_DEBUG);
  EXPECT_EQ(sent[0].second, format_syslog(entry(Level::Warning, {"prefetch failed", {}, {}, {}})));
}

TEST(SyslogSink, DatagramIsWhatSyslog3Sends) {
  test::TempDir dir;
  std::string path = dir.path() + "/log";
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto sink = SyslogSink::datagram(LOG_LOCAL0, path);
  auto e = entry(Level::Error, {"failed", "why", {}, {}}, true);
  sink->write(e);
  char buf[2048];
  ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  ::close(fd);
  ASSERT_GT(n, 0);
  std::string got(buf, static_cast<size_t>(n));
  // "<PRI>Mmm dd hh:mm:ss wal-e[PID]: text"
  std::string pri = "<" + std::to_string(LOG_LOCAL0 | LOG_ERR) + ">";
  EXPECT_EQ(got.substr(0, pri.size()), pri) << got;
  std::string tail = " wal-e[" + std::to_string(::getpid()) + "]: wal-push: ERROR: failed -- why";
  ASSERT_GE(got.size(), tail.size());
  EXPECT_EQ(got.substr(got.size() - tail.size()), tail) << got;
  EXPECT_EQ(got.size(), pri.size() + 15 + tail.size()) << got;  // "Nov 24 06:34:30"
}

TEST(SyslogSink, SocketProblemIsWalEsReasonOnlyForARefusingSocket) {
  test::TempDir dir;
  std::string path = dir.path() + "/log";
  EXPECT_EQ(SyslogSink::system_socket_problem(path), "");  // none: quietly dropped, as WAL-E
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(SyslogSink::system_socket_problem(path), "");  // a daemon listens
  ::close(fd);                                             // the daemon died; its socket file stays
  EXPECT_EQ(SyslogSink::system_socket_problem(path), "ECONNREFUSED");
}

TEST(SyslogSink, DatagramToNoListenerIsDropped) {
  test::TempDir dir;
  auto sink = SyslogSink::datagram(LOG_USER, dir.path() + "/nobody");
  EXPECT_NO_FATAL_FAILURE(sink->write(entry(Level::Error, {"x", {}, {}, {}})));
}

}  // namespace
}  // namespace wale::log
