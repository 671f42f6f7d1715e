#include "server/wal_push_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/stop_token.h"
#include "io/unique_fd.h"

namespace wale::server {

std::optional<std::string> WalPushClient::ask(const std::string& socket_path, const std::string& wal_path,
                                              std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) return std::nullopt;
  if (wal_path.find('\n') != std::string::npos) return std::nullopt;
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  // Non-blocking connect: a blocking one waits without bound while the
  // listener's backlog is full (a worker that stopped accepting, e.g. frozen,
  // with earlier callers' connections still queued). On a Unix socket it
  // never returns EINPROGRESS: it connects or fails at once (EAGAIN: full).
  io::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return std::nullopt;
  while (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno == EISCONN) break;              // connected by the interrupted call
    if (errno != EINTR) return std::nullopt;  // ENOENT: no worker; ECONNREFUSED: it died; EAGAIN: it accepts none
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) return std::nullopt;
  std::string request = "push " + wal_path + "\n";
  for (std::size_t done = 0; done < request.size();) {
    ssize_t n = ::send(fd.get(), request.data() + done, request.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    done += static_cast<std::size_t>(n);
  }
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    throw_if_stopped();
    pollfd p{fd.get(), POLLIN, 0};
    int r = ::poll(&p, 1, 50);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return std::nullopt;
    if (r == 0) continue;
    char buf[512];
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // closed before a whole line: no answer
    line.append(buf, static_cast<std::size_t>(n));
    if (auto nl = line.find('\n'); nl != std::string::npos) return line.substr(0, nl);
    if (line.size() > 64 * 1024) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace wale::server
