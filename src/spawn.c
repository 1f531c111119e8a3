#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* One run: the pipes, the child, and where its output goes. */
struct run {
    const char *name; /* argv[0]'s base name, for messages */
    int out_r, err_r, exec_r;
    pid_t pid; /* > 0 while not reaped */
    int64_t deadline;
    size_t out_used, err_used;
};

static bool env_allowed(const char *entry, const char *const *allow)
{
    const char *eq = strchr(entry, '=');

    for (size_t i = 0; eq != NULL && allow != NULL && allow[i] != NULL; i++) {
        size_t n = strlen(allow[i]);

        if (n > 0 && allow[i][n - 1] == '*'
                ? strncmp(entry, allow[i], n - 1) == 0
                : (size_t)(eq - entry) == n && strncmp(entry, allow[i], n) == 0) {
            return true;
        }
    }
    return false;
}

/* The child's environment: an array the caller frees (not its strings,
 * which are literals or point into environ).  NULL if out of memory. */
static char **env_build(const char *const *allow)
{
    size_t count = 0;
    size_t n = 0;
    char **envp = NULL;

    for (char **e = environ; e != NULL && *e != NULL; e++) {
        count++;
    }
    envp = calloc(count + 3, sizeof(*envp));
    if (envp == NULL) {
        return NULL;
    }
    /* Literals, which execve only reads. */
    envp[n++] = (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    envp[n++] = (char *)"LC_ALL=C";
    for (char **e = environ; e != NULL && *e != NULL; e++) {
        if (env_allowed(*e, allow)) {
            envp[n++] = *e;
        }
    }
    envp[n] = NULL;
    return envp;
}

/* In the forked child: close every fd but 0-2 and keep (which closes
 * itself on execve). */
static void close_others(int keep, long max_fd)
{
    if ((keep > 3 && close_range(3, (unsigned)keep - 1, 0) != 0) ||
        close_range((unsigned)keep + 1, ~0U, 0) != 0) {
        for (long fd = 3; fd < max_fd; fd++) {
            if (fd != keep) {
                close((int)fd);
            }
        }
    }
}

/* Runs in the forked child: only async-signal-safe calls until execve.
 * On failure before or at execve, the errno goes down exec_w. */
static void __attribute__((noreturn))
child(const char *const argv[], char *const envp[], int out_w, int err_w, int exec_w, long max_fd)
{
    struct sigaction dfl;
    sigset_t none;
    int saved = 0;
    int devnull = -1;
    int out_hi = -1;
    int err_hi = -1;
    int exec_hi = -1;

    setpgid(0, 0);
    /* Ignored signals survive execve: give the child the defaults. */
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        sigaction(sig, &dfl, NULL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* Lift our three fds above 2 so the dup2s below cannot clobber them
     * (they could be 0-2 if our own caller had closed those). */
    out_hi = fcntl(out_w, F_DUPFD_CLOEXEC, 3);
    err_hi = fcntl(err_w, F_DUPFD_CLOEXEC, 3);
    exec_hi = fcntl(exec_w, F_DUPFD_CLOEXEC, 3);
    if (exec_hi >= 0) {
        exec_w = exec_hi;
    }
    if (out_hi < 0 || err_hi < 0 || exec_hi < 0) {
        goto fail;
    }
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_hi, 1) < 0 || dup2(err_hi, 2) < 0) {
        goto fail;
    }
    close_others(exec_w, max_fd);
    execve(argv[0], (char *const *)argv, envp);
fail:
    saved = errno;
    if (write(exec_w, &saved, sizeof(saved)) < 0) {
        /* Nobody to tell: the parent sees exit code 127. */
    }
    _exit(127);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void close_pipe(int p[2])
{
    close_fd(&p[0]);
    close_fd(&p[1]);
}

/* Fork and exec; on return r->pid runs it (or it could not be run).  The
 * read ends of its pipes are in r. */
static r53_rc start(struct run *r, const char *const argv[], char **envp, struct r53_error *err)
{
    int out_p[2] = { -1, -1 };
    int err_p[2] = { -1, -1 };
    int exec_p[2] = { -1, -1 };
    long max_fd = sysconf(_SC_OPEN_MAX);

    if (max_fd < 0 || max_fd > 65536) {
        max_fd = 65536;
    }
    if (pipe2(out_p, O_CLOEXEC) != 0 || pipe2(err_p, O_CLOEXEC) != 0 ||
        pipe2(exec_p, O_CLOEXEC) != 0) {
        close_pipe(out_p);
        close_pipe(err_p);
        close_pipe(exec_p);
        return r53_fail(err, R53_ERR_IO, "cannot create a pipe to run %s: %s", r->name,
                        strerror(errno));
    }
    r->pid = fork();
    if (r->pid == 0) {
        child(argv, envp, out_p[1], err_p[1], exec_p[1], max_fd);
    }
    close_fd(&out_p[1]);
    close_fd(&err_p[1]);
    close_fd(&exec_p[1]);
    r->out_r = out_p[0];
    r->err_r = err_p[0];
    r->exec_r = exec_p[0];
    if (r->pid < 0) {
        return r53_fail(err, R53_ERR_IO, "cannot start %s: %s", r->name, strerror(errno));
    }
    /* Also from this side, so a kill of the group cannot miss it. */
    setpgid(r->pid, r->pid);
    return R53_OK;
}

/* EOF on the exec pipe means execve succeeded; an int is its errno. */
static r53_rc exec_result(struct run *r, const char *path, struct r53_error *err)
{
    int exec_errno = 0;
    int st = 0;
    ssize_t n = 0;

    do {
        n = read(r->exec_r, &exec_errno, sizeof(exec_errno));
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(exec_errno)) {
        return R53_OK;
    }
    while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR) {
    }
    r->pid = -1;
    return r53_fail(err,
                    exec_errno == ENOENT || exec_errno == EACCES || exec_errno == ENOEXEC
                        ? R53_ERR_NOT_INSTALLED
                        : R53_ERR_IO,
                    "cannot run %s: %s", path, strerror(exec_errno));
}

/* Append what is readable on fd to buf (bounded, the rest dropped).
 * Returns false at EOF or on error, when fd should be closed. */
static bool drain(int fd, char *buf, size_t cap, size_t *used)
{
    char chunk[1024];
    ssize_t n = 0;
    size_t room = 0;
    size_t take = 0;

    do {
        n = read(fd, chunk, sizeof(chunk));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        return n < 0 && errno == EAGAIN;
    }
    room = cap - 1 - *used;
    take = (size_t)n < room ? (size_t)n : room;
    memcpy(buf + *used, chunk, take);
    *used += take;
    buf[*used] = '\0';
    return true;
}

/* Read both outputs until they close or the deadline passes. */
static r53_rc collect(struct run *r, const struct spawn_opts *o, struct r53_error *err)
{
    fcntl(r->out_r, F_SETFL, O_NONBLOCK);
    fcntl(r->err_r, F_SETFL, O_NONBLOCK);
    while (r->out_r >= 0 || r->err_r >= 0) {
        struct pollfd pfd[2] = { { .fd = r->out_r, .events = POLLIN },
                                 { .fd = r->err_r, .events = POLLIN } };
        int64_t left = r->deadline - util_now_ms();
        int ready = 0;

        if (left <= 0) {
            return R53_ERR_TIMEOUT;
        }
        /* poll ignores negative fds: closed pipes drop out by themselves. */
        ready = poll(pfd, 2, left > INT_MAX ? INT_MAX : (int)left);
        if (ready < 0 && errno != EINTR) {
            return r53_fail(err, R53_ERR_IO, "cannot wait for %s: %s", r->name, strerror(errno));
        }
        if (ready <= 0) {
            continue;
        }
        if (pfd[0].revents != 0 && !drain(r->out_r, o->out, o->out_cap, &r->out_used)) {
            close_fd(&r->out_r);
        }
        if (pfd[1].revents != 0 && !drain(r->err_r, o->err, o->err_cap, &r->err_used)) {
            close_fd(&r->err_r);
        }
    }
    return R53_OK;
}

/* Output is closed; the process may still be running. */
static r53_rc reap(struct run *r, int *status, struct r53_error *err)
{
    for (;;) {
        struct timespec pause = { 0, 5 * 1000 * 1000 };
        int st = 0;
        pid_t w = waitpid(r->pid, &st, WNOHANG);

        if (w == r->pid) {
            r->pid = -1;
            *status = st;
            return R53_OK;
        }
        if (w < 0 && errno != EINTR) {
            r->pid = -1; /* ECHILD: someone else reaped it; nothing to kill */
            return r53_fail(err, R53_ERR_IO, "cannot wait for %s: %s", r->name, strerror(errno));
        }
        if (util_now_ms() >= r->deadline) {
            return R53_ERR_TIMEOUT;
        }
        nanosleep(&pause, NULL);
    }
}

r53_rc spawn_capture(const char *const argv[], const struct spawn_opts *o, int *status,
                     struct r53_error *err)
{
    const char *slash = strrchr(argv[0], '/');
    struct run r = {
        .name = slash != NULL ? slash + 1 : argv[0],
        .out_r = -1,
        .err_r = -1,
        .exec_r = -1,
        .pid = -1,
        .deadline = util_now_ms() + (o->timeout_ms > 0 ? o->timeout_ms : 0),
        .out_used = 0,
        .err_used = 0,
    };
    char **envp = env_build(o->env_allow);
    r53_rc rc = R53_OK;
    int st = 0;

    o->out[0] = '\0';
    o->err[0] = '\0';
    *status = 0;
    if (envp == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory running %s", r.name);
    }
    if ((rc = start(&r, argv, envp, err)) == R53_OK &&
        (rc = exec_result(&r, argv[0], err)) == R53_OK && (rc = collect(&r, o, err)) == R53_OK) {
        rc = reap(&r, status, err);
    }
    if (r.pid > 0) {
        /* Still running: kill it and anything it started, then reap. */
        kill(-r.pid, SIGKILL);
        kill(r.pid, SIGKILL);
        while (waitpid(r.pid, &st, 0) < 0 && errno == EINTR) {
        }
    }
    if (rc == R53_ERR_TIMEOUT) {
        r53_fail(err, rc, "%s did not answer within %ld ms", r.name, o->timeout_ms);
    }
    close_fd(&r.out_r);
    close_fd(&r.err_r);
    close_fd(&r.exec_r);
    free(envp);
    return rc;
}

static bool is_executable(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* name in one directory; fills buf on success. */
static bool try_dir(const char *dir, size_t dirlen, const char *name, char *buf, size_t len)
{
    int n = 0;

    /* Relative or empty entries would depend on the cwd: skip them. */
    if (dirlen == 0 || dir[0] != '/') {
        return false;
    }
    n = snprintf(buf, len, "%.*s/%s", (int)dirlen, dir, name);
    return n > 0 && (size_t)n < len && is_executable(buf);
}

const char *spawn_find(const char *name, char *buf, size_t len)
{
    /* Pacemaker may run us with a PATH lacking the sbin directories. */
    static const char *const fallback[] = { "/usr/sbin", "/usr/bin", "/sbin" };
    const char *path = getenv("PATH");

    while (path != NULL && *path != '\0') {
        const char *colon = strchr(path, ':');
        size_t n = colon != NULL ? (size_t)(colon - path) : strlen(path);

        if (try_dir(path, n, name, buf, len)) {
            return buf;
        }
        path = colon != NULL ? colon + 1 : NULL;
    }
    for (size_t i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++) {
        if (try_dir(fallback[i], strlen(fallback[i]), name, buf, len)) {
            return buf;
        }
    }
    buf[0] = '\0';
    return NULL;
}
