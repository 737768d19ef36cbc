/* Signal names: a table, as kill(1), runc and crun accept them. */
#include "base.h"

#include <signal.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int num;
} signal_table[] = {
	{"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
	{"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
	{"FPE", SIGFPE},     {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2},   {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},
	{"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH}, {"IO", SIGIO},         {"POLL", SIGPOLL},   {"PWR", SIGPWR},
	{"SYS", SIGSYS},
};

int signal_parse(const char *s)
{
	int64_t n;

	if (!s || !*s)
		return -1;
	if (parse_int64(s, &n) == 0)
		return (n > 0 && n < _NSIG) ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signal_table); i++)
		if (strcasecmp(s, signal_table[i].name) == 0)
			return signal_table[i].num;
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		bool min = strncasecmp(s, "RTMIN", 5) == 0;
		int base = min ? SIGRTMIN : SIGRTMAX, sig;

		s += 5;
		if (!*s)
			return base;
		if ((*s != '+' && *s != '-') || parse_int64(s + 1, &n) < 0)
			return -1;
		sig = *s == '+' ? base + (int)n : base - (int)n;
		return (sig >= SIGRTMIN && sig <= SIGRTMAX) ? sig : -1;
	}
	return -1;
}

const char *signal_name(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT",
		[SIGKILL] = "SIGKILL", [SIGTERM] = "SIGTERM", [SIGUSR1] = "SIGUSR1",
		[SIGUSR2] = "SIGUSR2", [SIGSTOP] = "SIGSTOP", [SIGCONT] = "SIGCONT",
	};

	if (sig > 0 && (size_t)sig < ARRAY_SIZE(names))
		return names[sig];
	return NULL;
}
