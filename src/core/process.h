// Whether another process still exists, for files that name their writer by
// pid (temporaries, push-ahead claims, postmaster.pid). Thread-safe; never
// throws.
#pragma once

namespace wale {

// True only when no process `pid` exists on this host (kill(pid, 0) fails
// with ESRCH); false for a live one, one of another user (EPERM), and pid <= 0.
// A pid may be reused: "false" is the safe answer (keep, or wait).
bool process_gone(long pid) noexcept;

}  // namespace wale
