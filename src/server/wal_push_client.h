// The client side of the wal-push-server protocol (server/wal_push_server.h):
// one "push <path>" request on a Unix socket and its one-line answer. wal-push
// uses it to hand its segment to a live push-ahead worker of the same settings
// (app/commands.cpp), which stores or confirms it over its warm connection.
//
// ask() returns the answer line without its '\n' ("OK stored", "ERR ..."), or
// nullopt when nobody answered: no socket, nobody listening (a worker that
// died), a listener that accepts no connection now (its backlog is full: a
// frozen worker; never waited for), a path too long for a socket address, the
// connection closed without a full line (a worker killed mid-request), or no
// answer within `timeout`.
// The caller treats anything but an "OK " answer as "not archived" and does
// the work itself. Throws Error{Cancelled} (throw_if_stopped) once the process
// stop token is set while waiting. No shared state: thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace wale::server {

class WalPushClient {
 public:
  static std::optional<std::string> ask(const std::string& socket_path, const std::string& wal_path,
                                        std::chrono::milliseconds timeout);
};

}  // namespace wale::server
