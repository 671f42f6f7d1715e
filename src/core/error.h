// wale::Error: the one exception type every module throws.
//
// Contract: code() says what kind of failure it is; message() is the one-line
// MSG an operator sees; detail() and hint() are optional DETAIL/HINT lines.
// Expected absence is not an error: functions return nullptr/std::nullopt for it.
// Thread safety: immutable after construction; safe to copy across threads.
#pragma once

#include <stdexcept>
#include <string>

namespace wale {

enum class ErrorCode {
  Usage,        // bad command line or argument value
  Config,       // missing or invalid setting (prefix, credentials, endpoint)
  NotFound,     // a named thing (backup, segment, file) does not exist
  Conflict,     // would overwrite something different (archived WAL, non-empty dir)
  Corrupt,      // stored data failed a format or checksum check
  Io,           // local file system failure
  Transient,    // remote failure worth retrying (5xx, reset, timeout)
  Remote,       // remote failure that retrying cannot fix (4xx)
  Postgres,     // server refused or connection failed
  Unsupported,  // recognised but not built
  Cancelled,    // stopped by a signal or by a sibling task's failure
  Internal,     // a bug: an invariant did not hold
};

const char* to_string(ErrorCode code) noexcept;

// True for failures that the retry policy may try again.
bool is_retryable(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::string detail = {}, std::string hint = {});

  ErrorCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& detail() const noexcept { return detail_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  ErrorCode code_;
  std::string message_;
  std::string detail_;
  std::string hint_;
};

// Throws Error{Io, "<what>: <strerror(errno_value)>"} with the path in DETAIL.
[[noreturn]] void throw_errno(const std::string& what, const std::string& path, int errno_value);

}  // namespace wale
