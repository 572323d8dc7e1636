/*
 * main.c - triage-milter: arguments, the first snapshot, the socket,
 * privileges, signals, and the libmilter main loop.
 *
 * Owns: the only exits of the daemon (fatal/fatalx, before smfi_main),
 * `-n` (check config and patterns) and `-t` (print the headers for
 * message files), opening the milter socket as root, dropping to the
 * configured user, the pid file, daemonizing, and reload (SIGHUP) and
 * stop (SIGTERM, SIGINT).
 * Untrusted input: message files given to -t (bounded read, then the
 * same pipeline as the milter); the config file, which must not be
 * writable by group or others.
 *
 * Signals: libmilter runs its own signal thread that sigwaits on SIGHUP,
 * SIGTERM and SIGINT and stops the filter on any of them.  A second
 * sigwait thread would race with it for each signal, so instead
 * smfi_main runs in its own thread with the three signals blocked (so do
 * libmilter's threads, which inherit the mask), and the main thread keeps
 * them unblocked with handlers that write to a pipe.  Linux hands a
 * process-directed signal to the main thread first when it can take it,
 * so SIGHUP reloads here instead of stopping libmilter.
 *
 * Stop: libmilter's worker pool abandons sessions in progress on
 * smfi_stop(), so new messages are turned away first (as on_error says),
 * the messages in progress are waited for, and only then smfi_stop().
 */
#define _GNU_SOURCE /* pthread_setattr_default_np, mallopt */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "triage/buf.h"
#include "triage/config.h"
#include "triage/err.h"
#include "triage/limits.h"
#include "triage/log.h"
#include "triage/message.h"
#include "triage/milter.h"
#include "triage/pipeline.h"
#include "triage/rules.h"
#include "triage/snapshot.h"

struct options {
	const char *config;  /* -c, or found by config_find */
	const char *socket;  /* -p */
	const char *user;    /* -u */
	const char *pidfile; /* -P */
	int foreground;      /* -f */
	int check;           /* -n */
	int test;            /* -t */
	char **files;        /* operands of -t */
	int files_count;
};

static int sig_pipe[2] = { -1, -1 };

__attribute__((noreturn, format(printf, 1, 2))) static void
fatalx(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_err("%s", line);
	exit(1);
}

__attribute__((noreturn, format(printf, 1, 2))) static void
fatal(const char *fmt, ...)
{
	char line[2048];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_err("%s: %s", line, strerror(saved));
	exit(1);
}

static void
main_usage(FILE *out)
{
	fprintf(out,
	        "usage: triage-milter [-c FILE] [-p SOCKET] [-f] [-u USER] "
	        "[-P PIDFILE] [-n] [-V] [-h]\n"
	        "       triage-milter [-c FILE] -t FILE...\n"
	        "  -c FILE    configuration (default: $TRIAGE_CONFIG, "
	        "etc/triage-milter.yaml,\n"
	        "             /etc/triage-milter/triage-milter.yaml)\n"
	        "  -p SOCKET  milter socket, unix:/path or inet:port@host\n"
	        "  -f         stay in the foreground, log to standard error\n"
	        "  -u USER    run as USER after opening the socket\n"
	        "  -P FILE    write the process id to FILE\n"
	        "  -n         check the configuration and patterns, then exit\n"
	        "  -t FILE... print the headers the milter would add "
	        "(- is standard input)\n"
	        "  -V         print the version\n");
}

static void
main_args(int argc, char **argv, struct options *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt(argc, argv, "c:p:fu:P:ntVh")) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'p':
			o->socket = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'P':
			o->pidfile = optarg;
			break;
		case 'n':
			o->check = 1;
			break;
		case 't':
			o->test = 1;
			break;
		case 'V':
			printf("triage-milter %s\n", TRIAGE_VERSION);
			exit(0);
		case 'h':
			main_usage(stdout);
			exit(0);
		default:
			main_usage(stderr);
			exit(2);
		}
	}
	o->files = argv + optind;
	o->files_count = argc - optind;
	if ((o->test && o->files_count == 0) ||
	    (!o->test && o->files_count > 0) || (o->test && o->check)) {
		main_usage(stderr);
		exit(2);
	}
}

/* Refuses a config file that group or others may write: whoever can
 * write it decides what the filter does.  0, or -1 with d filled. */
static int
main_check_secrecy(const char *path, struct diags *d)
{
	struct stat st;

	if (path == NULL)
		return 0;
	if (stat(path, &st) != 0) {
		diags_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s",
		          strerror(errno));
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diags_add(d, DIAG_ERROR, path, 0, 0,
		          "writable by group or others (mode %04o): refused",
		          (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Loads config + patterns (+ database handle) after the secrecy check;
 * NULL with every diagnostic in d. */
static struct snapshot *
main_load(const char *config_path, struct diags *d)
{
	if (main_check_secrecy(config_path, d) != 0)
		return NULL;
	return snapshot_load(config_path, 0, d);
}

static void
main_print_diags(const struct diags *d, FILE *out)
{
	for (size_t i = 0; i < d->count; i++)
		fprintf(out, "%s\n", d->v[i].text);
	if (d->errors + d->warnings > d->count)
		fprintf(out, "(%zu more not shown)\n",
		        d->errors + d->warnings - d->count);
}

static void
main_log_diags(const struct diags *d)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->v[i].level == DIAG_ERROR)
			log_err("%s", d->v[i].text);
		else
			log_warn("%s", d->v[i].text);
}

/* -n: what `triagectl lint` does, for the daemon's own configuration. */
static int
main_check(const char *config_path)
{
	struct snapshot *s;
	struct diags d;
	size_t errors;

	diags_init(&d);
	s = main_load(config_path, &d);
	if (s == NULL) {
		main_print_diags(&d, stderr);
		fprintf(stderr, "triage-milter: %zu error(s)\n", d.errors);
		diags_free(&d);
		return 1;
	}
	errors = rules_lint(s->rules, &d) + d.errors;
	main_print_diags(&d, errors ? stderr : stdout);
	if (errors == 0)
		printf("OK: %s, %zu rules, %zu flags\n",
		       config_path ? config_path : "(built-in defaults)",
		       rules_count(s->rules), rules_flags_count(s->rules));
	else
		fprintf(stderr, "triage-milter: %zu error(s)\n", errors);
	diags_free(&d);
	snapshot_free(s);
	return errors ? 1 : 0;
}

/* Reads a message file ("-": standard input) into *out, bounded. */
static int
main_read_message(const char *path, char **out, size_t *len)
{
	struct buf b;
	char chunk[65536];
	ssize_t n;

	if (strcmp(path, "-") != 0)
		return file_read_all(path, TRIAGE_MAX_BODY_LEN_CEILING, out,
		                     len);
	buf_init(&b, TRIAGE_MAX_BODY_LEN_CEILING);
	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_append(&b, chunk, (size_t)n) != BUF_OK) {
			if (n >= 0)
				errno = EFBIG;
			buf_free(&b);
			return -1;
		}
	}
	*len = b.len;
	*out = buf_steal(&b);
	return *out ? 0 : -1;
}

static int
main_test_one(const struct snapshot *s, const char *path)
{
	struct pipeline_result res;
	struct triage_err err;
	char *data = NULL;
	size_t len = 0;
	int rc = 0;

	if (main_read_message(path, &data, &len) != 0) {
		fprintf(stderr, "triage-milter: %s: %s\n", path,
		        strerror(errno));
		return 1;
	}
	err.text[0] = '\0';
	if (pipeline_run_bytes(s, data, len, &res, &err) != 0) {
		fprintf(stderr, "triage-milter: %s: %s\n", path, err.text);
		rc = 1;
	} else {
		for (size_t i = 0; i < res.actions.headers_count; i++)
			printf("%s: %s\n", res.actions.headers[i].name,
			       res.actions.headers[i].value);
		if (res.actions.new_subject != NULL)
			printf("Subject: %s\n", res.actions.new_subject);
	}
	pipeline_result_free(&res);
	free(data);
	return rc;
}

/* -t: the headers the milter would add, per file. */
static int
main_test(const char *config_path, char **files, int n)
{
	struct snapshot *s;
	struct diags d;
	int rc = 0;

	diags_init(&d);
	s = main_load(config_path, &d);
	main_print_diags(&d, stderr);
	diags_free(&d);
	if (s == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		if (n > 1)
			printf("# %s\n", files[i]);
		rc |= main_test_one(s, files[i]);
	}
	fflush(stdout);
	snapshot_free(s);
	return rc;
}

/* ---- daemon ----------------------------------------------------------- */

/* The path of a unix socket spec, or NULL for inet sockets. */
static const char *
main_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

/*
 * Sets TCP_NODELAY on the listening TCP socket libmilter opened (it does
 * not expose the descriptor, so look for the one socket that accepts
 * connections); accepted connections inherit it.  Without it every
 * message with more than one modification waits for the MTA's delayed
 * ACK: each smfi_addheader is a small write that Nagle's algorithm holds
 * back, about 40 ms per message.
 */
static void
main_tcp_nodelay(void)
{
	for (int fd = 3; fd < 1024; fd++) {
		int acc = 0, dom = 0;
		socklen_t al = sizeof(acc), dl = sizeof(dom);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) != 0 ||
		    !acc ||
		    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &dl) != 0 ||
		    (dom != AF_INET && dom != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
		               sizeof(int)) != 0)
			log_warn("milter: cannot set TCP_NODELAY: %s",
			         strerror(errno));
	}
}

static void
main_open_socket(const struct config *cfg, const char *spec,
                 const struct passwd *pw)
{
	const char *path = main_unix_path(spec);

	if (smfi_setconn((char *)spec) != MI_SUCCESS)
		fatalx("milter: bad socket \"%s\"", spec);
	if (smfi_settimeout((int)cfg->timeout) != MI_SUCCESS)
		fatalx("milter: cannot set the timeout");
	if (milter_register() != 0)
		fatalx("milter: smfi_register failed");
	/* 1: remove a stale unix socket left by an earlier run. */
	if (smfi_opensocket(1) != MI_SUCCESS)
		fatalx("milter: cannot open socket %s", spec);
	if (path == NULL) {
		main_tcp_nodelay();
		return;
	}
	if (chmod(path, cfg->socket_mode) != 0)
		fatal("milter: chmod %04o %s", cfg->socket_mode, path);
	if (pw != NULL && chown(path, pw->pw_uid, pw->pw_gid) != 0)
		fatal("milter: chown %s %s", pw->pw_name, path);
}

/* Groups, gid, uid, in that order, each checked; then make sure root
 * cannot come back. */
static void
main_drop_privileges(const struct passwd *pw)
{
	if (pw == NULL) {
		if (geteuid() == 0)
			log_warn("running as root: set milter.user or -u");
		return;
	}
	if (getuid() != 0 && geteuid() != 0) {
		if (getuid() == pw->pw_uid)
			return;
		fatalx("cannot run as %s: not started as root", pw->pw_name);
	}
	if (setgroups(1, &pw->pw_gid) != 0)
		fatal("setgroups %s", pw->pw_name);
	if (setgid(pw->pw_gid) != 0)
		fatal("setgid %lu", (unsigned long)pw->pw_gid);
	if (setuid(pw->pw_uid) != 0)
		fatal("setuid %lu", (unsigned long)pw->pw_uid);
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		fatalx("privileges not dropped: could become root again");
}

static void
main_daemonize(void)
{
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		fatal("setsid");
	if (chdir("/") != 0)
		fatal("chdir /");
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		fatal("open /dev/null");
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static void
main_write_pidfile(const char *path)
{
	FILE *f;

	if (path == NULL)
		return;
	f = fopen(path, "w");
	if (f == NULL)
		fatal("pid file %s", path);
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0)
		fatal("pid file %s", path);
}

static void
main_on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a wakeup is pending anyway */
	}
	errno = saved;
}

static void
main_signals(void)
{
	struct sigaction sa;

	if (pipe(sig_pipe) != 0)
		fatal("pipe");
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	fcntl(sig_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(sig_pipe[1], F_SETFD, FD_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGHUP, &sa, NULL) != 0 ||
	    sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		fatal("sigaction");
	signal(SIGPIPE, SIG_IGN);
}

/* Stack of every thread started after main_tune_threads(), libmilter's
 * workers included.  Nothing in a session needs much: the MIME and HTML
 * walks keep explicit stacks, PCRE2 and Hyperscan use heap scratch, and a
 * 20,000-deep multipart message is handled within 256 KiB. */
#define MAIN_THREAD_STACK (1024u * 1024u)

/* libmilter's worker pool starts and ends threads all the time under
 * load (about one per five messages at concurrency 8), each with the
 * default attributes: an 8 MiB stack (RLIMIT_STACK), of which glibc's
 * 40 MiB stack cache keeps only five, so most thread starts mapped a new
 * stack and most ends unmapped one (a TLB shootdown on every CPU).  And
 * each new thread may get a malloc arena of its own, up to eight per CPU,
 * each keeping the memory freed in it: one arena per CPU is enough for a
 * filter whose threads mostly wait.  An operator's MALLOC_ARENA_MAX wins.
 * Called before any thread starts. */
static void
main_tune_threads(void)
{
	pthread_attr_t attr;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (pthread_attr_init(&attr) == 0) {
		if (pthread_attr_setstacksize(&attr, MAIN_THREAD_STACK) != 0 ||
		    pthread_setattr_default_np(&attr) != 0)
			log_warn("cannot set the default thread stack size");
		pthread_attr_destroy(&attr);
	}
	if (getenv("MALLOC_ARENA_MAX") == NULL)
		mallopt(M_ARENA_MAX, ncpu > 2 ? (int)ncpu : 2);
}

static void *
main_milter_thread(void *arg)
{
	unsigned char c = 0; /* not a signal number: the loop ended */
	int rc = smfi_main();

	*(int *)arg = rc;
	if (write(sig_pipe[1], &c, 1) < 0)
		log_err("milter: cannot wake the main thread");
	return NULL;
}

/* Builds a new snapshot beside the current one; installs it only when
 * everything loaded. */
static void
main_reload(const char *config_path)
{
	struct snapshot *s;
	struct diags d;
	int lvl;

	diags_init(&d);
	s = main_load(config_path, &d);
	main_log_diags(&d);
	if (s == NULL) {
		log_err("reload failed (%zu error(s)): keeping generation %lu",
		        d.errors, snapshot_generation());
		diags_free(&d);
		return;
	}
	diags_free(&d);
	if ((lvl = log_level_parse(s->cfg->log_level)) >= 0)
		log_set_level((enum log_level)lvl);
	snapshot_install(s);
	log_info("reloaded %s: generation %lu, %zu rules",
	         config_path ? config_path : "(built-in defaults)",
	         snapshot_generation(), rules_count(s->rules));
}

/* Waits for the messages in progress to end, at most timeout seconds. */
static void
main_drain(unsigned timeout)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };

	for (unsigned i = 0; i < timeout * 10; i++) {
		if (milter_messages_in_flight() == 0)
			return;
		nanosleep(&tick, NULL);
	}
	log_warn("stopping with %lu message(s) still in progress",
	         milter_messages_in_flight());
}

/* Waits up to secs seconds for the milter thread's "smfi_main returned"
 * byte; signals that arrive meanwhile are dropped.  1 when it came. */
static int
main_wait_milter(int secs)
{
	struct pollfd pfd = { .fd = sig_pipe[0], .events = POLLIN };
	unsigned char c;

	for (int i = 0; i < secs * 10; i++) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(sig_pipe[0], &c, 1) == 1 && c == 0)
			return 1;
	}
	return 0;
}

/* Every MAIN_TRIM_MS, after messages ended, freed memory goes back to the
 * system: glibc keeps what a burst of messages freed inside its heaps
 * (decode buffers, parser trees), and malloc_trim returns the free pages
 * in the middle of them too.  A few hundred microseconds, here in the
 * main thread, never on a message's way. */
#define MAIN_TRIM_MS 2000

/* Waits for the signal pipe; 1 when it is readable, 0 after MAIN_TRIM_MS
 * without a signal (the heap was trimmed if messages ended meanwhile). */
static int
main_wait_signal(void)
{
	static unsigned long trimmed_at;
	struct pollfd pfd = { .fd = sig_pipe[0], .events = POLLIN };
	unsigned long done;

	if (poll(&pfd, 1, MAIN_TRIM_MS) != 0)
		return 1; /* readable, or an error the read will show */
	done = milter_messages_done();
	if (done != trimmed_at) {
		trimmed_at = done;
		malloc_trim(0);
	}
	return 0;
}

/* The main thread's loop: signals in, reloads and the stop out.  A stop
 * first lets the messages in progress finish (new ones are answered as
 * on_error says), then stops libmilter, whose worker pool would abandon
 * sessions still in progress. */
static int
main_loop(const char *config_path, unsigned timeout)
{
	pthread_t tid;
	sigset_t set, old;
	int milter_rc = 0, ended = 0;
	unsigned char c = 0;
	ssize_t n;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (pthread_create(&tid, NULL, main_milter_thread, &milter_rc) != 0)
		fatalx("cannot start the milter thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (;;) {
		if (!main_wait_signal())
			continue;
		n = read(sig_pipe[0], &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == 0) {
			ended = 1; /* smfi_main returned on its own */
			break;
		}
		if (c != SIGHUP)
			break;
		main_reload(config_path);
	}
	log_info("stopping (%s)", ended ? "milter loop ended" : "signal");
	milter_stop_new_messages();
	main_drain(timeout);
	if (!ended) {
		smfi_stop();
		ended = main_wait_milter(10);
	}
	if (!ended) {
		log_warn("milter: libmilter did not stop within 10 s");
		return 1;
	}
	pthread_join(tid, NULL);
	return milter_rc == MI_SUCCESS ? 0 : 1;
}

static int
main_daemon(const struct options *o, const char *config_path)
{
	struct snapshot *s;
	struct passwd *pw = NULL;
	const char *user;
	char *pidfile;
	struct diags d;
	unsigned timeout;
	int lvl, rc;

	main_tune_threads();
	diags_init(&d);
	s = main_load(config_path, &d);
	main_log_diags(&d);
	if (s == NULL)
		fatalx("%zu error(s) in the configuration or patterns",
		       d.errors);
	diags_free(&d);
	log_init("triage-milter", o->foreground, s->cfg->log_facility);
	if ((lvl = log_level_parse(s->cfg->log_level)) >= 0)
		log_set_level((enum log_level)lvl);
	pidfile = str_dup(o->pidfile ? o->pidfile : s->cfg->pidfile);
	if (pidfile == NULL && (o->pidfile || s->cfg->pidfile))
		fatalx("out of memory");
	user = o->user ? o->user : s->cfg->user;
	if (user != NULL && (pw = getpwnam(user)) == NULL)
		fatalx("unknown user \"%s\"", user);
	/* As root: the socket (a low port, a root-owned directory), then
	 * the fork, so the pid file holds the daemon's pid and can live in
	 * a root-owned directory; only then give root up.  Threads start
	 * after the fork (smfi_main, in main_loop). */
	main_open_socket(s->cfg, o->socket ? o->socket : s->cfg->socket, pw);
	if (!o->foreground)
		main_daemonize();
	main_write_pidfile(pidfile);
	main_drop_privileges(pw);
	main_signals();
	timeout = s->cfg->timeout;
	snapshot_install(s);
	/* Loading (the YAML, a Hyperscan compile when the cache is cold)
	 * freed far more than it kept: give that back before serving. */
	malloc_trim(0);
	log_info("started: %s, generation %lu, %zu rules, socket %s",
	         config_path ? config_path : "(built-in defaults)",
	         snapshot_generation(), rules_count(s->rules),
	         o->socket ? o->socket : s->cfg->socket);
	rc = main_loop(config_path, timeout);
	snapshot_shutdown();
	if (pidfile != NULL && unlink(pidfile) != 0)
		log_debug("pid file %s not removed: %s", pidfile,
		          strerror(errno));
	free(pidfile);
	log_info("stopped");
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o;
	const char *found;
	char *abs = NULL;
	int rc;

	main_args(argc, argv, &o);
	log_init("triage-milter", o.foreground || o.check || o.test, "mail");
	found = config_find(o.config);
	if (o.config != NULL && found == NULL)
		fatalx("config %s: not found", o.config);
	/* Reloads happen after chdir("/"): keep an absolute path. */
	if (found != NULL && (abs = realpath(found, NULL)) == NULL)
		fatal("config %s", found);
	message_global_init();
	if (o.check)
		rc = main_check(abs);
	else if (o.test)
		rc = main_test(abs, o.files, o.files_count);
	else
		rc = main_daemon(&o, abs);
	message_global_shutdown();
	free(abs);
	return rc;
}
