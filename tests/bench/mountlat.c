/* mountlat STORE IMAGE DIR N: mount a container root of IMAGE (its layers
 * from the store, a private upper/work in DIR) on DIR/merged N times, as
 * a container root is mounted, and print "median_ms p90_ms" of the mount
 * alone (layer lookup in the store + overlay mount; the unmount is not
 * counted).  Linked against nook's objects by bench-image.sh. */
#include "image/image.h"
#include "overlayfs/overlayfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct img_store_opts so = {0};
	struct img_store *s;
	struct error err = {0};
	char *id = NULL, upper[4096], work[4096], merged[4096];
	int n = argc == 5 ? atoi(argv[4]) : 0;
	double *t;

	if (n <= 0) {
		fprintf(stderr, "usage: mountlat STORE IMAGE DIR N\n");
		return 2;
	}
	so.root = argv[1];
	snprintf(upper, sizeof(upper), "%s/upper", argv[3]);
	snprintf(work, sizeof(work), "%s/work", argv[3]);
	snprintf(merged, sizeof(merged), "%s/merged", argv[3]);
	mkdir(upper, 0755);
	mkdir(work, 0755);
	mkdir(merged, 0755);
	if (!(s = img_store_open(&so, &err)) || img_resolve(s, argv[2], &id, &err) < 0) {
		fprintf(stderr, "mountlat: %s\n", err.msg);
		return 1;
	}
	t = calloc((size_t)n, sizeof(*t));
	for (int i = 0; i < n; i++) {
		char **lower = NULL;
		struct ovl_opts o = {.upper = upper, .work = work, .empty = upper};
		double t0 = now_ms();

		if (img_layer_paths(s, id, &lower, &err) < 0)
			break;
		o.lower = lower;
		if (ovl_mount(&o, merged, &err) < 0)
			break;
		t[i] = now_ms() - t0;
		strv_free(lower);
		if (ovl_unmount(merged, &err) < 0)
			break;
	}
	if (err.msg[0]) {
		fprintf(stderr, "mountlat: %s\n", err.msg);
		return 1;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.3f %.3f\n", t[n / 2], t[n * 9 / 10]);
	free(t);
	free(id);
	img_store_free(s);
	return 0;
}
