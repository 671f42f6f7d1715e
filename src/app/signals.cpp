#include "app/signals.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <csignal>

#include "core/stop_token.h"

namespace wale::app {
namespace {

// SIGQUIT too: PostgreSQL's immediate shutdown sends it to archive_command and
// restore_command, and its default action would skip every cleanup.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void on_stop_signal(int signo) {
  process_stop_token().request(signo);
  // A second signal takes the default action (sigaction is async-signal-safe).
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int s : kStopSignals) ::sigaction(s, &dfl, nullptr);
}

}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : kStopSignals) sigaddset(&sa.sa_mask, s);
  sa.sa_flags = 0;  // no SA_RESTART: blocking calls in the receiving thread wake with EINTR
  for (int s : kStopSignals) {
    // Keep "ignored" when the parent ignored it (nohup, background jobs), as shells expect.
    struct sigaction old {};
    if (::sigaction(s, nullptr, &old) == 0 && old.sa_handler == SIG_IGN && s != SIGTERM) continue;
    ::sigaction(s, &sa, nullptr);
  }
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  ::sigaction(SIGPIPE, &ign, nullptr);
}

void disable_core_dumps() {
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct rlimit none {};
  ::setrlimit(RLIMIT_CORE, &none);
}

std::optional<Interrupted> interrupted(const Error* e) {
  const StopToken& token = process_stop_token();
  int signo = token.signal();
  if (signo <= 0) return std::nullopt;
  Error stopped = token.error();
  // The stop's own error carries the detail of whoever threw it (e.g. what
  // backup-fetch undid); any other error is what the stop surfaced as.
  std::string detail;
  if (e != nullptr) detail = e->code() == ErrorCode::Cancelled ? e->detail() : e->message();
  return Interrupted{Error(ErrorCode::Cancelled, stopped.message(), detail,
                           e != nullptr && e->code() == ErrorCode::Cancelled ? e->hint() : std::string()),
                     128 + signo};
}

}  // namespace wale::app
