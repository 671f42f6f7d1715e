// SyslogSink: sends each record to the system log as one message, ident
// "wal-e", the pid in the header, at the record's priority (DEBUG..CRITICAL ->
// LOG_DEBUG..LOG_CRIT) in the configured facility. The text is format_syslog's
// (core/log_format.h): "wal-push: LOGGER LEVEL MSG: ... STRUCTURED: ...".
//
// system(): through syslog(3) (openlog with LOG_PID), which journald and
// rsyslog receive on /dev/log. If no syslog daemon listens, syslog(3) drops
// the message silently (no console fallback).
// datagram(path): the same message as an RFC 3164 datagram
// ("<PRI>Mmm dd hh:mm:ss wal-e[PID]: text", what syslog(3) sends) to the Unix
// datagram socket at path. For tests (WALE_TEST_SYSLOG_SOCKET), so that they
// need no syslog daemon.
// transport(fn): hands (facility | severity, text) to fn (unit tests).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/log_sink.h"

namespace wale::log {

class SyslogSink : public LogSink {
 public:
  // Receives the full priority (facility | severity) and the message text.
  using Transport = std::function<void(int priority, const std::string& text)>;

  static std::unique_ptr<SyslogSink> system(int facility);
  static std::unique_ptr<SyslogSink> datagram(int facility, const std::string& socket_path);
  static std::unique_ptr<SyslogSink> transport(int facility, Transport send);

  void write(const LogEntry& entry) noexcept override;

  // Why syslog(3) cannot deliver, for WAL-E's "Could not set up syslog" line:
  // "ECONNREFUSED" or "EACCES" when /dev/log exists but refuses us; empty when
  // it accepts, or when there is none (no syslog daemon set up: records are
  // dropped quietly, as WAL-E did). `path` is for tests.
  static std::string system_socket_problem(const std::string& path = "/dev/log");

  // LOG_DEBUG..LOG_CRIT for a level.
  static int severity(Level level);

 private:
  SyslogSink(int facility, Transport send) : facility_(facility), send_(std::move(send)) {}

  int facility_;
  Transport send_;
};

}  // namespace wale::log
