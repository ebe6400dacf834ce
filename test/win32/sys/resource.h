/*
 * test/win32/sys/resource.h -- Windows: descriptor limits.  Winsock has no
 * per-process limit on sockets to raise, so getrlimit() reports none
 * (RLIM_INFINITY) and setrlimit() succeeds without doing anything.
 * getrusage() gives the process's CPU times.
 */
#ifndef REGRESS_W32_SYS_RESOURCE_H
#define REGRESS_W32_SYS_RESOURCE_H

typedef unsigned long long rlim_t;

struct rlimit {
	rlim_t rlim_cur;
	rlim_t rlim_max;
};

#define RLIMIT_CORE	4
#define RLIMIT_NOFILE	7
#define RLIM_INFINITY	(~(rlim_t)0)

int getrlimit(int resource, struct rlimit *rl);
int setrlimit(int resource, const struct rlimit *rl);

/* The CPU time of this process (GetProcessTimes()). */
#include <winsock2.h>	/* struct timeval */

struct rusage {
	struct timeval ru_utime;
	struct timeval ru_stime;
};

#define RUSAGE_SELF	0

int getrusage(int who, struct rusage *ru);

#endif /* REGRESS_W32_SYS_RESOURCE_H */
