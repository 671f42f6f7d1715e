// Environment: the name=value settings wal-e reads, captured once in main()
// from the process environment and, optionally, a daemontools-style envdir
// (one file per variable; the file's first line is the value, NUL bytes
// become newlines, trailing spaces/tabs are removed; an empty file unsets the
// variable). Envdir values override the process environment, as `envdir` does.
// Immutable after construction; thread-safe to read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace wale::config {

class Environment {
 public:
  Environment() = default;
  explicit Environment(std::map<std::string, std::string, std::less<>> vars) : vars_(std::move(vars)) {}

  // The process environment (app/ only: nothing below app/ reads environ).
  static Environment from_process();
  // Applies an envdir over this environment; throws Error{Config} if dir is unreadable.
  // Returns the changes (name -> value, nullopt = unset) so that app/ can apply
  // them to the process too (libpq reads PGHOST etc. from there), as envdir does.
  // Remembers dir and the values read, for envdir_changed().
  std::map<std::string, std::optional<std::string>> apply_envdir(const std::string& dir);

  // For a resident process (wal-push-server): reads the envdir applied last
  // again and returns why it differs from the values in effect (a new,
  // rewritten or removed variable, or an unreadable directory), or nullopt
  // when it holds the same values or no envdir was applied. Compares contents,
  // not timestamps, so a change made between start-up and the first check is
  // noticed too. Does not throw; thread-safe (const).
  std::optional<std::string> envdir_changed() const;

  // Value if set and non-empty.
  std::optional<std::string> get(std::string_view name) const;
  const std::map<std::string, std::string, std::less<>>& vars() const { return vars_; }

 private:
  std::map<std::string, std::string, std::less<>> vars_;
  std::string envdir_;                                               // last applied envdir
  std::map<std::string, std::optional<std::string>> envdir_values_;  // what it held then
};

}  // namespace wale::config
