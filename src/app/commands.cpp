#include "app/commands.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "app/plugin.h"
#include "app/spawn.h"
#include "app/store_factory.h"
#include "archive/archive_identity.h"
#include "archive/wal_fetch.h"
#include "archive/wal_prefetch.h"
#include "archive/wal_push.h"
#include "archive/wal_push_ahead.h"
#include "core/error.h"
#include "core/log.h"
#include "core/number.h"
#include "core/stop_token.h"
#include "io/file_streams.h"
#include "layout/archive_layout.h"
#include "layout/spool_layout.h"
#include "server/wal_push_client.h"
#include "server/wal_push_server.h"

namespace wale::app {

// SIGPIPE is ignored (app/signals.h): a closed pipe is an error here, not a silent death.
void write_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    throw_errno("could not write to standard output", "", errno);
  }
}

namespace {

// How long a push-ahead worker keeps serving wal-push calls after the last one.
constexpr std::chrono::milliseconds kWorkerLinger{2000};

int run_version(const VersionOptions&, Context&) {
  write_stdout(std::string(version()) + "\n");
  return 0;
}

// How long a wal-push call waits for a live worker's answer before it
// archives its file itself (the worker's own transfers retry and time out
// long before).
constexpr std::chrono::milliseconds kWorkerAnswerTimeout{120000};

// wal-push's first step when push-ahead is on (pool size > 1): ask a live
// push-ahead worker of exactly these settings (settings_fingerprint) to do
// wal-push's work for `wal_path`. True only on its "OK" answer, which it gives
// once the file is durably stored and confirmed in the store, as wal-push
// would have (run_wal_push_ahead). Anything else -- no worker, one that died,
// was killed mid-request, answered ERR or garbage, or took too long -- gives
// false, and the call does the whole work itself. Throws only Cancelled.
bool wal_push_through_worker(const WalPushOptions& o, const Invocation& inv, const config::Environment& env) {
  if (o.pool_size <= 1) return false;
  std::string path = o.wal_path;
  if (path.empty()) return false;
  if (path[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return false;
    path = std::string(cwd) + "/" + path;
  }
  std::string socket = layout::push_ahead_socket_path(io::parent_dir(o.wal_path), settings_fingerprint(inv, env));
  auto answer = server::WalPushClient::ask(socket, path, kWorkerAnswerTimeout);
  if (answer && answer->rfind("OK ", 0) == 0) {
    // "already archived" keeps wal-push's own wording for a segment push-ahead had stored.
    bool already = answer->substr(3) == "already archived";
    log::info("wal_e.worker.upload",
              {already ? "WAL file was already archived by push-ahead"
                       : "WAL file was archived by the push-ahead worker",
               "The push-ahead worker confirmed it in the store (" + answer->substr(3) + ").",
               {},
               {{"action", "push-wal"}, {"seg", io::base_name(o.wal_path)}, {"state", "complete"}}});
    return true;
  }
  if (answer) {
    log::debug("wal_e.worker.upload", {"the push-ahead worker did not archive the file; archiving it here",
                                       "It answered: " + *answer + ".",
                                       {},
                                       {}});
  }
  return false;
}

int run_wal_push(const WalPushOptions& o, Context& ctx) {
  archive::PushAheadOptions opts{ctx.settings.compression, o.pool_size};
  archive::check_identity_for_push(*ctx.store, o.wal_path);
  // The other ready segments go up in a detached worker, started before this
  // call pushes its own segment (so that both cores compress from the start):
  // this call returns as soon as its own segment is stored.
  archive::wal_push_with_ahead(*ctx.store, o.wal_path, opts, [&](std::vector<std::string> ahead) {
    WalPushAheadOptions helper{io::parent_dir(o.wal_path), std::move(ahead), opts.pool_size};
    spawn_detached_self(helper_call(ctx.inv, ctx.env, helper_args(helper)));
  });
  // Temporaries of killed pushes: wal_005/ is large and hot, so at most hourly.
  ctx.store->remove_abandoned(layout::kWalDir, std::chrono::hours(1));
  return 0;
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The push-ahead worker. While it works, and for kWorkerLinger after the last
// request once it has nothing left, it also answers wal-push calls of the
// same settings on layout::push_ahead_socket_path (see wal_push_through_worker):
// each request is wal-push's whole work (server::WalPushService: identity
// check, wal_push_with_ahead -- waiting for its own claim, confirming a marker
// with a request on this process's warm connections, or pushing the file --
// and a new in-process push-ahead when more segments are ready), so the call
// starts no TLS session of its own. Not serving (the socket is taken by
// another worker of these settings, or its path is too long) only costs time.
int run_wal_push_ahead(const WalPushAheadOptions& o, Context& ctx) {
  archive::PushAheadOptions opts{ctx.settings.compression, o.pool_size};
  server::WalPushService service(*ctx.store, opts);
  std::atomic<std::int64_t> last_request{steady_ms()};
  std::atomic<int> in_flight{0};
  std::unique_ptr<server::WalPushServer> srv;
  try {
    srv =
        std::make_unique<server::WalPushServer>(layout::push_ahead_socket_path(o.wal_directory,
                                                                               settings_fingerprint(ctx.inv, ctx.env)),
                                                [&](const std::string& path) {
                                                  ++in_flight;
                                                  struct Done {
                                                    std::atomic<std::int64_t>& last;
                                                    std::atomic<int>& n;
                                                    ~Done() {
                                                      last = steady_ms();
                                                      --n;
                                                    }
                                                  } done{last_request, in_flight};
                                                  return service.push(path);
                                                });
  } catch (const Error& e) {
    log::debug("wal_e.worker.upload", {"push-ahead worker does not serve wal-push calls", e.message(), {}, {}});
  }
  std::thread serving;
  if (srv) {
    serving = std::thread([&srv] {
      try {
        srv->serve();
      } catch (const Error& e) {
        log::warning("wal_e.worker.upload", {"push-ahead worker stopped serving", e.message(), {}, {}});
      }
    });
  }
  struct Join {
    std::unique_ptr<server::WalPushServer>& srv;
    std::thread& t;
    ~Join() {
      if (srv) srv->stop();
      if (t.joinable()) t.join();
    }
  } join{srv, serving};
  archive::wal_push_ahead_worker(*ctx.store, o.wal_directory, o.segments, opts);
  // Linger while calls keep coming (or their in-process push-ahead runs).
  while (srv && !stop_requested()) {
    bool busy = in_flight > 0 || archive::push_ahead_worker_running(o.wal_directory);
    if (!busy && steady_ms() - last_request >= kWorkerLinger.count()) break;
    ::usleep(20000);
  }
  return 0;
}

int run_wal_push_server(const WalPushServerOptions& o, Context& ctx) {
  archive::PushAheadOptions opts{ctx.settings.compression, o.pool_size};
  server::WalPushService service(*ctx.store, opts);
  server::WalPushServer srv(o.socket, [&service](const std::string& path) { return service.push(path); });
  // wal-push reads the envdir on every call; a resident server restarts when it changes.
  srv.set_restart_check([&env = ctx.env] { return env.envdir_changed(); });
  srv.serve();
  return 0;
}

// wal-fetch's one "not in the archive" answer: the only error that exits 1,
// which ends recovery (see run_command).
class NotInArchive final : public Error {
 public:
  using Error::Error;
};

int run_wal_fetch(const WalFetchOptions& o, Context& ctx) {
  auto& store = *ctx.store;
  auto expected = archive::check_identity_for_fetch(store, o.destination);
  // The detached prefetcher gets the whole window and keeps it full (see wal_prefetch).
  auto start_prefetch = [&](const archive::PrefetchPlan& plan) {
    WalPrefetchOptions helper{plan.base, plan.window};
    try {
      auto call = helper_call(ctx.inv, ctx.env, helper_args(helper));
      call.nice_increment = archive::kPrefetchNiceIncrement;
      spawn_detached_self(call);
    } catch (const Error& e) {
      // Prefetch only saves time: the requested file is (being) restored.
      log::warning("wal_e.worker.prefetch", {"could not start the prefetcher", e.message(), {}, {}});
    }
  };
  auto r = archive::wal_fetch_with_prefetch(store, o.segment, o.destination, ctx.settings.compression, o.prefetch,
                                            start_prefetch);
  if (!r.found) {
    archive::check_absence_is_trustworthy(store, o.destination);  // an archive that lost its identity: stop
    throw NotInArchive(ErrorCode::NotFound, "WAL file " + o.segment + " is not in the archive");
  }
  archive::check_fetched_segment(o.segment, o.destination, expected, store.describe(layout::cluster_identity_key()));
  return 0;
}

// How long a detached prefetcher waits for wal-fetch to take a prefetched
// segment before it exits (replay of one segment rarely takes longer).
constexpr std::chrono::milliseconds kPrefetchLinger{2000};

int run_wal_prefetch(const WalPrefetchOptions& o, Context& ctx) {
  archive::wal_prefetch(*ctx.store, o.base_directory, o.segments, ctx.settings.compression, config::default_pool_size(),
                        kPrefetchLinger);
  return 0;
}

// The handler of each subcommand, by config::Command. `needs_store`: false only
// for commands that work without settings (version).
struct Handler {
  bool needs_store;
  int (*run)(const Invocation&, Context&);
};
template <typename Options, int (*Fn)(const Options&, Context&)>
constexpr Handler handler(bool needs_store = true) {
  return {needs_store, [](const Invocation& inv, Context& ctx) { return Fn(std::get<Options>(inv.options), ctx); }};
}
// The commands of libwale-backup.so (app/plugin.h): loaded only when one runs.
constexpr Handler kInBackupPlugin{true, [](const Invocation& inv, Context& ctx) {
                                    return plugin<BackupPlugin>("backup", "wale_backup_plugin").run(inv, ctx);
                                  }};
constexpr std::array<Handler, config::kCommandCount> kHandlers{
    handler<VersionOptions, run_version>(false),
    kInBackupPlugin,  // backup-push
    kInBackupPlugin,  // backup-fetch
    kInBackupPlugin,  // backup-list
    kInBackupPlugin,  // backup-mark
    kInBackupPlugin,  // backup-verify
    handler<WalPushOptions, run_wal_push>(),
    handler<WalPushAheadOptions, run_wal_push_ahead>(),
    handler<WalPushServerOptions, run_wal_push_server>(),
    handler<WalFetchOptions, run_wal_fetch>(),
    handler<WalPrefetchOptions, run_wal_prefetch>(),
    kInBackupPlugin,  // wal-verify
    kInBackupPlugin,  // delete
};

}  // namespace

int run_command(const Invocation& inv, const config::Environment& env) {
  if (!inv.command) throw Error(ErrorCode::Internal, "no subcommand to run");
  const Handler& h = kHandlers[static_cast<std::size_t>(*inv.command)];
  if (!h.needs_store) {
    Context ctx{inv, env, {}, nullptr};
    return h.run(inv, ctx);
  }
  // wal-push: a live push-ahead worker may do it over its warm connection,
  // before this process makes a store (no plugin load, no TLS session).
  if (*inv.command == config::Command::WalPush &&
      wal_push_through_worker(std::get<WalPushOptions>(inv.options), inv, env)) {
    return 0;
  }
  auto run = [&] {
    Context ctx{inv, env, config::resolve_settings(inv.global, env), nullptr};
    ctx.store = make_store(ctx.settings);
    return h.run(inv, ctx);
  };
  if (*inv.command != config::Command::WalFetch) return run();
  try {
    return run();
  } catch (const NotInArchive&) {
    throw;
  } catch (const Error& e) {
    // restore_command: exit 1 ends recovery, so only a file the archive
    // definitely lacks may give it; any other NotFound (a settings file, a
    // store's 404 mid-way) stops recovery instead (exit 255).
    if (e.code() != ErrorCode::NotFound) throw;
    throw Error(ErrorCode::Remote, e.message(), e.detail(), e.hint());
  }
}

}  // namespace wale::app
