/* fault_shim.so: an LD_PRELOAD library for the black-box tests.
 *
 * A disk that fills up, without mount permission: once FAULT_SHIM_ENOSPC_AFTER bytes have
 * been written (write, pwrite, pwrite64, writev, pwritev) to files whose path contains
 * FAULT_SHIM_PATH, the write that crosses the budget writes only what is left (a short
 * write) and every later one fails with ENOSPC, as a full file system does. SQLite turns
 * that into SQLITE_FULL ("database or disk is full"). The budget counts per process; SQLite's
 * shared-memory file (-shm, which is not file data) never counts.
 *
 * A durability witness: with FAULT_SHIM_SYNC_LOG set, every fsync and fdatasync appends one
 * line "fsync PATH" or "fdatasync PATH" to that file (O_APPEND, one write per line) before
 * the call returns, so a test reading the file after an exit status or an HTTP answer sees
 * every sync that came before it. A rename that succeeds appends "rename OLD" (a Maildir
 * move), so the order of commits and moves shows in the same file.
 *
 * Environment: FAULT_SHIM_PATH (substring of the path), FAULT_SHIM_ENOSPC_AFTER (bytes),
 * FAULT_SHIM_SYNC_LOG (file). Unset variables disable the matching part. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long budget = -1; /* bytes left; -1: no limit */
static const char* watched;
static const char* sync_log;
static int initialized;

static void init(void) {
    if (__atomic_load_n(&initialized, __ATOMIC_ACQUIRE)) return;
    const char* after = getenv("FAULT_SHIM_ENOSPC_AFTER");
    watched = getenv("FAULT_SHIM_PATH");
    if (watched && !*watched) watched = NULL;
    if (after && *after && watched) budget = strtoll(after, NULL, 10);
    sync_log = getenv("FAULT_SHIM_SYNC_LOG");
    if (sync_log && !*sync_log) sync_log = NULL;
    __atomic_store_n(&initialized, 1, __ATOMIC_RELEASE);
}

static void* real(const char* name) {
    void* f = dlsym(RTLD_NEXT, name);
    if (!f) {
        static const char msg[] = "fault_shim: a libc function is missing\n";
        syscall(SYS_write, 2, msg, sizeof msg - 1);
        abort();
    }
    return f;
}

static int fd_path(int fd, char* out, size_t size) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    if (n < 0) return 0;
    out[n] = '\0';
    return 1;
}

static int is_watched(int fd) {
    if (!watched || fd < 0) return 0;
    char path[4096];
    if (!fd_path(fd, path, sizeof path)) return 0;
    size_t len = strlen(path);
    if (len >= 4 && strcmp(path + len - 4, "-shm") == 0) return 0;
    return strstr(path, watched) != NULL;
}

/* How many of `want` bytes may be written to fd: want, fewer (the budget runs out), or -1
 * with errno ENOSPC (nothing left). */
static ssize_t allowed(int fd, size_t want) {
    init();
    if (budget < 0 || !is_watched(fd)) return (ssize_t)want;
    for (;;) {
        long long left = __atomic_load_n(&budget, __ATOMIC_ACQUIRE);
        if (left <= 0) {
            errno = ENOSPC;
            return -1;
        }
        long long take = (long long)want < left ? (long long)want : left;
        if (__atomic_compare_exchange_n(&budget, &left, left - take, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return (ssize_t)take;
    }
}

ssize_t write(int fd, const void* buf, size_t count) {
    static ssize_t (*f)(int, const void*, size_t);
    if (!f) f = real("write");
    ssize_t n = allowed(fd, count);
    if (n < 0) return -1;
    return f(fd, buf, (size_t)n);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
    static ssize_t (*f)(int, const void*, size_t, off_t);
    if (!f) f = real("pwrite");
    ssize_t n = allowed(fd, count);
    if (n < 0) return -1;
    return f(fd, buf, (size_t)n, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
    static ssize_t (*f)(int, const void*, size_t, off64_t);
    if (!f) f = real("pwrite64");
    ssize_t n = allowed(fd, count);
    if (n < 0) return -1;
    return f(fd, buf, (size_t)n, offset);
}

static size_t iov_total(const struct iovec* iov, int iovcnt) {
    size_t total = 0;
    for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
    return total;
}

/* A vector write the budget cuts short is done as a plain write of what fits. */
static ssize_t cut_writev(int fd, const struct iovec* iov, int iovcnt, size_t n, off_t offset,
                          int positioned) {
    static ssize_t (*w)(int, const void*, size_t);
    static ssize_t (*pw)(int, const void*, size_t, off_t);
    if (!w) w = real("write");
    if (!pw) pw = real("pwrite");
    size_t done = 0;
    for (int i = 0; i < iovcnt && done < n; ++i) {
        size_t part = iov[i].iov_len < n - done ? iov[i].iov_len : n - done;
        ssize_t r = positioned ? pw(fd, iov[i].iov_base, part, offset + (off_t)done)
                               : w(fd, iov[i].iov_base, part);
        if (r < 0) return done ? (ssize_t)done : -1;
        done += (size_t)r;
        if ((size_t)r < part) break;
    }
    return (ssize_t)done;
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
    static ssize_t (*f)(int, const struct iovec*, int);
    if (!f) f = real("writev");
    size_t total = iov_total(iov, iovcnt);
    ssize_t n = allowed(fd, total);
    if (n < 0) return -1;
    if ((size_t)n == total) return f(fd, iov, iovcnt);
    return cut_writev(fd, iov, iovcnt, (size_t)n, 0, 0);
}

ssize_t pwritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) {
    static ssize_t (*f)(int, const struct iovec*, int, off_t);
    if (!f) f = real("pwritev");
    size_t total = iov_total(iov, iovcnt);
    ssize_t n = allowed(fd, total);
    if (n < 0) return -1;
    if ((size_t)n == total) return f(fd, iov, iovcnt, offset);
    return cut_writev(fd, iov, iovcnt, (size_t)n, offset, 1);
}

static void log_line(const char* call, const char* path) {
    char line[4200];
    int len = snprintf(line, sizeof line, "%s %s\n", call, path);
    if (len < 0) return;
    if ((size_t)len >= sizeof line) len = sizeof line - 1;
    int log = (int)syscall(SYS_openat, AT_FDCWD, sync_log,
                           O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (log < 0) return;
    syscall(SYS_write, log, line, (size_t)len);
    syscall(SYS_close, log);
}

static void log_sync(const char* call, int fd) {
    init();
    if (!sync_log) return;
    char path[4096];
    if (!fd_path(fd, path, sizeof path)) strcpy(path, "?");
    log_line(call, path);
}

int rename(const char* from, const char* to) {
    static int (*f)(const char*, const char*);
    if (!f) f = real("rename");
    int r = f(from, to);
    init();
    if (r == 0 && sync_log) log_line("rename", from);
    return r;
}

int renameat(int fromdir, const char* from, int todir, const char* to) {
    static int (*f)(int, const char*, int, const char*);
    if (!f) f = real("renameat");
    int r = f(fromdir, from, todir, to);
    init();
    if (r == 0 && sync_log) log_line("rename", from);
    return r;
}

int fsync(int fd) {
    static int (*f)(int);
    if (!f) f = real("fsync");
    int r = f(fd);
    if (r == 0) log_sync("fsync", fd);
    return r;
}

int fdatasync(int fd) {
    static int (*f)(int);
    if (!f) f = real("fdatasync");
    int r = f(fd);
    if (r == 0) log_sync("fdatasync", fd);
    return r;
}
