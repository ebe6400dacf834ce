/*
 * test/win32/fnmatch.h -- Windows: the runner's case patterns ('*', '?'
 * and [...] classes, no flags), test/regress_win32.c.
 */
#ifndef REGRESS_W32_FNMATCH_H
#define REGRESS_W32_FNMATCH_H

#define FNM_NOMATCH	1

int fnmatch(const char *pattern, const char *string, int flags);

#endif /* REGRESS_W32_FNMATCH_H */
