/* io_fault_shim: an LD_PRELOAD library for the fault campaign
 * (scripts/fault-campaign.sh). It makes I/O on files under one directory fail
 * with an errno after a number of successful calls, as a failing disk would.
 *
 *   FAULT_SHIM_DIR=/abs/dir     files whose path starts with this are watched
 *   FAULT_SHIM_AFTER=N          the first N watched calls succeed, later ones fail
 *   FAULT_SHIM_OPS=write,fsync,read,unlink   which calls count (default write,fsync)
 *   FAULT_SHIM_ERRNO=EIO|ENOSPC (default EIO)
 *   FAULT_SHIM_LOG=/file        appends one line when the first fault is injected
 *
 * "write" covers write/pwrite/writev/pwritev, "fsync" fsync/fdatasync/syncfs,
 * "read" read/pread/readv/preadv, "unlink" unlink/unlinkat/rmdir/rename/renameat.
 * Descriptors are watched when opened (open/openat/creat and 64-bit variants)
 * with a path under FAULT_SHIM_DIR; relative openat paths are resolved through
 * /proc/self/fd. Calls glibc makes internally (e.g. inside fopen) are not seen. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FD 65536
static unsigned char watched[MAX_FD];
static char dir[4096];
static size_t dir_len;
static long after = -1;
static long calls;
static int fault_errno = EIO;
static int ops_write = 1, ops_fsync = 1, ops_read, ops_unlink;
static int logged;

__attribute__((constructor)) static void shim_init(void) {
  const char* d = getenv("FAULT_SHIM_DIR");
  const char* a = getenv("FAULT_SHIM_AFTER");
  const char* o = getenv("FAULT_SHIM_OPS");
  const char* e = getenv("FAULT_SHIM_ERRNO");
  if (d && *d) {
    snprintf(dir, sizeof dir, "%s", d);
    dir_len = strlen(dir);
    while (dir_len > 1 && dir[dir_len - 1] == '/') dir[--dir_len] = 0;
  }
  if (a) after = atol(a);
  if (o) {
    ops_write = strstr(o, "write") != NULL;
    ops_fsync = strstr(o, "fsync") != NULL;
    ops_read = strstr(o, "read") != NULL;
    ops_unlink = strstr(o, "unlink") != NULL;
  }
  if (e && strcmp(e, "ENOSPC") == 0) fault_errno = ENOSPC;
}

static int under_dir(const char* path) {
  if (!dir_len || !path) return 0;
  return strncmp(path, dir, dir_len) == 0 && (path[dir_len] == '/' || path[dir_len] == 0);
}

static int at_under_dir(int dirfd, const char* path) {
  if (!path) return 0;
  if (path[0] == '/' ) return under_dir(path);
  char link[64], base[4096], full[8192];
  if (dirfd == AT_FDCWD) {
    if (!getcwd(base, sizeof base)) return 0;
  } else {
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(link, base, sizeof base - 1);
    if (n < 0) return 0;
    base[n] = 0;
  }
  snprintf(full, sizeof full, "%s/%s", base, path);
  return under_dir(full);
}

/* 1 when this watched call must fail. */
static int inject(void) {
  if (after < 0) return 0;
  long n = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
  if (n <= after) return 0;
  if (!__atomic_exchange_n(&logged, 1, __ATOMIC_SEQ_CST)) {
    const char* l = getenv("FAULT_SHIM_LOG");
    if (l) {
      int (*real_open)(const char*, int, ...) = dlsym(RTLD_NEXT, "open");
      ssize_t (*real_write)(int, const void*, size_t) = dlsym(RTLD_NEXT, "write");
      int fd = real_open(l, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
      if (fd >= 0) {
        char msg[128];
        int m = snprintf(msg, sizeof msg, "injected %s after %ld calls pid %d\n",
                         fault_errno == EIO ? "EIO" : "ENOSPC", after, (int)getpid());
        real_write(fd, msg, (size_t)m);
        close(fd);
      }
    }
  }
  return 1;
}

static int fd_watched(int fd) { return fd >= 0 && fd < MAX_FD && watched[fd]; }
static void mark(int fd, int on) { if (fd >= 0 && fd < MAX_FD) watched[fd] = (unsigned char)on; }

#define REAL(ret, name, ...) \
  static ret (*real_##name)(__VA_ARGS__); \
  if (!real_##name) real_##name = dlsym(RTLD_NEXT, #name)

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | __O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char* path, int flags, ...) {
  REAL(int, open, const char*, int, ...);
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  int fd = real_open(path, flags, m);
  mark(fd, under_dir(path));
  return fd;
}
int open64(const char* path, int flags, ...) {
  REAL(int, open64, const char*, int, ...);
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  int fd = real_open64(path, flags, m);
  mark(fd, under_dir(path));
  return fd;
}
int openat(int dfd, const char* path, int flags, ...) {
  REAL(int, openat, int, const char*, int, ...);
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  int fd = real_openat(dfd, path, flags, m);
  if (fd >= 0) mark(fd, at_under_dir(dfd, path));
  return fd;
}
int openat64(int dfd, const char* path, int flags, ...) {
  REAL(int, openat64, int, const char*, int, ...);
  va_list ap; va_start(ap, flags); mode_t m = mode_arg(flags, ap); va_end(ap);
  int fd = real_openat64(dfd, path, flags, m);
  if (fd >= 0) mark(fd, at_under_dir(dfd, path));
  return fd;
}
int creat(const char* path, mode_t m) { return open(path, O_WRONLY | O_CREAT | O_TRUNC, m); }
int creat64(const char* path, mode_t m) { return open(path, O_WRONLY | O_CREAT | O_TRUNC, m); }
int close(int fd) {
  REAL(int, close, int);
  mark(fd, 0);
  return real_close(fd);
}

#define FAIL_IF(cond) do { if ((cond) && inject()) { errno = fault_errno; return -1; } } while (0)

ssize_t write(int fd, const void* b, size_t n) {
  REAL(ssize_t, write, int, const void*, size_t);
  FAIL_IF(ops_write && fd_watched(fd));
  return real_write(fd, b, n);
}
ssize_t pwrite(int fd, const void* b, size_t n, off_t o) {
  REAL(ssize_t, pwrite, int, const void*, size_t, off_t);
  FAIL_IF(ops_write && fd_watched(fd));
  return real_pwrite(fd, b, n, o);
}
ssize_t pwrite64(int fd, const void* b, size_t n, off_t o) {
  REAL(ssize_t, pwrite64, int, const void*, size_t, off_t);
  FAIL_IF(ops_write && fd_watched(fd));
  return real_pwrite64(fd, b, n, o);
}
ssize_t writev(int fd, const struct iovec* v, int c) {
  REAL(ssize_t, writev, int, const struct iovec*, int);
  FAIL_IF(ops_write && fd_watched(fd));
  return real_writev(fd, v, c);
}
ssize_t pwritev(int fd, const struct iovec* v, int c, off_t o) {
  REAL(ssize_t, pwritev, int, const struct iovec*, int, off_t);
  FAIL_IF(ops_write && fd_watched(fd));
  return real_pwritev(fd, v, c, o);
}
ssize_t read(int fd, void* b, size_t n) {
  REAL(ssize_t, read, int, void*, size_t);
  FAIL_IF(ops_read && fd_watched(fd));
  return real_read(fd, b, n);
}
ssize_t pread(int fd, void* b, size_t n, off_t o) {
  REAL(ssize_t, pread, int, void*, size_t, off_t);
  FAIL_IF(ops_read && fd_watched(fd));
  return real_pread(fd, b, n, o);
}
ssize_t pread64(int fd, void* b, size_t n, off_t o) {
  REAL(ssize_t, pread64, int, void*, size_t, off_t);
  FAIL_IF(ops_read && fd_watched(fd));
  return real_pread64(fd, b, n, o);
}
ssize_t readv(int fd, const struct iovec* v, int c) {
  REAL(ssize_t, readv, int, const struct iovec*, int);
  FAIL_IF(ops_read && fd_watched(fd));
  return real_readv(fd, v, c);
}
int fsync(int fd) {
  REAL(int, fsync, int);
  FAIL_IF(ops_fsync && fd_watched(fd));
  return real_fsync(fd);
}
int fdatasync(int fd) {
  REAL(int, fdatasync, int);
  FAIL_IF(ops_fsync && fd_watched(fd));
  return real_fdatasync(fd);
}
int syncfs(int fd) {
  REAL(int, syncfs, int);
  FAIL_IF(ops_fsync && fd_watched(fd));
  return real_syncfs(fd);
}
int unlink(const char* p) {
  REAL(int, unlink, const char*);
  FAIL_IF(ops_unlink && under_dir(p));
  return real_unlink(p);
}
int unlinkat(int dfd, const char* p, int fl) {
  REAL(int, unlinkat, int, const char*, int);
  FAIL_IF(ops_unlink && at_under_dir(dfd, p));
  return real_unlinkat(dfd, p, fl);
}
int rmdir(const char* p) {
  REAL(int, rmdir, const char*);
  FAIL_IF(ops_unlink && under_dir(p));
  return real_rmdir(p);
}
int remove(const char* p) {
  REAL(int, remove, const char*);
  FAIL_IF(ops_unlink && under_dir(p));
  return real_remove(p);
}
int rename(const char* a, const char* b) {
  REAL(int, rename, const char*, const char*);
  FAIL_IF(ops_unlink && (under_dir(a) || under_dir(b)));
  return real_rename(a, b);
}
