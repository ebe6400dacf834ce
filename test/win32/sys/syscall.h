/* test/win32/sys/syscall.h -- Windows: no system call numbers (the cases
 * that interpose one test for its SYS_ name and skip without it). */
#ifndef REGRESS_W32_SYS_SYSCALL_H
#define REGRESS_W32_SYS_SYSCALL_H
#endif
