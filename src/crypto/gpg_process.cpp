#include "crypto/gpg_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "core/error.h"
#include "core/stop_token.h"

extern char** environ;

namespace wale::crypto {
namespace {

constexpr std::size_t kMaxStderr = 8192;
constexpr std::size_t kMaxStatusLine = 1024;  // longer lines are cut (none we look for is)

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    throw_errno("could not set up a pipe to gpg", "", errno);
}

// The last non-empty line of gpg's stderr.
std::string last_line(const std::string& text) {
  std::size_t end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) return {};
  std::size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end + 1 - start);
}

}  // namespace

std::vector<std::string> GpgProcess::arguments(Mode mode, const std::string& recipient, const std::string& program) {
  std::vector<std::string> a{program, "--batch", "--no-tty", "-q"};
  if (mode == Mode::Encrypt) {
    // Whatever gpg.conf says: --no-armor, binary OpenPGP ("armor" there would
    // store text that no reader of WAL-E's format recognises); --no-textmode,
    // the bytes as given ("textmode" rewrites their line endings).
    for (const char* s : {"--no-armor", "--no-textmode", "-e", "-z", "0", "--trust-model", "always", "-r"})
      a.emplace_back(s);
    a.push_back(recipient);
  } else {
    // gpg's status lines on fd 3: finish() needs DECRYPTION_OKAY (see status_line()).
    for (const char* s : {"--status-fd", "3", "-d"}) a.emplace_back(s);
  }
  return a;
}

GpgProcess::GpgProcess(Mode mode, const std::string& recipient, std::string object, const std::string& program,
                       const std::vector<std::string>& hidden_variables)
    : mode_(mode), object_(std::move(object)) {
  int in_pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0)
    throw_errno("could not create a socket for gpg", "", errno);
  io::UniqueFd child_in(in_pair[1]);
  stdin_.reset(in_pair[0]);
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw_errno("could not create a pipe for gpg", "", errno);
  io::UniqueFd child_out(out_pipe[1]);
  stdout_.reset(out_pipe[0]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw_errno("could not create a pipe for gpg", "", errno);
  io::UniqueFd child_err(err_pipe[1]);
  stderr_.reset(err_pipe[0]);
  io::UniqueFd child_status;
  if (mode == Mode::Decrypt) {
    int status_pipe[2];
    if (::pipe2(status_pipe, O_CLOEXEC) != 0) throw_errno("could not create a pipe for gpg", "", errno);
    child_status.reset(status_pipe[1]);
    status_.reset(status_pipe[0]);
  }

  std::vector<std::string> args = arguments(mode, recipient, program);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The environment but for the hidden variables (pointers into environ, read
  // here as posix_spawnp would read it).
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool hidden = false;
    for (const auto& h : hidden_variables) hidden = hidden || name == h;
    if (!hidden) envp.push_back(*e);
  }
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_in.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, child_out.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, child_err.get(), 2);
  // Last: its source is never one of 0..2, which are overwritten above.
  if (child_status) posix_spawn_file_actions_adddup2(&actions, child_status.get(), 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  int rc = ::posix_spawnp(&pid_, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pid_ = -1;
    throw Error(ErrorCode::Config, "could not run " + program + ": " + std::strerror(rc),
                "It was needed for the object " + object_ + ".",
                "Install GnuPG (Debian: gnupg) so that `" + program + "` is in PATH.");
  }
  set_nonblocking(stdin_.get());
  set_nonblocking(stdout_.get());
  set_nonblocking(stderr_.get());
  if (status_) set_nonblocking(status_.get());
}

GpgProcess::~GpgProcess() {
  if (pid_ > 0) {
    stdin_.reset();
    stdout_.reset();
    stderr_.reset();
    status_.reset();
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

bool GpgProcess::pump(std::span<const std::byte> in, std::vector<std::byte>& out, bool to_eof) {
  std::size_t off = 0;
  std::byte buf[65536];
  for (;;) {
    bool want_write = stdin_ && off < in.size();
    if (!want_write && !to_eof) return true;
    if (!want_write && !stdout_ && !stderr_ && !status_) return true;
    pollfd fds[4];
    nfds_t n = 0;
    int wi = -1, oi = -1, ei = -1, si = -1;
    if (want_write) {
      wi = static_cast<int>(n);
      fds[n++] = {stdin_.get(), POLLOUT, 0};
    }
    if (stdout_) {
      oi = static_cast<int>(n);
      fds[n++] = {stdout_.get(), POLLIN, 0};
    }
    if (stderr_) {
      ei = static_cast<int>(n);
      fds[n++] = {stderr_.get(), POLLIN, 0};
    }
    if (status_) {
      si = static_cast<int>(n);
      fds[n++] = {status_.get(), POLLIN, 0};
    }
    if (n == 0) return off >= in.size();
    int r = ::poll(fds, n, 200);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_errno("could not wait for gpg", "", errno);
    }
    process_stop_token().throw_if_requested();
    if (r == 0) continue;
    if (oi >= 0 && fds[oi].revents) {
      ssize_t got = ::read(stdout_.get(), buf, sizeof buf);
      if (got > 0) out.insert(out.end(), buf, buf + got);
      else if (got == 0 || (errno != EAGAIN && errno != EINTR)) stdout_.reset();
    }
    if (ei >= 0 && fds[ei].revents) {
      char text[4096];
      ssize_t got = ::read(stderr_.get(), text, sizeof text);
      if (got > 0) {
        errors_.append(text, static_cast<std::size_t>(got));
        if (errors_.size() > kMaxStderr) errors_.erase(0, errors_.size() - kMaxStderr);
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        stderr_.reset();
      }
    }
    if (si >= 0 && fds[si].revents) {
      char text[4096];
      ssize_t got = ::read(status_.get(), text, sizeof text);
      if (got > 0) {
        for (ssize_t i = 0; i < got; ++i) {
          if (text[i] == '\n') {
            status_line(status_partial_);
            status_partial_.clear();
          } else if (status_partial_.size() < kMaxStatusLine) {
            status_partial_ += text[i];
          }
        }
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        status_.reset();
      }
    }
    if (wi >= 0 && fds[wi].revents) {
      ssize_t put = ::send(stdin_.get(), in.data() + off, in.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (put > 0) {
        off += static_cast<std::size_t>(put);
      } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
        stdin_.reset();  // gpg stopped reading (it failed or exited)
        return false;
      }
    }
  }
}

void GpgProcess::status_line(const std::string& line) {
  // "[GNUPG:] DECRYPTION_OKAY": the session key decrypted the data; "GOODMDC":
  // its integrity check (MDC, or an AEAD tag) passed. gpg reports
  // DECRYPTION_OKAY without GOODMDC for a message that has no MDC or whose
  // MDC failed under "ignore-mdc-error". "DECRYPTION_FAILED" overrides both.
  if (line == "[GNUPG:] DECRYPTION_OKAY") decryption_okay_ = true;
  if (line == "[GNUPG:] GOODMDC") good_mdc_ = true;
  if (line.rfind("[GNUPG:] DECRYPTION_FAILED", 0) == 0) decryption_failed_ = true;
}

int GpgProcess::wait_exit() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) {
      pid_ = -1;
      return -1;
    }
  }
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void GpgProcess::fail() {
  stdin_.reset();
  std::vector<std::byte> ignored;
  pump({}, ignored, true);
  throw_failure(wait_exit());
}

void GpgProcess::throw_failure(int code) {
  std::string line = last_line(errors_);
  if (line.empty()) line = "gpg exited with status " + std::to_string(code);
  bool key_problem = line.find("No secret key") != std::string::npos ||
                     line.find("No public key") != std::string::npos ||
                     line.find("unusable public key") != std::string::npos || line.find("skipped") != std::string::npos;
  if (mode_ == Mode::Encrypt) {
    throw Error(ErrorCode::Config, "gpg could not encrypt " + object_ + ": " + line, {},
                "Check WALE_GPG_KEY_ID names a public key in the keyring of the user running wal-e (gpg --list-keys).");
  }
  throw Error(key_problem ? ErrorCode::Config : ErrorCode::Corrupt, "gpg could not decrypt " + object_ + ": " + line,
              {},
              key_problem ? "Import the secret key into the keyring of the user running wal-e and make sure gpg-agent "
                            "can use it without a prompt."
                          : "The stored object is damaged or is not OpenPGP data.");
}

void GpgProcess::process(std::span<const std::byte> in, std::vector<std::byte>& out) {
  if (pid_ < 0) throw Error(ErrorCode::Internal, "gpg filter used after it finished");
  if (!pump(in, out, false)) fail();
}

void GpgProcess::finish(std::vector<std::byte>& out) {
  if (pid_ < 0) throw Error(ErrorCode::Internal, "gpg filter used after it finished");
  stdin_.reset();
  pump({}, out, true);
  int code = wait_exit();
  if (code != 0) throw_failure(code);
  if (mode_ == Mode::Decrypt && (!decryption_okay_ || decryption_failed_)) {
    // gpg -d exits 0 with no output for a message cut right after its
    // session key packet: that is not an empty object.
    throw Error(ErrorCode::Corrupt, "gpg could not decrypt " + object_ + ": gpg did not report a complete decryption",
                "gpg exited 0 without DECRYPTION_OKAY: the OpenPGP message is truncated or holds no encrypted data.",
                "The stored object is damaged or is not OpenPGP data.");
  }
  if (mode_ == Mode::Decrypt && !good_mdc_) {
    throw Error(ErrorCode::Corrupt, "gpg could not verify the integrity of " + object_,
                "gpg decrypted it but did not report GOODMDC: its integrity check failed (and gpg.conf says "
                "\"ignore-mdc-error\"), or it has none.",
                "The stored object is damaged or was written without integrity protection; wal-e does not restore "
                "unprotected data.");
  }
}

}  // namespace wale::crypto
