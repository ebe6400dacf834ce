/*
 * test/win32/sys/prctl.h -- Windows: PR_SET_PDEATHSIG is only called in
 * the child of a fork(), which Windows does not have; declared so that
 * those cases compile (they skip at the fork()).
 */
#ifndef REGRESS_W32_SYS_PRCTL_H
#define REGRESS_W32_SYS_PRCTL_H

#define PR_SET_PDEATHSIG	1

int prctl(int option, ...);

#endif /* REGRESS_W32_SYS_PRCTL_H */
