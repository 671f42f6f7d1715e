// FullBacklogListener: a Unix socket at `path` that is listened on and never
// accepted from, with its backlog already full (listen() with a backlog of 0
// plus one queued connection): a frozen server. A non-blocking connect() to it
// fails with EAGAIN; a blocking one waits until the listener is closed, which
// close_listener() does (so that a test whose code under test still waits can
// end). Owns both descriptors; throws std::runtime_error if the socket cannot
// be set up. Not thread-safe (close_listener() may race only a connect()).
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "io/unique_fd.h"

namespace wale::test {

class FullBacklogListener {
 public:
  explicit FullBacklogListener(const std::string& path) {
    addr_.sun_family = AF_UNIX;
    std::strncpy(addr_.sun_path, path.c_str(), sizeof(addr_.sun_path) - 1);
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener_ || ::bind(listener_.get(), address(), sizeof(addr_)) != 0 || ::listen(listener_.get(), 0) != 0) {
      throw std::runtime_error("could not listen on " + path + ": " + std::strerror(errno));
    }
    queued_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!queued_ || ::connect(queued_.get(), address(), sizeof(addr_)) != 0) {
      throw std::runtime_error("could not queue a connection on " + path + ": " + std::strerror(errno));
    }
    if (!backlog_full()) throw std::runtime_error("the backlog of " + path + " is not full");
  }

  // True if a non-blocking connect() now fails with EAGAIN.
  bool backlog_full() const {
    io::UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    return probe && ::connect(probe.get(), address(), sizeof(addr_)) != 0 && errno == EAGAIN;
  }

  // Stops listening: a connect() still waiting fails.
  void close_listener() { listener_.reset(); }

 private:
  const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(&addr_); }

  sockaddr_un addr_{};
  io::UniqueFd listener_;
  io::UniqueFd queued_;
};

}  // namespace wale::test
