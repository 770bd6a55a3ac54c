/* SPDX-License-Identifier: ISC */
/*
 * fuzz-main.c - run a libFuzzer target without libFuzzer, so that
 * `make check` replays the seed corpora and every crash kept there as a
 * regression input (systemd's approach, S76).  Link it with one
 * fuzz-<target>.c:
 *
 *   fuzz-replay DIR|FILE...
 *
 * Built with -DPH_FUZZ_CORPUS='"fuzz/corpus/policy"', it takes no
 * arguments as that directory, under $TOP when tests/run.sh sets it:
 * the Makefile names such a build $(BUILD)/tests/test-fuzz-<target>,
 * so the runner's TAP totals include the corpus replay.
 *
 * Every regular file of each directory (in name order, not recursing)
 * and every FILE is read whole and passed once to
 * LLVMFuzzerTestOneInput().  Prints TAP, one line per input, ending with
 * "N passed, N failed, N skipped" as tests/tap.h does.  A target that
 * finds a bug aborts, so a crash is never a pass; an input that cannot
 * be read is a failure.  Exit 0 when all passed, 1 otherwise, 2 on
 * usage errors.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPLAY_MAX	(4 * 1024 * 1024)	/* larger inputs: a failure */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	n_run, n_fail;

/*
 * Read the regular file at path (at most REPLAY_MAX bytes) into a new
 * exact-size buffer, so that ASan sees any overread.  0 or -errno.
 */
static int
read_input(const char *path, uint8_t **ret_buf, size_t *ret_len)
{
	struct stat	 st;
	uint8_t		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, r;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > REPLAY_MAX) {
		r = -EINVAL;
		goto out;
	}
	/* malloc(0) may give NULL; keep one byte so the pointer is real. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n == 0 ? -EIO : -errno;
			goto out;
		}
		len += (size_t)n;
	}
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
 out:
	free(buf);
	close(fd);
	return r;
}

static void
run_file(const char *path)
{
	uint8_t	*buf = NULL, *exact;
	size_t	 len = 0;
	int	 r;

	n_run++;
	if ((r = read_input(path, &buf, &len)) < 0) {
		n_fail++;
		printf("not ok %d - %s: %s\n", n_run, path, strerror(-r));
		return;
	}
	/* An exact-size copy: the target must not read past `len`. */
	exact = malloc(len > 0 ? len : 1);
	if (exact == NULL) {
		n_fail++;
		printf("not ok %d - %s: out of memory\n", n_run, path);
		free(buf);
		return;
	}
	memcpy(exact, buf, len);
	free(buf);
	(void)LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	printf("ok %d - %s (%zu bytes)\n", n_run, path, len);
	fflush(stdout);
}

static int
name_filter(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int
main(int argc, char *argv[])
{
	struct dirent	**ents;
	struct stat	  st;
	char		  path[PATH_MAX];
	int		  i, k, n;
#ifdef PH_FUZZ_CORPUS
	char		  corpus[PATH_MAX];
	char		 *dflt[3] = { NULL, corpus, NULL };
	const char	 *top = getenv("TOP");

	if (argc < 2) {
		snprintf(corpus, sizeof(corpus), "%s%s%s", top ? top : "",
		    top ? "/" : "", PH_FUZZ_CORPUS);
		dflt[0] = argc > 0 ? argv[0] : NULL;
		argc = 2;
		argv = dflt;
	}
#endif
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n",
		    argc > 0 ? argv[0] : "fuzz-replay");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1 || !S_ISDIR(st.st_mode)) {
			run_file(argv[i]);
			continue;
		}
		if ((n = scandir(argv[i], &ents, name_filter, alphasort)) ==
		    -1) {
			n_run++;
			n_fail++;
			printf("not ok %d - %s: %s\n", n_run, argv[i],
			    strerror(errno));
			continue;
		}
		for (k = 0; k < n; k++) {
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    ents[k]->d_name);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				run_file(path);
			free(ents[k]);
		}
		free(ents);
	}
	printf("1..%d\n", n_run);
	printf("%d passed, %d failed, 0 skipped\n", n_run - n_fail, n_fail);
	return n_fail ? 1 : 0;
}
