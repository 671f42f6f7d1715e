// Starts `wal-e ARGS...` (this same executable, /proc/self/exe) as a detached
// background process: double fork + setsid, stdin/stdout/stderr on /dev/null,
// so the caller (PostgreSQL's restore_command) never waits for it.
// The helper gets exactly call.environment (app/forwarding.h), not this
// process's environ, and this process's niceness plus call.nice_increment
// (set before exec, so every thread of the helper has it). Returns false if
// it could not be started (the caller carries on without it).
#pragma once

#include "app/forwarding.h"

namespace wale::app {

bool spawn_detached_self(const HelperCall& call);

}  // namespace wale::app
