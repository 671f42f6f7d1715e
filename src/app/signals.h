// Process set-up for signals and secrets, called first thing by main.
//
// Signals: SIGINT, SIGTERM, SIGHUP and SIGQUIT (PostgreSQL's immediate
// shutdown) get a handler that only records the signal in the process
// StopToken (core/stop_token.h: one lock-free atomic, async-signal-safe) and
// puts the default action back for all four, so a
// second signal kills at once if the first did not stop the command. The
// handler is installed without SA_RESTART: a blocking system call in the
// thread that takes the signal wakes with EINTR. Everything else does not
// depend on which thread the signal lands in: every loop that can last
// (TaskGroup, io::copy, the tar extractor, wait and retry sleeps, libcurl's
// progress callback) polls the token at least every ~100 ms and throws
// Error{Cancelled}, so stopping is ordinary exception unwinding and every
// destructor's cleanup runs. (A dedicated sigwait thread would need every
// signal blocked before any thread starts and unblocked again in each child
// before exec; a flag-setting handler needs neither.)
// SIGPIPE is ignored: a closed stdout or socket is an EPIPE error, not a silent death.
// libpq queries poll too (pg/connection.h) and are cancelled on a stop.
//
// Core dumps: the process is made non-dumpable (prctl PR_SET_DUMPABLE 0,
// which also keeps other users' ptrace and /proc/PID/mem out) and RLIMIT_CORE
// is set to 0, so credentials held in memory never reach a core file.
#pragma once

#include <optional>

#include "core/error.h"

namespace wale::app {

void install_signal_handlers();
void disable_core_dumps();

// When a stop was requested by a signal: the one error to print for the
// failure `e` that ended the command (whatever it is: a stopped transfer may
// surface as an I/O or remote error), and 128 + signo as exit code.
struct Interrupted {
  Error error;
  int exit_code;
};
std::optional<Interrupted> interrupted(const Error* e);

}  // namespace wale::app
