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
  std::map<std::string, std::optional<std::string>> apply_envdir(const std::string& dir);

  // Value if set and non-empty.
  std::optional<std::string> get(std::string_view name) const;
  const std::map<std::string, std::string, std::less<>>& vars() const { return vars_; }

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

}  // namespace wale::config
