#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "espat.h"
#include "log.h"
#include "tty.h"

#define ESPAT_MAX_ARGS 64
#define ESPAT_STOP_WAIT_MS 2000

static pid_t espat_pid = -1;
static int espat_tty_fd = -1;

static bool espat_executable(const char *path)
{
	return path && path[0] && access(path, X_OK) == 0;
}

/* espat-sim next to our own executable, else the one of this build tree, else PATH. */
static const char *espat_find(char *buf, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", buf, cap - 1);

	if (n > 0) {
		char *slash;

		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash && (size_t)(slash - buf) + sizeof("/espat-sim") <= cap) {
			strcpy(slash, "/espat-sim");
			if (espat_executable(buf))
				return buf;
		}
	}
#ifdef K210_EMU_ESPAT_BUILD
	if (espat_executable(K210_EMU_ESPAT_BUILD))
		return K210_EMU_ESPAT_BUILD;
#endif
	return "espat-sim";
}

static int espat_open_tty(const char *path, uint32_t baud)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		log_fatalx("--esp-tty %s: %s", path, strerror(errno));
	if (tty_raw(fd, baud) < 0)
		log_warnx("--esp-tty %s: cannot make it a raw line: %s", path, strerror(errno));
	espat_tty_fd = fd;
	log_info("ESP8285 on %s", path);
	return fd;
}

int espat_start(const struct espat_config *c)
{
	char found[PATH_MAX], *argv[ESPAT_MAX_ARGS + 4];
	const char *path;
	int sv[2], argc = 0;
	pid_t parent;

	if (c->tty)
		return espat_open_tty(c->tty, c->tty_baud ? c->tty_baud : 115200);
	path = c->sim ? c->sim : espat_find(found, sizeof(found));
	if (c->nargs > ESPAT_MAX_ARGS)
		log_fatalx("too many --esp-arg options");
	argv[argc++] = (char *)(uintptr_t)path;
	if (c->unpaced)
		argv[argc++] = (char *)(uintptr_t)"--unpaced";
	for (int i = 0; i < c->nargs; i++)
		argv[argc++] = c->args[i];
	argv[argc] = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		log_fatalx("socketpair: %s", strerror(errno));
	if (c->chip_buffer) {
		int size = (int)c->chip_buffer;

		/* The chip's output waits for the emulated wire a few kilobytes ahead, as in a FIFO, not by the megabyte. */
		if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0)
			log_warn("SO_SNDBUF");
	}
	parent = getpid();
	espat_pid = fork();
	if (espat_pid < 0)
		log_fatalx("fork: %s", strerror(errno));
	if (espat_pid == 0) {
		sigset_t pins;

		/* The chip goes when the board goes, even if the board is killed (before this line, too). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		/*
		 * The reset pins stay blocked across exec: a WIFI_EN change that comes
		 * before the simulator has set up its handling then waits instead of
		 * killing it.
		 */
		sigemptyset(&pins);
		sigaddset(&pins, SIGUSR1);
		sigaddset(&pins, SIGUSR2);
		sigprocmask(SIG_SETMASK, &pins, NULL);
		if (dup2(sv[1], STDIN_FILENO) < 0 || dup2(sv[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp(path, argv);
		fprintf(stderr, "k210-emu: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	log_info("ESP8285 is %s (pid %ld)", path, (long)espat_pid);
	return sv[0];
}

void espat_enable(bool on)
{
	if (espat_pid > 0)
		kill(espat_pid, on ? SIGUSR2 : SIGUSR1);
	else
		log_debug("WIFI_EN %s (no control over an external emulator)", on ? "high" : "low");
}

void espat_set_baud(uint32_t baud)
{
	if (espat_tty_fd >= 0 && tty_set_baud(espat_tty_fd, baud) < 0)
		log_warnx("--esp-tty: cannot set %u baud: %s", baud, strerror(errno));
}

bool espat_reap(char *why, size_t cap)
{
	int status;
	pid_t pid;

	if (espat_pid <= 0)
		return false;
	pid = waitpid(espat_pid, &status, WNOHANG);
	if (pid != espat_pid)
		return false;
	espat_pid = -1;
	if (WIFEXITED(status))
		snprintf(why, cap, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(why, cap, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(why, cap, "stopped");
	return true;
}

bool espat_wait_exit(char *why, size_t cap)
{
	struct timespec pause = { 0, 10 * 1000000L };

	for (int i = 0; i < 50 && espat_pid > 0; i++) {
		if (espat_reap(why, cap))
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

void espat_stop(void)
{
	struct timespec pause = { 0, 10 * 1000000L };
	char why[64];

	if (espat_pid <= 0)
		return;
	kill(espat_pid, SIGTERM);
	for (int i = 0; i < ESPAT_STOP_WAIT_MS / 10; i++) {
		if (espat_reap(why, sizeof(why)))
			return;
		nanosleep(&pause, NULL);
	}
	kill(espat_pid, SIGKILL);
	waitpid(espat_pid, NULL, 0);
	espat_pid = -1;
}
