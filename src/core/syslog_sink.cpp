#include "core/syslog_sink.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "core/log_format.h"

namespace wale::log {

int SyslogSink::severity(Level level) {
  switch (level) {
    case Level::Debug: return LOG_DEBUG;
    case Level::Info: return LOG_INFO;
    case Level::Warning: return LOG_WARNING;
    case Level::Error: return LOG_ERR;
    case Level::Critical: return LOG_CRIT;
  }
  return LOG_INFO;
}

std::unique_ptr<SyslogSink> SyslogSink::system(int facility) {
  ::openlog("wal-e", LOG_PID, facility);
  return transport(facility, [](int priority, const std::string& text) { ::syslog(priority, "%s", text.c_str()); });
}

std::unique_ptr<SyslogSink> SyslogSink::datagram(int facility, const std::string& socket_path) {
  return transport(facility, [socket_path](int priority, const std::string& text) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path) return;
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
    std::string message =
        "<" + std::to_string(priority) + ">" + stamp + " wal-e[" + std::to_string(::getpid()) + "]: " + text;
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    (void)::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr),
                   sizeof addr);
    ::close(fd);
  });
}

std::string SyslogSink::system_socket_problem(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return {};
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(fd);
  if (rc == 0) return {};
  if (err == ECONNREFUSED) return "ECONNREFUSED";
  if (err == EACCES) return "EACCES";
  return {};
}

std::unique_ptr<SyslogSink> SyslogSink::transport(int facility, Transport send) {
  return std::unique_ptr<SyslogSink>(new SyslogSink(facility, std::move(send)));
}

void SyslogSink::write(const LogEntry& entry) noexcept {
  try {
    send_(facility_ | severity(entry.level), format_syslog(entry));
  } catch (...) {
    // Out of memory while formatting: drop the record rather than fail the command.
  }
}

}  // namespace wale::log
