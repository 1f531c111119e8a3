#include "publisher.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "retry.h"
#include "util.h"

/* How often publisher_end looks again while it waits. */
#define END_POLL_MS 50
/* Reads and waits that a signal may interrupt are tried this often. */
#define EINTR_TRIES 8

bool publisher_proc_start(long pid, unsigned long long *start)
{
    char path[64];
    char text[1024];
    ssize_t n = 0;
    int fd = -1;
    const char *p = NULL;

    if (pid <= 0) {
        return false;
    }
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        return false;
    }
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0) {
        return false;
    }
    text[n] = '\0';
    /* "pid (comm) state ...": comm may hold spaces and parentheses. */
    p = strrchr(text, ')');
    if (p == NULL || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X' || p[2] == '\0') {
        return false;
    }
    p += 2; /* field 3, the state */
    for (int field = 3; field < 22 && p != NULL; field++) {
        p = strchr(p, ' ');
        p = p != NULL ? p + 1 : NULL;
    }
    if (p == NULL || *p < '0' || *p > '9') {
        return false;
    }
    *start = strtoull(p, NULL, 10);
    return true;
}

bool publisher_self(struct publisher_id *out)
{
    out->pid = (long)getpid();
    return publisher_proc_start(out->pid, &out->start);
}

bool publisher_alive(const struct publisher_id *id)
{
    unsigned long long start = 0;

    return id->pid > 0 && publisher_proc_start(id->pid, &start) && start == id->start;
}

/* In the publisher: every descriptor but 0-2 and keep closed. */
static void close_except(int keep)
{
    long max_fd = sysconf(_SC_OPEN_MAX);

    if ((keep > 3 && close_range(3, (unsigned)keep - 1, 0) != 0) ||
        close_range((unsigned)keep + 1, ~0U, 0) != 0) {
        max_fd = max_fd < 0 || max_fd > 65536 ? 65536 : max_fd;
        for (long fd = 3; fd < max_fd; fd++) {
            if (fd != keep) {
                close((int)fd);
            }
        }
    }
}

/* In the publisher: stdin, stdout and stderr on /dev/null, nothing else
 * open but the go pipe, the default signal mask and SIGTERM's default
 * action (the agent that forked it may have had others). */
static void detach(int go_r)
{
    sigset_t none;
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_IGN);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
    }
    close_except(go_r);
}

/* The publisher's life: detached, it waits for its go, runs, exits. */
static void __attribute__((noreturn))
publisher_main(const char *instance, int go_r, int (*run)(void *ctx), void *ctx)
{
    char go = '\0';
    ssize_t n = -1;
    int rc = 0;

    log_close(); /* its files' descriptors are about to close */
    detach(go_r);
    for (int i = 0; i < EINTR_TRIES && n < 0; i++) {
        n = read(go_r, &go, 1);
        n = n < 0 && errno != EINTR ? 0 : n;
    }
    close(go_r);
    if (n != 1 || go != 'g') {
        _exit(0);
    }
    log_open(instance);
    qb_log(LOG_INFO, "publisher %ld started", (long)getpid());
    rc = run(ctx);
    log_close();
    exit(rc);
}

/* The middle process: a session of its own, the publisher forked from
 * it, its pid sent down info_w; then it exits at once. */
static void __attribute__((noreturn))
middle(const char *instance, int info_w, int go_r, int (*run)(void *ctx), void *ctx)
{
    long pid = 0;
    pid_t pub = -1;

    setsid();
    pub = fork();
    if (pub == 0) {
        close(info_w);
        publisher_main(instance, go_r, run, ctx);
    }
    pid = (long)pub;
    if (pub > 0 && write(info_w, &pid, sizeof(pid)) != (ssize_t)sizeof(pid)) {
        _exit(1);
    }
    _exit(pub > 0 ? 0 : 1);
}

/* The publisher's pid from the middle process, which is reaped. */
static long read_pid(int info_r, pid_t mid)
{
    long pid = 0;
    ssize_t n = -1;
    int status = 0;
    pid_t w = -1;

    for (int i = 0; i < EINTR_TRIES && n < 0; i++) {
        n = read(info_r, &pid, sizeof(pid));
        n = n < 0 && errno != EINTR ? 0 : n;
    }
    for (int i = 0; i < EINTR_TRIES && w < 0; i++) {
        w = waitpid(mid, &status, 0);
        w = w < 0 && errno != EINTR ? 0 : w;
    }
    return n == (ssize_t)sizeof(pid) ? pid : 0;
}

r53_rc publisher_spawn(const char *instance, int (*run)(void *ctx), void *ctx,
                       struct publisher_handle *h, struct r53_error *err)
{
    int info[2] = { -1, -1 };
    int go[2] = { -1, -1 };
    pid_t mid = -1;

    h->id = (struct publisher_id){ 0 };
    h->go_fd = -1;
    if (pipe2(info, O_CLOEXEC) != 0 || pipe2(go, O_CLOEXEC) != 0) {
        int e = errno;

        if (info[0] >= 0) {
            close(info[0]);
            close(info[1]);
        }
        return r53_fail(err, R53_ERR_IO, "cannot start the publisher: pipe: %s", strerror(e));
    }
    fflush(NULL);
    if ((mid = fork()) == 0) {
        close(info[0]);
        close(go[1]);
        middle(instance, info[1], go[0], run, ctx);
    }
    close(info[1]);
    close(go[0]);
    h->id.pid = mid > 0 ? read_pid(info[0], mid) : 0;
    close(info[0]);
    if (h->id.pid <= 0 || !publisher_proc_start(h->id.pid, &h->id.start)) {
        close(go[1]); /* a publisher that started reads no go: it exits */
        h->id.pid = 0;
        return r53_fail(err, R53_ERR_IO, "cannot start the publisher: %s",
                        mid < 0 ? strerror(errno) : "it did not come up");
    }
    h->go_fd = go[1];
    return R53_OK;
}

void publisher_release(struct publisher_handle *h, bool go)
{
    if (h->go_fd >= 0) {
        if (go && write(h->go_fd, "g", 1) != 1) {
            qb_log(LOG_WARNING, "cannot release the publisher (pid %ld): %s", h->id.pid,
                   strerror(errno));
        }
        close(h->go_fd);
        h->go_fd = -1;
    }
}

/* A pidfd for pid, where the kernel has them; -1 otherwise. */
static int pidfd_of(long pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* sig to the process: through its pidfd when there is one, which cannot
 * reach another process that got its pid since. */
static void send_signal(int pidfd, long pid, int sig)
{
#ifdef SYS_pidfd_send_signal
    if (pidfd >= 0) {
        /* ESRCH: it has ended.  Anything else (a seccomp filter that
         * refuses the call): kill(), as without pidfds. */
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0 || errno == ESRCH) {
            return;
        }
    }
#endif
    (void)pidfd;
    kill((pid_t)pid, sig);
}

/* Until the process is gone, or until until_ms; whether it is gone. */
static bool wait_gone(const struct publisher_id *id, int pidfd, int64_t until_ms)
{
    while (publisher_alive(id) && util_now_ms() < until_ms) {
        int64_t left = until_ms - util_now_ms();
        int ms = left < END_POLL_MS ? (int)left : END_POLL_MS;
        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

        if (pidfd < 0 || poll(&pfd, 1, ms > 0 ? ms : 0) < 0) {
            retry_sleep_ms(ms > 0 ? ms : 0);
        }
    }
    return !publisher_alive(id);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

r53_rc publisher_end(const struct publisher_id *id, int64_t deadline_ms, struct r53_error *err)
{
    int pidfd = -1;
    bool gone = false;

    if (id->pid <= 0) {
        return R53_OK;
    }
    /* Opened first: when the start time then matches, the pidfd is that
     * process's, whatever happens to the pid afterwards. */
    pidfd = pidfd_of(id->pid);
    if (!publisher_alive(id)) {
        qb_log(LOG_DEBUG, "the publisher (pid %ld) has ended already", id->pid);
        gone = true;
    } else {
        qb_log(LOG_INFO, "ending the publisher (pid %ld)", id->pid);
        send_signal(pidfd, id->pid, SIGTERM);
        gone = wait_gone(id, pidfd, min64(util_now_ms() + PUBLISHER_TERM_MS, deadline_ms));
    }
    if (!gone) {
        qb_log(LOG_WARNING, "the publisher (pid %ld) did not end on SIGTERM: SIGKILL", id->pid);
        send_signal(pidfd, id->pid, SIGKILL);
        /* SIGKILL takes effect at once: a short wait even past the deadline. */
        gone = wait_gone(id, pidfd,
                         util_now_ms() + min64(PUBLISHER_KILL_MS, deadline_ms - util_now_ms() > 200
                                                                      ? deadline_ms - util_now_ms()
                                                                      : 200));
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    return gone ? R53_OK
                : r53_fail(err, R53_ERR_TIMEOUT,
                           "the publisher of this resource (pid %ld) still runs after SIGTERM "
                           "and SIGKILL",
                           id->pid);
}
