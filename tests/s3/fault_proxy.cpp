#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace wale::test {
namespace {

bool send_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Reads until "\r\n\r\n"; returns false on EOF/error. Extra bytes stay in `rest`.
bool read_head(int fd, std::string& head, std::string& rest) {
  std::string buf;
  char tmp[16384];
  for (;;) {
    std::size_t end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      head = buf.substr(0, end + 4);
      rest = buf.substr(end + 4);
      return true;
    }
    ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
    if (r <= 0) return false;
    buf.append(tmp, static_cast<std::size_t>(r));
  }
}

bool read_exact(int fd, std::string& out, std::size_t n) {
  char tmp[65536];
  while (out.size() < n) {
    ssize_t r = ::recv(fd, tmp, std::min(sizeof tmp, n - out.size()), 0);
    if (r <= 0) return false;
    out.append(tmp, static_cast<std::size_t>(r));
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::size_t content_length(const std::string& head) {
  std::string l = lower(head);
  std::size_t p = l.find("\r\ncontent-length:");
  if (p == std::string::npos) return 0;
  return std::stoull(l.substr(p + 17));
}

// Replaces any Connection header with "Connection: close".
std::string with_connection_close(const std::string& head) {
  std::string out;
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t eol = head.find("\r\n", pos);
    std::string line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) break;
    if (lower(line).rfind("connection:", 0) == 0) continue;
    out += line + "\r\n";
  }
  return out + "Connection: close\r\n\r\n";
}

void reset_close(int fd) {
  struct linger lg {
    1, 0
  };
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::close(fd);
}

std::string error_reply(int status, const std::string& code) {
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
                     "</Code><Message>injected by the test proxy</Message></Error>";
  std::string reason = status == 500 ? "Internal Server Error" : status == 400 ? "Bad Request" : "Service Unavailable";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/xml\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

Fault FaultProxy::parse_fault(const std::string& n) {
  if (n == "none") return Fault::None;
  if (n == "500") return Fault::Http500;
  if (n == "503") return Fault::Http503SlowDown;
  if (n == "reset-request") return Fault::ResetDuringRequest;
  if (n == "reset") return Fault::ResetMidBody;
  if (n == "cut") return Fault::CutBody;
  if (n == "stall") return Fault::StallMidBody;
  if (n == "stall-before") return Fault::StallBeforeReply;
  if (n == "corrupt-request") return Fault::CorruptRequestBody;
  if (n == "corrupt-reply") return Fault::CorruptReplyBody;
  if (n == "drop-reply") return Fault::DropReply;
  if (n == "expired-token") return Fault::ExpiredToken;
  throw std::invalid_argument("unknown fault \"" + n + "\"");
}

FaultProxy::FaultProxy(std::string upstream_host, std::uint16_t upstream_port, std::chrono::milliseconds stall,
                       std::uint16_t listen_port)
    : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port), stall_(stall) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(listen_port);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : workers_) t.join();
}

void FaultProxy::script(std::vector<Fault> faults, Fault then, std::string method) {
  std::lock_guard lock(mu_);
  scripts_[method] = Script{std::deque<Fault>(faults.begin(), faults.end()), then};
}

Fault FaultProxy::next_fault(const std::string& request_line) {
  std::lock_guard lock(mu_);
  std::string method = request_line.substr(0, request_line.find(' '));
  auto it = scripts_.find(method);
  if (it == scripts_.end()) it = scripts_.find("");
  if (it == scripts_.end()) return Fault::None;
  Script& sc = it->second;
  Fault f = sc.then;
  if (!sc.faults.empty()) {
    f = sc.faults.front();
    sc.faults.pop_front();
  }
  if (f != Fault::None) ++injected_;
  return f;
}

std::string FaultProxy::last_request_head() const {
  std::lock_guard lock(mu_);
  return last_head_;
}

void FaultProxy::stall() {
  auto until = std::chrono::steady_clock::now() + stall_;
  while (!stop_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void FaultProxy::accept_loop() {
  while (!stop_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stop_) return;
      continue;
    }
    std::lock_guard lock(mu_);
    open_fds_.insert(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void FaultProxy::serve(int client) {
  auto forget = [&](bool rst) {
    {
      std::lock_guard lock(mu_);
      open_fds_.erase(client);
    }
    if (rst) {
      reset_close(client);
    } else {
      ::close(client);
    }
  };
  std::string head, body;
  if (!read_head(client, head, body)) return forget(false);
  ++requests_;
  {
    std::lock_guard lock(mu_);
    last_head_ = head;
  }
  std::string request_line = head.substr(0, head.find("\r\n"));
  Fault fault = next_fault(request_line);
  std::size_t want = content_length(head);
  if (fault == Fault::ResetDuringRequest) {
    read_exact(client, body, std::min(want, body.size() + want / 2));
    return forget(true);
  }
  if (!read_exact(client, body, want)) return forget(false);
  if (fault == Fault::Http500 || fault == Fault::Http503SlowDown || fault == Fault::ExpiredToken) {
    std::string r = fault == Fault::Http500        ? error_reply(500, "InternalError")
                    : fault == Fault::ExpiredToken ? error_reply(400, "ExpiredToken")
                                                   : error_reply(503, "SlowDown");
    send_all(client, r.data(), r.size());
    return forget(false);
  }
  if (fault == Fault::StallBeforeReply) {
    stall();
    return forget(false);
  }
  if (fault == Fault::CorruptRequestBody && !body.empty()) body[body.size() / 2] ^= 0x01;
  // Forward to the upstream server.
  int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(upstream_port_);
  ::inet_pton(AF_INET, upstream_host_.c_str(), &addr.sin_addr);
  if (up < 0 || ::connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (up >= 0) ::close(up);
    return forget(true);
  }
  std::string out = with_connection_close(head) + body;
  if (!send_all(up, out.data(), out.size())) {
    ::close(up);
    return forget(true);
  }
  std::string reply;
  char tmp[65536];
  for (;;) {
    ssize_t r = ::recv(up, tmp, sizeof tmp, 0);
    if (r <= 0) break;
    reply.append(tmp, static_cast<std::size_t>(r));
  }
  ::close(up);
  if (fault == Fault::DropReply) return forget(true);
  std::size_t head_end = reply.find("\r\n\r\n");
  if (head_end == std::string::npos) return forget(true);
  std::string reply_head = with_connection_close(reply.substr(0, head_end + 4));
  std::string reply_body = reply.substr(head_end + 4);
  if (fault == Fault::CorruptReplyBody && !reply_body.empty()) reply_body[reply_body.size() / 2] ^= 0x01;
  if (fault == Fault::None || fault == Fault::CorruptRequestBody || fault == Fault::CorruptReplyBody ||
      reply_body.size() < 2) {
    std::string all = reply_head + reply_body;
    send_all(client, all.data(), all.size());
    return forget(false);
  }
  std::string partial = reply_head + reply_body.substr(0, reply_body.size() / 2);
  send_all(client, partial.data(), partial.size());
  if (fault == Fault::ResetMidBody) return forget(true);
  if (fault == Fault::StallMidBody) stall();
  forget(false);
}

}  // namespace wale::test
