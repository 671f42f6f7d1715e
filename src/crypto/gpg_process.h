// GpgProcess: an io::Filter that runs the `gpg` program as a pipe stage.
//
// Bytes given to process() go to gpg's stdin; what gpg writes to stdout is
// appended to `out` as it arrives (stdin and stdout are pumped together with
// poll(), so a large input never deadlocks). finish() closes gpg's stdin,
// collects the rest of its output and waits for it: a non-zero exit throws
// Error{Corrupt} (decrypting: damaged data, MDC failure) or Error{Config}
// (no secret/public key, gpg missing) with gpg's last stderr line and the
// object's name. Decrypting, gpg's status lines (--status-fd 3) must also
// say DECRYPTION_OKAY and GOODMDC, else Error{Corrupt}: gpg exits 0 with no
// output for a message cut right after its session key packet, and with the
// damaged data of a message whose MDC failed if gpg.conf says
// "ignore-mdc-error". gpg is started with posix_spawnp (no shell, argv exactly as
// given, SIGPIPE at its default), its stdin is a socket written with
// MSG_NOSIGNAL, so a gpg that dies early is an error, not a SIGPIPE. The
// process inherits the environment (GNUPGHOME, GPG_AGENT_INFO) but for the
// variables it is told to hide (wal-e's credentials).
//
// Destroying an unfinished GpgProcess kills gpg (SIGKILL) and reaps it.
// Not thread-safe; one per stream. Polls the process StopToken while waiting.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "io/filter.h"
#include "io/unique_fd.h"

namespace wale::crypto {

class GpgProcess final : public io::Filter {
 public:
  enum class Mode { Encrypt, Decrypt };

  // Encrypt: `gpg --batch --no-tty -q --no-armor --no-textmode -e -z 0
  // --trust-model always -r <recipient>` (WAL-E's `gpg -e -z 0 -r KEYID`,
  // compression off: the data is compressed already; binary and unaltered
  // even if gpg.conf says "armor" or "textmode").
  // Decrypt: `gpg --batch --no-tty -q --status-fd 3 -d` with whatever secret
  // key the keyring/agent holds. `object` names the stored object in error
  // messages. `program` is the gpg executable (looked up in PATH). Throws
  // Error{Config} if it cannot be started.
  // `hidden_variables`: environment variables gpg does not get (credentials).
  GpgProcess(Mode mode, const std::string& recipient, std::string object, const std::string& program = "gpg",
             const std::vector<std::string>& hidden_variables = {});
  ~GpgProcess() override;
  GpgProcess(const GpgProcess&) = delete;
  GpgProcess& operator=(const GpgProcess&) = delete;

  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override;
  void finish(std::vector<std::byte>& out) override;

  // The argv a process of `mode` runs (for tests and docs).
  static std::vector<std::string> arguments(Mode mode, const std::string& recipient,
                                            const std::string& program = "gpg");

 private:
  // Moves bytes until `in` is written (and, with `to_eof`, until gpg closed
  // stdout and stderr). Returns false if gpg stopped reading its input.
  bool pump(std::span<const std::byte> in, std::vector<std::byte>& out, bool to_eof);
  [[noreturn]] void fail();
  [[noreturn]] void throw_failure(int exit_code);
  void status_line(const std::string& line);
  int wait_exit();

  Mode mode_;
  std::string object_;
  pid_t pid_ = -1;
  io::UniqueFd stdin_;
  io::UniqueFd stdout_;
  io::UniqueFd stderr_;
  std::string errors_;   // the tail of gpg's stderr
  io::UniqueFd status_;  // decrypting: gpg's --status-fd
  std::string status_partial_;
  bool decryption_okay_ = false;
  bool good_mdc_ = false;
  bool decryption_failed_ = false;
};

}  // namespace wale::crypto
