/* The system calls newlib expects from its host (this newlib build calls them by
 * their plain names: sbrk, write, ...). vmgate has no processes and no
 * files at this level: output goes to the console, the heap grows through sbrk,
 * and everything else reports "not supported" with the errno newlib's callers test. */
#include "console.h"
#include "mem.h"
#include "clock.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <stdint.h>

#undef errno
extern int errno;

void *sbrk(intptr_t incr)
{
    void *p = heap_sbrk(incr);
    if (p == (void *)-1)
        errno = ENOMEM;
    return p;
}

int write(int fd, const char *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    console_write(buf, (size_t)len);
    return len;
}

int read(int fd, char *buf, int len)
{
    (void)fd; (void)buf; (void)len;
    return 0;                                   /* console input goes through console_getc */
}

int close(int fd) { (void)fd; errno = EBADF; return -1; }
int lseek(int fd, int off, int whence) { (void)fd; (void)off; (void)whence; errno = ESPIPE; return -1; }
int isatty(int fd) { return fd <= 2; }
int open(const char *path, int flags, int mode) { (void)path; (void)flags; (void)mode; errno = ENOSYS; return -1; }
int getpid(void) { return 1; }
int kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
int link(const char *a, const char *b) { (void)a; (void)b; errno = EMLINK; return -1; }
int unlink(const char *p) { (void)p; errno = ENOENT; return -1; }

int fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR;                      /* unbuffered-ish line output for stdio */
    return 0;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    uint64_t ns = clock_ns();
    tv->tv_sec = (time_t)(ns / 1000000000ULL);
    tv->tv_usec = (suseconds_t)(ns / 1000 % 1000000);
    return 0;
}

clock_t times(struct tms *t)
{
    (void)t;
    return (clock_t)clock_ms();
}

void _exit(int code)
{
    panic("exit(%d) called", code);
}
