#include "server/wal_push_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "archive/archive_identity.h"
#include "core/error.h"
#include "core/log.h"
#include "core/stop_token.h"
#include "io/file_streams.h"
#include "layout/archive_layout.h"

namespace wale::server {
namespace {

const char* kLogger = "wal_e.server";
constexpr int kRequestReadMs = 10000;  // a client that sends no full line in 10 s is dropped
constexpr std::size_t kMaxRequest = 8192;

sockaddr_un socket_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    throw Error(ErrorCode::Usage, "socket path \"" + path + "\" is empty or too long", {},
                "A Unix socket path has at most " + std::to_string(sizeof(addr.sun_path) - 1) + " bytes.");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// True if something listens on `path`. Non-blocking: a listener whose
// backlog is full (a frozen server) is one (EAGAIN), not a wait without bound.
bool someone_listens(const std::string& path) {
  sockaddr_un addr = socket_address(path);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw_errno("could not create a socket", path, errno);
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  } while (rc != 0 && errno == EINTR);
  bool listening = rc == 0 || errno == EAGAIN || errno == EISCONN;
  ::close(fd);
  return listening;
}

// Writes all of `text`; false if the client went away (MSG_NOSIGNAL: no SIGPIPE).
bool send_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// One line without its '\n', or nullopt (closed, too long, too slow, stopping).
std::optional<std::string> read_line(int fd, const std::atomic<bool>& stopping) {
  std::string line;
  int waited = 0;
  while (waited < kRequestReadMs && !stopping && !stop_requested()) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return std::nullopt;
    if (r == 0) {
      waited += 100;
      continue;
    }
    char buf[1024];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    line.append(buf, static_cast<std::size_t>(n));
    if (auto nl = line.find('\n'); nl != std::string::npos) return line.substr(0, nl);
    if (line.size() > kMaxRequest) return std::nullopt;
  }
  return std::nullopt;
}

// An answer is one line: no newline from a message may split it.
std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

WalPushServer::WalPushServer(std::string socket_path, PushHandler handler)
    : socket_path_(std::move(socket_path)), handler_(std::move(handler)) {
  sockaddr_un addr = socket_address(socket_path_);
  std::string dir = io::parent_dir(socket_path_);
  if (!dir.empty() && dir != ".") io::make_dirs(dir, 0700);
  struct stat st {};
  if (::lstat(socket_path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw Error(ErrorCode::Conflict, "\"" + socket_path_ + "\" exists and is not a socket", {},
                  "Remove it or choose another socket path.");
    }
    if (someone_listens(socket_path_)) {
      throw Error(ErrorCode::Conflict, "another wal-push-server is already serving " + socket_path_, {},
                  "Stop it first, or give this one another socket path.");
    }
    ::unlink(socket_path_.c_str());  // left by a server that died
  }
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw_errno("could not create a socket", socket_path_, errno);
  mode_t old_mask = ::umask(077);  // no group/other access to the socket: only our user may push
  int rc = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0 || ::listen(listen_fd_, 16) != 0) {
    int e = rc != 0 ? bind_errno : errno;
    ::close(listen_fd_);
    throw_errno("could not listen on socket", socket_path_, e);
  }
  if (::stat(socket_path_.c_str(), &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
}

WalPushServer::~WalPushServer() {
  stopping_ = true;
  close_listener();
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return active_ == 0; });
}

// Removes the socket (only if it is still ours: a successor may have replaced
// it) and stops accepting, so that new clients see "no server" at once.
void WalPushServer::close_listener() noexcept {
  if (listen_fd_ < 0) return;
  struct stat st {};
  if (::stat(socket_path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    ::unlink(socket_path_.c_str());
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void WalPushServer::serve() {
  log::info(kLogger, {"serving wal-push requests", "Socket: " + socket_path_ + ".", {}, {}});
  while (!stopping_ && !stop_requested()) {
    pollfd p{listen_fd_, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0 && errno != EINTR) throw_errno("could not wait for connections", socket_path_, errno);
    if (r <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the client gave up meanwhile, or EINTR
    {
      std::lock_guard lock(mutex_);
      if (active_ >= kMaxConnections) {
        send_all(fd, "ERR too many requests in progress\n");
        ::close(fd);
        continue;
      }
      ++active_;
    }
    try {
      std::thread([this, fd] { handle(fd); }).detach();
    } catch (const std::system_error&) {
      send_all(fd, "ERR could not start a thread\n");
      ::close(fd);
      std::lock_guard lock(mutex_);
      --active_;
      idle_.notify_all();
    }
  }
  close_listener();
}

void WalPushServer::handle(int fd) noexcept {
  std::string answer;
  try {
    auto line = read_line(fd, stopping_);
    if (!line) {
      answer.clear();
    } else if (line->rfind("push ", 0) == 0 && line->size() > 5) {
      std::string path = line->substr(5);
      std::optional<std::string> restart = restart_check_ ? restart_check_() : std::nullopt;
      if (restart) {
        log::info(kLogger, {"stopping to restart", *restart, {}, {}});
        answer = "ERR " + *restart;
        stopping_ = true;
      } else {
        try {
          answer = "OK " + handler_(path);
        } catch (const Error& e) {
          log::report(log::Level::Error, e.message(), e.detail(), e.hint());
          answer = "ERR " + e.message() + (e.detail().empty() ? "" : " -- " + e.detail());
        }
      }
    } else {
      answer = "ERR unknown request (expected \"push PATH\")";
    }
  } catch (const std::exception& e) {
    answer = std::string("ERR ") + e.what();
  } catch (...) {
    answer = "ERR unknown failure";
  }
  if (!answer.empty()) send_all(fd, one_line(answer) + "\n");
  ::close(fd);
  std::lock_guard lock(mutex_);
  --active_;
  idle_.notify_all();
}

WalPushService::WalPushService(store::ObjectStore& store, archive::PushAheadOptions options)
    : store_(store), options_(options) {}

WalPushService::~WalPushService() {
  std::unique_lock lock(mutex_);
  ahead_done_.wait(lock, [&] { return !ahead_busy_; });
}

std::string WalPushService::push(const std::string& path) {
  archive::check_identity_for_push(store_, path);
  // Other ready segments go to the background worker before this request's
  // own push, so that both compress at once.
  auto r = archive::wal_push_with_ahead(store_, path, options_,
                                        [&](std::vector<std::string> ahead) { start_ahead(path, std::move(ahead)); });
  store_.remove_abandoned(layout::kWalDir, std::chrono::hours(1));
  return r.result == archive::WalPushResult::Stored ? "stored" : "already archived";
}

void WalPushService::start_ahead(const std::string& path, std::vector<std::string> ahead) {
  std::lock_guard lock(mutex_);
  if (ahead_busy_) return;  // the next request looks again
  ahead_busy_ = true;
  std::string wal_dir = io::parent_dir(path);
  try {
    std::thread([this, wal_dir, segs = std::move(ahead)] {
      try {
        archive::wal_push_ahead_worker(store_, wal_dir, segs, options_);
      } catch (const std::exception& e) {
        // Only saves time: PostgreSQL asks for each segment again.
        log::warning(kLogger, {"push-ahead stopped", e.what(), {}, {}});
      }
      std::lock_guard done(mutex_);
      ahead_busy_ = false;
      ahead_done_.notify_all();
    }).detach();
  } catch (const std::system_error&) {
    ahead_busy_ = false;
  }
}

}  // namespace wale::server
