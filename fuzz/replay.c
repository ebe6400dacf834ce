/*
 * replay.c -- run a fuzz target over files, without libFuzzer.
 *
 * Usage: replay-<target> [PATH...]   (a PATH that is a directory stands
 * for every regular file in it, in name order; a missing one is skipped.
 * Without a PATH, as make check runs it: $srcdir/fuzz/corpus/<target> and
 * $srcdir/fuzz/crashes/<target>.)
 *
 * Each file is one input, given to LLVMFuzzerTestOneInput() in a child
 * process, so that a crash fails that file only.  The output is TAP (one
 * "ok N - file" per input) for make check; the exit status is 0 when the
 * run completed (TAP carries the verdicts).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_LIMIT	10	/* seconds per input */
#define MAX_FILES	4096

static int ntests;
static int nfailed;

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap)) == NULL)
				break;
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* One input in a child; a description of what went wrong, or NULL. */
static const char *
run_one(const char *path)
{
	static char why[64];
	int status;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == -1)
		return "fork failed";
	if (pid == 0) {
		size_t len = 0;
		char *data = slurp(path, &len);

		if (data == NULL && errno != 0)
			_exit(3);
		alarm(REPLAY_LIMIT);
		(void)LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		free(data);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return "waitpid failed";
	if (WIFSIGNALED(status)) {
		snprintf(why, sizeof(why), "%s",
		    WTERMSIG(status) == SIGALRM ? "timeout" : "crash");
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    " (signal %d)", WTERMSIG(status));
		return why;
	}
	if (WEXITSTATUS(status) != 0) {
		snprintf(why, sizeof(why), "exit %d", WEXITSTATUS(status));
		return why;
	}
	return NULL;
}

static void
report(const char *path)
{
	const char *why = run_one(path);

	ntests++;
	if (why == NULL) {
		printf("ok %d - %s\n", ntests, path);
	} else {
		nfailed++;
		printf("not ok %d - %s # %s\n", ntests, path, why);
	}
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order. */
static void
replay_dir(const char *dir)
{
	char *names[MAX_FILES], path[4096];
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);
	int n = 0, i;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && n < MAX_FILES) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		if ((names[n] = strdup(path)) != NULL)
			n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	for (i = 0; i < n; i++) {
		report(names[i]);
		free(names[i]);
	}
}

int
main(int argc, char **argv)
{
	struct stat st;
	char corpus[4096], crashes[4096];
	char *defaults[] = { argv[0], corpus, crashes };
	const char *srcdir = getenv("srcdir");
	int i;

	if (argc < 2) {
		if (srcdir == NULL)
			srcdir = ".";
		snprintf(corpus, sizeof(corpus), "%s/fuzz/corpus/%s", srcdir,
		    FUZZ_TARGET);
		snprintf(crashes, sizeof(crashes), "%s/fuzz/crashes/%s",
		    srcdir, FUZZ_TARGET);
		argc = 3;
		argv = defaults;
	}
	/* The plan goes last: the number of files is known at the end. */
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1)
			continue;
		if (S_ISDIR(st.st_mode))
			replay_dir(argv[i]);
		else
			report(argv[i]);
	}
	if (nfailed > 0)
		printf("# %d of %d inputs failed\n", nfailed, ntests);
	if (ntests == 0)
		printf("1..0 # SKIP no input files\n");
	else
		printf("1..%d\n", ntests);
	return 0;
}
