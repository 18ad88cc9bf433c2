// SPDX-License-Identifier: GPL-2.0-only
/*
 * fkt_guest_init - PID 1 of the initramfs fpu-kvm-testgen boots a kernel under test with
 *
 * It mounts the pseudo file systems, loads the plan's modules, runs each of the plan's test
 * binaries in its own session with a per-case timeout and streams their output, framed by
 * "fkt-init: ..." protocol lines, to the data channel (a second serial port), then powers off.
 * Run with a pid other than 1 (host test mode) it takes the plan path as its argument, mounts
 * nothing, loads no module and exits instead of powering off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define GUEST_PLAN		"/fkt/plan"
#define GUEST_BASE		"/fkt"
#define MODULE_INIT_COMPRESSED	4
#define TICK_MS			100
#define KILL_GRACE_MS		2000
#define KMSG_RECORD_MAX		16384
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static int host_mode;
static int data_fd = STDOUT_FILENO;
static int data_at_line_start = 1;
static int kmsg_fd = -1;
static long case_timeout_ms;
/* The module, require-kvm and exec lines in plan order, each split into NULL-terminated words. */
static char ***steps;
static int nr_steps;

struct name { int value; const char *name; };

/* The errnos a module load, an open or an exec can plausibly fail with. */
static const struct name errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" }, { EIO, "EIO" },
	{ ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" },
	{ EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" },
	{ ETXTBSY, "ETXTBSY" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { ENOSYS, "ENOSYS" }, { ELOOP, "ELOOP" },
	{ ENOPKG, "ENOPKG" }, { EBADMSG, "EBADMSG" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EKEYREJECTED, "EKEYREJECTED" }, { ENOKEY, "ENOKEY" }, { EKEYEXPIRED, "EKEYEXPIRED" },
	{ ELIBBAD, "ELIBBAD" },
};

static const struct name signal_names[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" }, { SIGILL, "SIGILL" },
	{ SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" }, { SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" },
	{ SIGKILL, "SIGKILL" }, { SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" },
	{ SIGUSR2, "SIGUSR2" }, { SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" },
	{ SIGTERM, "SIGTERM" }, { SIGSTKFLT, "SIGSTKFLT" }, { SIGCHLD, "SIGCHLD" },
	{ SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" }, { SIGTSTP, "SIGTSTP" },
	{ SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" }, { SIGURG, "SIGURG" },
	{ SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" }, { SIGVTALRM, "SIGVTALRM" },
	{ SIGPROF, "SIGPROF" }, { SIGWINCH, "SIGWINCH" }, { SIGIO, "SIGIO" }, { SIGPWR, "SIGPWR" },
	{ SIGSYS, "SIGSYS" },
};

/* A table's name for value, or the number itself (in a static buffer) when it has none. */
static const char *lookup(const struct name *table, size_t len, int value)
{
	static char number[16];
	size_t i;

	for (i = 0; i < len; i++)
		if (table[i].value == value)
			return table[i].name;
	snprintf(number, sizeof(number), "%d", value);
	return number;
}

static const char *errno_name(int err)
{
	return lookup(errno_names, ARRAY_SIZE(errno_names), err);
}

static const char *signal_name(int sig)
{
	return lookup(signal_names, ARRAY_SIZE(signal_names), sig);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* nowhere else to report it */
		buf += n;
		len -= n;
	}
}

/* Everything on the data channel goes through here, so we know whether a line is open. */
static void emit(const char *buf, size_t len)
{
	if (!len)
		return;
	write_all(data_fd, buf, len);
	data_at_line_start = buf[len - 1] == '\n';
}

/* One protocol line, always starting on a fresh line: the host parser matches whole lines. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char line[KMSG_RECORD_MAX + 64];
	va_list ap;
	int len;

	if (!data_at_line_start)
		emit("\n", 1);
	len = snprintf(line, sizeof(line), "fkt-init: ");
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	emit(line, len);
}

/*
 * The UART sends from the tty buffer after write() returns: a power-off or a panic before it is
 * empty cuts the last lines (seen under TCG on a loaded host).
 */
static void drain_data(void)
{
	if (isatty(data_fd))
		tcdrain(data_fd);
}

/* PID 1 must never exit (the kernel panics); the host test mode just ends. */
static void __attribute__((noreturn)) finish(int status)
{
	if (host_mode)
		exit(status);
	drain_data();
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void __attribute__((noreturn, format(printf, 1, 2))) fatal(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	say("fatal %s", what);
	finish(1);
}

static char mount_error[128];

static void mount_one(const char *source, const char *target, const char *type,
		      const char *options)
{
	if (mkdir(target, 0755) && errno != EEXIST && !mount_error[0])
		snprintf(mount_error, sizeof(mount_error), "mkdir %s: %s", target,
			 errno_name(errno));
	if (mount(source, target, type, 0, options) && errno != EBUSY && !mount_error[0])
		snprintf(mount_error, sizeof(mount_error), "mount %s: %s", target,
			 errno_name(errno));
}

static void mount_all(void)
{
	mount_one("proc", "/proc", "proc", NULL);
	mount_one("sysfs", "/sys", "sysfs", NULL);
	mount_one("devtmpfs", "/dev", "devtmpfs", NULL);
	mount_one("tmpfs", "/dev/shm", "tmpfs", "mode=1777");
	mount_one("tmpfs", "/tmp", "tmpfs", "mode=1777");
}

/* Without /dev/console in the initramfs the kernel starts us with no stdio at all. */
static void ensure_stdio(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* A whole file as a string, or NULL with errno set. */
static char *read_file(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	for (;;) {
		if (buf && cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		if (!buf) {
			close(fd);
			errno = ENOMEM;
			return NULL;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* Splits one line on single spaces, in place; an empty word (two spaces) is an error. */
static char **split_words(char *line)
{
	char **words, *p;
	int n = 1, i = 0;

	for (p = line; *p; p++)
		n += *p == ' ';
	words = calloc(n + 1, sizeof(*words));
	if (!words)
		return NULL;
	for (p = line; ; p++) {
		if (*p != ' ' && *p)
			continue;
		words[i++] = line;
		if (p == line)
			return NULL;
		if (!*p)
			return words;
		*p = '\0';
		line = p + 1;
	}
}

static int count_words(char **words)
{
	int n = 0;

	while (words[n])
		n++;
	return n;
}

static void parse_plan(char *text, const char **data)
{
	char *line, *next, **words, *end;
	int lineno = 0, n;

	for (line = text; line && *line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line || *line == '#')
			continue;
		words = split_words(line);
		if (!words)
			fatal("plan line %d: empty word", lineno);
		n = count_words(words);
		if (!strcmp(words[0], "data") && n == 2) {
			*data = words[1];
		} else if (!strcmp(words[0], "case-timeout") && n == 2) {
			errno = 0;
			case_timeout_ms = strtol(words[1], &end, 10) * 1000;
			if (errno || *end || case_timeout_ms < 0)
				fatal("plan line %d: bad case-timeout %s", lineno, words[1]);
		} else if ((!strcmp(words[0], "module") && n == 2) ||
			   (!strcmp(words[0], "require-kvm") && n == 1) ||
			   (!strcmp(words[0], "exec") && n >= 3)) {
			steps = realloc(steps, (nr_steps + 1) * sizeof(*steps));
			if (!steps)
				fatal("out of memory");
			steps[nr_steps++] = words;
		} else {
			fatal("plan line %d: bad directive %s", lineno, words[0]);
		}
	}
}

static void open_data(const char *path)
{
	struct termios tio;
	int fd;

	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		fatal("cannot open data %s: %s", path, errno_name(errno));
	/* A cooked tty would turn \n into \r\n and eat control characters. */
	if (isatty(fd) && !tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	data_fd = fd;
}

/* Only records produced while we run are reported. */
static void open_kmsg(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

static int kmsg_trouble(int level, const char *text)
{
	return level <= 4 || strstr(text, "WARNING:") || strstr(text, "BUG:") ||
	       strstr(text, "Oops") || strstr(text, "general protection");
}

/* Each read() of /dev/kmsg is one record: "prio,seq,ts,flags;text\n" plus dictionary lines. */
static void report_kmsg(void)
{
	static char record[KMSG_RECORD_MAX];
	char *text, *eol;
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	for (;;) {
		n = read(kmsg_fd, record, sizeof(record) - 1);
		if (n < 0 && (errno == EPIPE || errno == EINTR))
			continue;	/* EPIPE: records were overwritten; go on with the next */
		if (n <= 0)
			return;
		record[n] = '\0';
		text = strchr(record, ';');
		if (!text)
			continue;
		text++;
		eol = strchr(text, '\n');
		if (eol)
			*eol = '\0';
		/* The prio field also holds the facility; the level is its low 3 bits. */
		if (kmsg_trouble(atoi(record) & 7, text))
			say("kmsg %s", text);
	}
}

static void load_module(char **words)
{
	const char *path = words[1], *name = strrchr(path, '/');
	size_t len = strlen(path);
	int fd, flags = 0;

	name = name ? name + 1 : path;
	if (host_mode) {
		say("module %s skipped", name);
		return;
	}
	/* The kernel decompresses these itself (CONFIG_MODULE_DECOMPRESS) when told so. */
	if ((len > 3 && !strcmp(path + len - 3, ".xz")) ||
	    (len > 3 && !strcmp(path + len - 3, ".gz")) ||
	    (len > 4 && !strcmp(path + len - 4, ".zst")))
		flags = MODULE_INIT_COMPRESSED;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", flags)) {
		say("module %s error=%s", name, errno_name(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	say("module %s ok", name);
}

static void require_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return;
	}
	say("no-kvm %s", errno_name(errno));
	say("done");
	finish(0);
}

/* The taint flags as a decimal number, or "-" when they cannot be read. */
static void read_tainted(char *buf, size_t len)
{
	char *text = read_file("/proc/sys/kernel/tainted");
	size_t n;

	snprintf(buf, len, "-");
	if (!text)
		return;
	n = strspn(text, "0123456789");
	if (n && n < len) {
		memcpy(buf, text, n);
		buf[n] = '\0';
	}
	free(text);
}

static void __attribute__((noreturn)) run_child(char **argv, int out)
{
	int null = open("/dev/null", O_RDONLY);

	setsid();
	signal(SIGPIPE, SIG_DFL);
	if (null >= 0 && null != STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	if (out > STDERR_FILENO)
		close(out);
	execv(argv[0], argv);
	dprintf(STDOUT_FILENO, "fkt-init: cannot exec %s: %s\n", argv[0], errno_name(errno));
	_exit(127);
}

/* Sees the output a byte at a time so a result line split over two reads still counts. */
struct result_tracker {
	char head[8];
	int len;	/* bytes of the current line kept in head, at most 7 */
};

static int saw_result(struct result_tracker *t, const char *buf, size_t n)
{
	int found = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			t->len = 0;
			continue;
		}
		if (t->len >= 7)
			continue;
		t->head[t->len++] = buf[i];
		if ((t->len == 3 && !memcmp(t->head, "ok ", 3)) ||
		    (t->len == 7 && !memcmp(t->head, "not ok ", 7)))
			found = 1;
	}
	return found;
}

static void kill_group(pid_t pid, int sig)
{
	kill(-pid, sig);
	kill(pid, sig);	/* in case it has not reached setsid() yet */
}

/*
 * Reaps every exited child (as PID 1 or subreaper, orphans are ours too); returns whether pid
 * was one of them (-1: none is of interest).
 */
static int reap(pid_t pid, int *status)
{
	int found = 0, st;
	pid_t w;

	while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
		if (w == pid) {
			*status = st;
			found = 1;
		}
	}
	return found;
}

/* Waits (bounded) until no member of the group is left, zombies included. */
static void bury_group(pid_t pid)
{
	long deadline = now_ms() + KILL_GRACE_MS;
	int st;

	kill_group(pid, SIGKILL);
	while (kill(-pid, 0) == 0 && now_ms() < deadline) {
		reap(-1, &st);
		usleep(10000);
	}
	reap(-1, &st);
}

static void run_exec(char **words)
{
	const char *id = words[1];
	char buf[65536], tainted_before[24], tainted_after[24];
	struct result_tracker tracker = { .len = 0 };
	long last_result, term_at = 0, drain_until = 0;
	int fds[2], status = 0, reaped = 0, pipe_open = 1, timed_out = 0;
	struct pollfd pfd;
	pid_t pid;
	ssize_t n;

	say("begin %s", id);
	read_tainted(tainted_before, sizeof(tainted_before));
	if (pipe2(fds, O_CLOEXEC))
		fatal("pipe: %s", errno_name(errno));
	pid = fork();
	if (pid < 0)
		fatal("fork: %s", errno_name(errno));
	if (!pid)
		run_child(words + 2, fds[1]);
	close(fds[1]);
	last_result = now_ms();
	for (;;) {
		pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
		if (pipe_open && poll(&pfd, 1, TICK_MS) > 0) {
			n = read(fds[0], buf, sizeof(buf));
			if (n > 0) {
				emit(buf, n);
				if (saw_result(&tracker, buf, n))
					last_result = now_ms();
			} else if (n == 0 || errno != EINTR) {
				pipe_open = 0;
			}
		} else if (!pipe_open) {
			usleep(TICK_MS * 1000);
		}
		if (!reaped && reap(pid, &status)) {
			reaped = 1;
			/* Forked children it left behind go now; their output is drained below. */
			kill_group(pid, SIGKILL);
			drain_until = now_ms() + KILL_GRACE_MS;
		}
		if (reaped && (!pipe_open || now_ms() >= drain_until))
			break;
		if (reaped)
			continue;
		if (!term_at && case_timeout_ms && now_ms() - last_result >= case_timeout_ms) {
			timed_out = 1;
			term_at = now_ms();
			kill_group(pid, SIGTERM);
		} else if (term_at && now_ms() - term_at >= KILL_GRACE_MS) {
			kill_group(pid, SIGKILL);
		}
	}
	close(fds[0]);
	bury_group(pid);
	read_tainted(tainted_after, sizeof(tainted_after));
	report_kmsg();
	if (timed_out)
		say("end %s timeout tainted=%s,%s", id, tainted_before, tainted_after);
	else if (WIFSIGNALED(status))
		say("end %s signal=%s tainted=%s,%s", id, signal_name(WTERMSIG(status)),
		    tainted_before, tainted_after);
	else
		say("end %s exit=%d tainted=%s,%s", id, WEXITSTATUS(status), tainted_before,
		    tainted_after);
	/* The next binary may panic the kernel: this run's lines must be out of the UART first. */
	drain_data();
}

/*
 * A kernel panic loses what a test wrote and the init has not yet forwarded (a PASS line seen lost
 * under TCG on a loaded host): as a real-time task the init runs as soon as a test writes, and the
 * tests it forks return to the normal class.
 */
static void forward_first(void)
{
	struct sched_param param = { .sched_priority = 1 };

	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param))
		fatal("sched_setscheduler: %s", errno_name(errno));
}

int main(int argc, char **argv)
{
	const char *plan_path = GUEST_PLAN, *base = GUEST_BASE, *data = NULL;
	struct utsname uts;
	char *plan, dir[PATH_MAX];
	int i;

	host_mode = getpid() != 1;
	/* A closed data pipe must not kill us; children get the default back. */
	signal(SIGPIPE, SIG_IGN);
	if (host_mode) {
		if (argc != 2)
			fatal("usage: fkt_guest_init PLAN (outside a guest)");
		plan_path = argv[1];
		snprintf(dir, sizeof(dir), "%s", plan_path);
		base = dirname(dir);
		/* Orphaned grandchildren come to us, as they do to PID 1 in the guest. */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	} else {
		mount_all();
		ensure_stdio();
		forward_first();
	}
	plan = read_file(plan_path);
	if (!plan)
		fatal("cannot read plan %s: %s", plan_path, errno_name(errno));
	/* Relative plan paths (modules, binaries, data) and the tests' cwd: the plan's folder. */
	if (chdir(base))
		fatal("cannot enter %s: %s", base, errno_name(errno));
	parse_plan(plan, &data);
	if (data)
		open_data(data);
	if (mount_error[0])
		fatal("%s", mount_error);
	open_kmsg();
	uname(&uts);
	say("start %s", uts.release);
	for (i = 0; i < nr_steps; i++) {
		if (!strcmp(steps[i][0], "module"))
			load_module(steps[i]);
		else if (!strcmp(steps[i][0], "require-kvm"))
			require_kvm();
		else
			run_exec(steps[i]);
	}
	say("done");
	finish(0);
}
