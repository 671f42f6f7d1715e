// Runs one parsed subcommand. Returns the process exit status; throws
// wale::Error for failures (main maps them to exit codes).
#pragma once

#include <memory>
#include <string>

#include "app/cli.h"
#include "config/environment.h"
#include "config/settings.h"
#include "store/object_store.h"

namespace wale::app {

// What every command but `version` works with: run_command builds it (the
// settings resolved, the store made) and hands it to the command's handler,
// in commands.cpp or in a plugin (app/plugin.h).
struct Context {
  const Invocation& inv;
  const config::Environment& env;
  config::Settings settings;
  std::unique_ptr<store::ObjectStore> store;
};

// Writes `text` to standard output; throws Error{Io} when it cannot (a closed
// pipe: SIGPIPE is ignored, app/signals.h).
void write_stdout(const std::string& text);

int run_command(const Invocation& inv, const config::Environment& env);

}  // namespace wale::app
