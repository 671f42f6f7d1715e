// FaultProxy: a small HTTP/1.1 forward proxy for the S3 tests that sits between
// the driver and radosgw and injects faults into chosen requests.
// It listens on 127.0.0.1 (ephemeral port), handles one request per client
// connection (it answers with "Connection: close"), and forwards requests to
// the upstream server unchanged (the SigV4 signature stays valid).
//
// Faults are scripted per method: each request takes the next fault from the
// script of its method ("GET", "PUT", ...), or from the catch-all script (method
// "") if its method has none; when a script is used up, its `then` applies to
// all following requests. script() replaces the script of that method only. Thread-safe. The
// destructor stops all threads and closes all sockets.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace wale::test {

enum class Fault {
  None,
  Http500,             // 500 InternalError
  Http503SlowDown,     // 503 SlowDown
  ResetDuringRequest,  // read part of the request body, then reset the connection
  ResetMidBody,        // forward, send half the response body, then reset (RST)
  CutBody,             // forward, send half the response body, then close cleanly (FIN)
  StallMidBody,        // forward, send half the response body, then go silent
  StallBeforeReply,    // read the request, then go silent
  CorruptRequestBody,  // flip one byte of the request body before forwarding
  CorruptReplyBody,    // flip one byte of the response body
  DropReply,           // forward, then reset without replying: the server did the work, the reply is lost
  ExpiredToken,        // 400 ExpiredToken (the request's temporary credentials have expired)
};

class FaultProxy {
 public:
  // listen_port 0 = an ephemeral port (see port()).
  FaultProxy(std::string upstream_host, std::uint16_t upstream_port,
             std::chrono::milliseconds stall = std::chrono::seconds(30), std::uint16_t listen_port = 0);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::uint16_t port() const { return port_; }
  void script(std::vector<Fault> faults, Fault then = Fault::None, std::string method = {});
  int requests() const { return requests_.load(); }
  // "none", "500", "503", "reset-request", "reset", "cut", "stall", "stall-before", "corrupt-request",
  // "corrupt-reply", "drop-reply", "expired-token" -> Fault; throws std::invalid_argument for anything else.
  static Fault parse_fault(const std::string& name);
  int faults_injected() const { return injected_.load(); }
  // The head (request line and headers) of the last request received.
  std::string last_request_head() const;

 private:
  void accept_loop();
  void serve(int client_fd);
  Fault next_fault(const std::string& request_line);
  void stall();

  std::string upstream_host_;
  std::uint16_t upstream_port_;
  std::chrono::milliseconds stall_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> injected_{0};
  mutable std::mutex mu_;
  std::string last_head_;
  struct Script {
    std::deque<Fault> faults;
    Fault then = Fault::None;
  };
  std::map<std::string, Script> scripts_;
  std::set<int> open_fds_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

}  // namespace wale::test
