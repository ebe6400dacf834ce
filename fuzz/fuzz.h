/*
 * fuzz.h -- what every fuzz target shares.
 *
 * A target is one file fuzz/<name>.c defining LLVMFuzzerTestOneInput().
 * It is linked twice: with libFuzzer (make fuzz, clang
 * -fsanitize=fuzzer,address,undefined) to search for bad inputs, and with
 * fuzz/replay.c, a plain main() that feeds it every file of its corpus
 * (fuzz/corpus/<name>/) and of its past crashes (fuzz/crashes/<name>/),
 * which make check runs.  A target must be deterministic, leave no fd
 * open and free what it allocates, since one process runs many inputs.
 * It returns 0; a bug shows as a crash, a sanitizer report, or abort()
 * from fuzz_check() when the library answers something impossible.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The library's log, silenced (fuzz inputs make it warn a lot). */
void fuzz_quiet(void);

/* abort() with a message when cond is false: an impossible answer. */
#define fuzz_check(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: fuzz_check(%s) failed\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif /* FUZZ_H */
