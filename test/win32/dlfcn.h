/* test/win32/dlfcn.h -- Windows: nothing (no case loads a library on
 * Windows; the header is included for the POSIX cases). */
#ifndef REGRESS_W32_DLFCN_H
#define REGRESS_W32_DLFCN_H
#endif
