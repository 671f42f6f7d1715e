// Runs one parsed subcommand. Returns the process exit status; throws
// wale::Error for failures (main maps them to exit codes).
#pragma once

#include "app/cli.h"
#include "config/environment.h"

namespace wale::app {

int run_command(const Invocation& inv, const config::Environment& env);

}  // namespace wale::app
