// wal-push-server: wal-push as a resident process, for PostgreSQL's archive
// module (pgmodule/wal_e_archive.c, docs/archive-module.md). A busy server
// then archives without starting a process per segment.
//
// Protocol (a Unix stream socket, one request per connection, lines end in
// '\n'): the client sends "push <path>", where <path> is the WAL file
// (absolute, or relative to the server's working directory), and the server
// answers one line: "OK stored" / "OK already archived" once the file is
// durably stored exactly as wal-push would have stored it (exit 0), or
// "ERR <message>" for every failure (wal-push's non-zero exit). A connection
// closed without an answer means "not archived" too. Unknown requests get ERR.
//
// WalPushServer owns the listening socket: the constructor binds it (no
// group/other access; a missing parent directory is created 0700) and refuses
// with Error{Conflict} if another server answers on it; a socket file nobody
// answers on is replaced.
// The destructor stops serving, removes the socket file if it is still the one
// it bound, and waits for every request to end.
// serve() runs the accept loop on the calling thread until the process stop
// token is set (SIGTERM/SIGINT/SIGHUP) or stop() is called; each connection
// is handled on its own thread (at most kMaxConnections at once: the archiver
// sends one request at a time, more only after a client timed out).
// The handler is called concurrently from those threads and must be
// thread-safe; its wale::Error/std::exception becomes an ERR answer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "archive/wal_push_ahead.h"
#include "store/object_store.h"

namespace wale::server {

// Handles one "push" request: returns the text after "OK " or throws.
using PushHandler = std::function<std::string(const std::string& path)>;

class WalPushServer {
 public:
  static constexpr unsigned kMaxConnections = 64;

  WalPushServer(std::string socket_path, PushHandler handler);
  ~WalPushServer();
  WalPushServer(const WalPushServer&) = delete;
  WalPushServer& operator=(const WalPushServer&) = delete;

  void serve();
  void stop() noexcept { stopping_ = true; }

  // Called before each request (from connection threads; must be thread-safe).
  // A returned reason is answered as "ERR <reason>" and ends serving: the
  // socket is removed at once, requests in progress finish, serve() returns,
  // and whoever started the server starts a new one (the archive module does).
  using RestartCheck = std::function<std::optional<std::string>()>;
  void set_restart_check(RestartCheck check) { restart_check_ = std::move(check); }

 private:
  void handle(int fd) noexcept;
  void close_listener() noexcept;

  std::string socket_path_;
  PushHandler handler_;
  RestartCheck restart_check_;
  int listen_fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;              // guards active_
  std::condition_variable idle_;  // signalled when active_ drops
  unsigned active_ = 0;           // connection threads still running
};

// wal-push's work for one request, as the wal-push subcommand does it: the
// archive identity check (archive/archive_identity.h), the create-only push
// with identity comparison and push-ahead markers (archive/wal_push_ahead.h),
// and the hourly sweep of abandoned temporaries. Other ready segments go to
// one background thread (push-ahead in-process instead of a detached
// wal-push-ahead process); while it runs, further ahead sets are skipped
// (the next request looks again). The store must outlive this object and be
// thread-safe. The destructor waits for the background push.
class WalPushService {
 public:
  WalPushService(store::ObjectStore& store, archive::PushAheadOptions options);
  ~WalPushService();
  WalPushService(const WalPushService&) = delete;
  WalPushService& operator=(const WalPushService&) = delete;

  // Throws like wal-push; returns "stored" or "already archived".
  std::string push(const std::string& path);

 private:
  // Pushes `ahead` (segments of path's directory) on the background thread
  // unless it is busy.
  void start_ahead(const std::string& path, std::vector<std::string> ahead);

  store::ObjectStore& store_;
  archive::PushAheadOptions options_;
  std::mutex mutex_;  // guards ahead_busy_
  bool ahead_busy_ = false;
  std::condition_variable ahead_done_;
};

}  // namespace wale::server
