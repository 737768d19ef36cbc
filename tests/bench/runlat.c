/* runlat N CMD ARGS...: run CMD N times in sequence ("{}" in an argument
 * becomes the run number) and print "median_ms p90_ms mean_ms maxrss_kb
 * failures".  Wall time per run from CLOCK_MONOTONIC; peak RSS from
 * wait4(), i.e. of the runtime and the descendants it reaped.  With
 * $RUNLAT_TIMES set, each run's time (ms) is also appended to that file,
 * one a line, so runs made in several rounds can be summed up together. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0, fails = 0, nargs = argc - 2;
	double *t, sum = 0;
	long maxrss = 0;
	FILE *times = getenv("RUNLAT_TIMES") ? fopen(getenv("RUNLAT_TIMES"), "a") : NULL;

	if (n <= 0) {
		fprintf(stderr, "usage: runlat N CMD ARGS...\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof(double));
	for (int i = 0; i < n; i++) {
		char **av = calloc((size_t)nargs + 1, sizeof(char *));
		struct timespec a, b;
		struct rusage ru;
		int st;
		pid_t pid;

		for (int k = 0; k < nargs; k++) {
			char *p = strstr(argv[2 + k], "{}");

			if (p) {
				av[k] = malloc(strlen(argv[2 + k]) + 16);
				sprintf(av[k], "%.*s%d%s", (int)(p - argv[2 + k]), argv[2 + k], i, p + 2);
			} else {
				av[k] = argv[2 + k];
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid == 0) {
			execvp(av[0], av);
			_exit(127);
		}
		wait4(pid, &st, 0, &ru);
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
		sum += t[i];
		if (times)
			fprintf(times, "%.3f\n", t[i]);
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fails++;
	}
	if (times)
		fclose(times);
	qsort(t, (size_t)n, sizeof(double), cmp);
	printf("%.3f %.3f %.3f %ld %d\n", t[n / 2], t[(n * 9) / 10], sum / n, maxrss, fails);
	return 0;
}
