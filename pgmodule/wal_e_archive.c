/*
 * wal_e_archive: a PostgreSQL 15+ archive module (archive_library) that hands
 * each WAL file to a resident `wal-e wal-push-server` over a Unix socket, so
 * that a busy server archives without starting a process per segment.
 * See docs/archive-module.md.
 *
 * Contract with PostgreSQL's archiver: archive_file_cb returns true only when
 * the server answered "OK" (the file is durably stored, exactly as a wal-push
 * exit 0). Every failure -- no server, a server that dies mid-request, an
 * "ERR" answer, no answer within wal_e.timeout -- is reported with
 * ereport(WARNING) and returns false, so PostgreSQL keeps the .ready file and
 * retries later. The callback never raises ERROR/FATAL, starts no threads and
 * blocks at most wal_e.timeout seconds (checking the postmaster every second).
 *
 * The server: with wal_e.command set, the module starts
 *   /bin/sh -c 'exec <wal_e.command> wal-push-server <socket>'
 * as a child of the archiver when nobody answers on the socket (first use,
 * or after the server died), with the archiver's working directory (the
 * data directory), stderr (PostgreSQL's log) and environment. The child gets
 * SIGTERM when the archiver exits (PR_SET_PDEATHSIG) and from shutdown_cb;
 * it is reaped with waitpid before each request. A changed wal_e.command
 * (after a reload) restarts it; a cleared one stops it. Without wal_e.command, the module only
 * connects to wal_e.socket (a server the operator runs).
 */
#include "postgres.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "postmaster/interrupt.h"
#if PG_VERSION_NUM >= 160000
#include "archive/archive_module.h"
#else
#include "postmaster/pgarch.h"
#endif
#include "storage/pmsignal.h"
#include "utils/guc.h"
#include "utils/pidfile.h"

PG_MODULE_MAGIC;

#define DEFAULT_SOCKET "pg_wal/.wal-e/archive.sock"
#define START_TIMEOUT_MS 30000

static char *wale_command = NULL;
static char *wale_socket = NULL;
static int	wale_timeout = 300;

static pid_t server_pid = 0;
static char started_command[4096];	/* wal_e.command the running child got */

static bool wale_check_configured(void);
static bool wale_archive_file(const char *file, const char *path);
static void wale_shutdown(void);

void
_PG_init(void)
{
	DefineCustomStringVariable("wal_e.command",
							   "wal-e command (binary and global options such as --envdir) that the module starts as "
							   "\"<command> wal-push-server <socket>\".",
							   "Empty: only connect to wal_e.socket, a server run by the operator.",
							   &wale_command, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("wal_e.socket",
							   "Unix socket of the wal-e wal-push-server.",
							   "Relative paths are relative to the data directory. Empty: " DEFAULT_SOCKET ".",
							   &wale_socket, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("wal_e.timeout",
							"Seconds to wait for one WAL file to be archived before reporting failure "
							"(PostgreSQL retries later).",
							NULL, &wale_timeout, 300, 1, 86400, PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	MarkGUCPrefixReserved("wal_e");
}

#if PG_VERSION_NUM >= 160000
/*
 * PostgreSQL 16 passes a state (unused here: the module's state is the
 * server's pid) and takes the callbacks as a returned constant.
 * NOTE: built and tested only against PostgreSQL 15 in this repository.
 */
static bool
wale_check_configured_v16(ArchiveModuleState *state)
{
	(void) state;
	return wale_check_configured();
}

static bool
wale_archive_file_v16(ArchiveModuleState *state, const char *file, const char *path)
{
	(void) state;
	return wale_archive_file(file, path);
}

static void
wale_shutdown_v16(ArchiveModuleState *state)
{
	(void) state;
	wale_shutdown();
}

static const ArchiveModuleCallbacks wale_callbacks = {
	.startup_cb = NULL,
	.check_configured_cb = wale_check_configured_v16,
	.archive_file_cb = wale_archive_file_v16,
	.shutdown_cb = wale_shutdown_v16,
};

const ArchiveModuleCallbacks *
_PG_archive_module_init(void)
{
	return &wale_callbacks;
}
#else
void
_PG_archive_module_init(ArchiveModuleCallbacks *cb)
{
	cb->check_configured_cb = wale_check_configured;
	cb->archive_file_cb = wale_archive_file;
	cb->shutdown_cb = wale_shutdown;
}
#endif

static const char *
socket_path(void)
{
	return (wale_socket != NULL && wale_socket[0] != '\0') ? wale_socket : DEFAULT_SOCKET;
}

static bool
wale_check_configured(void)
{
	return (wale_command != NULL && wale_command[0] != '\0') ||
		(wale_socket != NULL && wale_socket[0] != '\0');
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * True once PostgreSQL is shutting down. The archiver is not sent SIGTERM by
 * a fast or smart shutdown: it gets SIGUSR2 and runs a last archiving cycle,
 * retrying each failed file. The postmaster marks its postmaster.pid
 * "stopping" (line LOCK_FILE_LINE_PM_STATUS) when the shutdown begins; the
 * archiver's working directory is the data directory.
 */
static bool
shutting_down(void)
{
	FILE	   *f;
	char		line[256];
	int			n = 0;
	bool		stopping = false;

	if (ShutdownRequestPending)
		return true;
	f = fopen("postmaster.pid", "r");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
	{
		if (++n == LOCK_FILE_LINE_PM_STATUS)
		{
			stopping = strncmp(line, PM_STATUS_STOPPING, strlen(PM_STATUS_STOPPING)) == 0;
			break;
		}
	}
	fclose(f);
	return stopping;
}

/* Reaps the child if it exited; logs how. */
static void
reap_server(void)
{
	int			status;

	if (server_pid <= 0)
		return;
	if (waitpid(server_pid, &status, WNOHANG) == server_pid)
	{
		if (WIFSIGNALED(status))
			ereport(LOG, (errmsg("wal_e_archive: wal-e server (pid %d) was terminated by signal %d",
								 (int) server_pid, WTERMSIG(status))));
		else
			ereport(LOG, (errmsg("wal_e_archive: wal-e server (pid %d) exited with status %d",
								 (int) server_pid, WEXITSTATUS(status))));
		server_pid = 0;
	}
}

/* SIGTERM, then SIGKILL after 5 s; waits for the child. */
static void
stop_server(void)
{
	long		deadline;

	if (server_pid <= 0)
		return;
	kill(server_pid, SIGTERM);
	deadline = now_ms() + 5000;
	while (server_pid > 0)
	{
		pid_t		r = waitpid(server_pid, NULL, WNOHANG);

		if (r == server_pid || (r < 0 && errno == ECHILD))
		{
			server_pid = 0;
			break;
		}
		if (now_ms() >= deadline)
		{
			kill(server_pid, SIGKILL);
			waitpid(server_pid, NULL, 0);
			server_pid = 0;
			break;
		}
		pg_usleep(10000);
	}
}

/*
 * A connected (blocking) socket, or -1 with errno set. The connect itself does
 * not block: a blocking connect() waits without bound, restarted after every
 * signal, while the listener's backlog is full (a server that stopped
 * accepting, e.g. frozen, still holding the connections of earlier timed-out
 * requests). On a Unix socket a non-blocking connect() connects or fails at
 * once (EAGAIN: the backlog is full).
 */
static int
connect_server(const char *path)
{
	struct sockaddr_un addr;
	int			fd;
	int			rc;
	int			flags;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path))
	{
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	do
		rc = connect(fd, (struct sockaddr *) &addr, sizeof(addr));
	while (rc != 0 && errno == EINTR);
	if (rc != 0 && errno == EISCONN)
		rc = 0;					/* connected by the interrupted call */
	if (rc == 0 && ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0))
		rc = -1;
	if (rc != 0)
	{
		int			save = errno;

		close(fd);
		errno = save;
		return -1;
	}
	return fd;
}

/* Appends `s` single-quoted for /bin/sh. */
static void
append_quoted(StringInfo buf, const char *s)
{
	appendStringInfoChar(buf, '\'');
	for (; *s; s++)
	{
		if (*s == '\'')
			appendStringInfoString(buf, "'\\''");
		else
			appendStringInfoChar(buf, *s);
	}
	appendStringInfoChar(buf, '\'');
}

/* Starts the server as our child; false (and a WARNING) if fork failed. */
static bool
start_server(const char *sock)
{
	StringInfoData cmd;
	pid_t		parent = getpid();
	pid_t		pid;

	if (strlen(wale_command) >= sizeof(started_command))
	{
		ereport(WARNING, (errmsg("wal_e_archive: wal_e.command is too long")));
		return false;
	}
	initStringInfo(&cmd);
	appendStringInfo(&cmd, "exec %s wal-push-server ", wale_command);
	append_quoted(&cmd, sock);

	fflush(NULL);
	pid = fork();
	if (pid < 0)
	{
		ereport(WARNING, (errmsg("wal_e_archive: could not start the wal-e server: %m")));
		pfree(cmd.data);
		return false;
	}
	if (pid == 0)
	{
		/* Child: only async-signal-safe calls until exec, and _exit. */
		sigset_t	none;
		int			devnull;
		int			sig;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
			_exit(1);
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0 && devnull != 0)
		{
			dup2(devnull, 0);
			close(devnull);
		}
		dup2(2, 1);				/* wal-e's output goes to PostgreSQL's log */
		/* PostgreSQL's descriptors stay with PostgreSQL (close_range needs Linux 5.9). */
#ifdef SYS_close_range
		if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
			for (sig = 3; sig < 65536; sig++)
				close(sig);
		execl("/bin/sh", "sh", "-c", cmd.data, (char *) NULL);
		_exit(127);
	}
	server_pid = pid;
	strcpy(started_command, wale_command);
	ereport(LOG, (errmsg("wal_e_archive: started wal-e server (pid %d): %s", (int) pid, cmd.data)));
	pfree(cmd.data);
	return true;
}

/*
 * A connection to the server, starting it if needed and allowed; -1 after a
 * WARNING if there is none within START_TIMEOUT_MS.
 */
static int
get_connection(void)
{
	const char *sock = socket_path();
	bool		can_start = wale_command != NULL && wale_command[0] != '\0';
	bool		started = false;
	long		deadline;
	int			fd;

	reap_server();
	if (server_pid > 0 && (!can_start || strcmp(started_command, wale_command) != 0))
	{
		ereport(LOG, (errmsg(can_start ? "wal_e_archive: wal_e.command changed, restarting the wal-e server"
							 : "wal_e_archive: wal_e.command was cleared, stopping the wal-e server it started")));
		stop_server();
	}
	fd = connect_server(sock);
	if (fd >= 0)
		return fd;
	if (errno == EAGAIN)
	{
		ereport(WARNING,
				(errmsg("wal_e_archive: the wal-e server at \"%s\" accepts no connections", sock),
				 errdetail("Its queue of connections is full: it is frozen or overloaded. PostgreSQL will try again.")));
		return -1;
	}
	if (!can_start || (errno != ENOENT && errno != ECONNREFUSED))
	{
		ereport(WARNING,
				(errmsg("wal_e_archive: could not connect to the wal-e server at \"%s\": %m", sock),
				 can_start ? 0 : errhint("Start \"wal-e wal-push-server %s\", or set wal_e.command.", sock)));
		return -1;
	}
	/*
	 * Start a server unless ours is still running (starting up, or finishing
	 * its last requests before a restart): then wait for it to listen or exit.
	 */
	deadline = now_ms() + START_TIMEOUT_MS;
	for (;;)
	{
		reap_server();
		if (server_pid <= 0)
		{
			if (started)
			{
				ereport(WARNING, (errmsg("wal_e_archive: the wal-e server exited before accepting requests"),
								  errhint("Its error is in the log above; check wal_e.command.")));
				return -1;
			}
			if (!start_server(sock))
				return -1;
			started = true;
		}
		fd = connect_server(sock);
		if (fd >= 0)
			return fd;
		if (shutting_down())
		{
			/*
			 * The last cycle before shutdown: a server that is not listening
			 * yet would hold it up START_TIMEOUT_MS per attempt, for minutes.
			 * The file stays .ready for the next start.
			 */
			ereport(WARNING, (errmsg("wal_e_archive: stopped waiting for the wal-e server to listen on \"%s\": "
									 "PostgreSQL is shutting down", sock)));
			return -1;
		}
		if (now_ms() >= deadline || !PostmasterIsAlive())
		{
			ereport(WARNING, (errmsg("wal_e_archive: the wal-e server did not start listening on \"%s\" in %d s",
									 sock, START_TIMEOUT_MS / 1000)));
			stop_server();
			return -1;
		}
		pg_usleep(20000);
	}
}

static bool
wale_archive_file(const char *file, const char *path)
{
	StringInfoData req;
	char		reply[4096];
	size_t		got = 0;
	size_t		sent = 0;
	long		deadline;
	int			fd;
	bool		ok = false;

	fd = get_connection();
	if (fd < 0)
		return false;

	initStringInfo(&req);
	appendStringInfoString(&req, "push ");
	if (path[0] != '/')
		appendStringInfo(&req, "%s/", DataDir);
	appendStringInfo(&req, "%s\n", path);

	deadline = now_ms() + (long) wale_timeout * 1000;
	while (sent < (size_t) req.len)
	{
		ssize_t		n = send(fd, req.data + sent, req.len - sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			ereport(WARNING, (errmsg("wal_e_archive: could not send the request for \"%s\" to the wal-e server: %m",
									 file)));
			goto done;
		}
		sent += (size_t) n;
	}

	while (got < sizeof(reply) - 1)
	{
		struct pollfd p;
		int			r;
		ssize_t		n;
		char	   *nl;

		if (now_ms() >= deadline)
		{
			ereport(WARNING, (errmsg("wal_e_archive: the wal-e server did not archive \"%s\" within %d s",
									 file, wale_timeout),
							  errdetail("PostgreSQL will try again; raise wal_e.timeout if uploads are slow.")));
			goto done;
		}
		if (!PostmasterIsAlive())
			goto done;
		if (ShutdownRequestPending)
		{
			/* The archiver was told to exit (SIGTERM): the file stays .ready for next time. */
			ereport(LOG, (errmsg("wal_e_archive: stopped waiting for \"%s\": the archiver is shutting down", file)));
			goto done;
		}
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		r = poll(&p, 1, 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
		{
			ereport(WARNING, (errmsg("wal_e_archive: could not wait for the wal-e server: %m")));
			goto done;
		}
		if (r == 0)
			continue;
		n = recv(fd, reply + got, sizeof(reply) - 1 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			ereport(WARNING,
					(errmsg("wal_e_archive: the wal-e server closed the connection before archiving \"%s\"", file),
					 errdetail("The server may have died; it is restarted on the next attempt.")));
			goto done;
		}
		got += (size_t) n;
		reply[got] = '\0';
		nl = strchr(reply, '\n');
		if (nl == NULL)
			continue;
		*nl = '\0';
		if (strncmp(reply, "OK", 2) == 0 && (reply[2] == '\0' || reply[2] == ' '))
		{
			ereport(DEBUG1, (errmsg("wal_e_archive: archived \"%s\" (%s)", file, reply)));
			ok = true;
		}
		else if (strncmp(reply, "ERR ", 4) == 0)
			ereport(WARNING, (errmsg("wal_e_archive: wal-e could not archive \"%s\": %s", file, reply + 4)));
		else
			ereport(WARNING, (errmsg("wal_e_archive: unexpected answer from the wal-e server: \"%s\"", reply)));
		goto done;
	}
	ereport(WARNING, (errmsg("wal_e_archive: the wal-e server's answer is too long")));

done:
	close(fd);
	pfree(req.data);
	return ok;
}

static void
wale_shutdown(void)
{
	stop_server();
}
