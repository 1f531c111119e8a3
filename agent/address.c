#include "address.h"
#include "address_int.h"
#include "spawn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ADDRESS_RSC_ID_MAX 256
#define ADDRESS_OUT_MAX 4096 /* an address is < 50 bytes: plenty */
#define ADDRESS_ERR_MAX 1024
#define ADDRESS_QUOTE_MAX 80 /* longest untrusted text put in a reason */
#define CRM_EX_NOSUCH 105    /* Pacemaker's "no such object" exit code */

/* Copy untrusted text into a reason: printable ASCII only, bounded, with
 * "..." when cut, so odd bytes never reach a log line. */
static void address_quote(char *dst, size_t dstlen, const char *src)
{
    size_t i = 0;
    size_t j = 0;

    for (i = 0; src[i] != '\0'; i++) {
        if (j + 4 >= dstlen) {
            memcpy(dst + j, "...", 3);
            j += 3;
            break;
        }
        unsigned char c = (unsigned char)src[i];
        dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[j] = '\0';
}

r53_rc address_parse(const char *text, struct address *out)
{
    struct in_addr v4 = { 0 };
    struct in6_addr v6 = { 0 };
    char quoted[ADDRESS_QUOTE_MAX] = { 0 };

    memset(out, 0, sizeof(*out));
    if (text == NULL || text[0] == '\0') {
        return r53_fail(R53_ERR_CONFIG, "ip is empty");
    }
    address_quote(quoted, sizeof(quoted), text);
    if (inet_pton(AF_INET, text, &v4) == 1) {
        inet_ntop(AF_INET, &v4, out->text, sizeof(out->text));
        out->ipv6 = false;
        return R53_OK;
    }
    if (inet_pton(AF_INET6, text, &v6) == 1) {
        inet_ntop(AF_INET6, &v6, out->text, sizeof(out->text));
        out->ipv6 = true;
        return R53_OK;
    }
    if (strchr(text, '%') != NULL) {
        /* A zone index only means something on this host's link. */
        return r53_fail(R53_ERR_CONFIG,
                        "ip '%s' has a zone index (%%...): DNS records "
                        "cannot carry one; give a global address",
                        quoted);
    }
    return r53_fail(R53_ERR_CONFIG, "ip '%s' is not an IPv4 or IPv6 address", quoted);
}

bool address_equal(const char *a, const char *b)
{
    struct address pa = { 0 };
    struct address pb = { 0 };

    if (address_parse(a, &pa) != R53_OK || address_parse(b, &pb) != R53_OK) {
        return false;
    }
    return pa.ipv6 == pb.ipv6 && strcmp(pa.text, pb.text) == 0;
}

static bool address_ifname_ok(const char *ifname)
{
    return ifname != NULL && ifname[0] != '\0' && strlen(ifname) < IFNAMSIZ;
}

bool address_interface_exists(const char *ifname)
{
    return address_ifname_ok(ifname) && if_nametoindex(ifname) != 0;
}

r53_rc address_pick_from_ifaddrs(const struct ifaddrs *list, const char *ifname,
                                 struct address *out)
{
    const struct ifaddrs *ifa = NULL;
    const struct in6_addr *v6 = NULL;
    char quoted[ADDRESS_QUOTE_MAX] = { 0 };

    memset(out, 0, sizeof(*out));
    for (ifa = list; ifa != NULL; ifa = ifa->ifa_next) {
        if (ifa->ifa_addr == NULL || ifa->ifa_name == NULL || strcmp(ifa->ifa_name, ifname) != 0) {
            continue;
        }
        if (ifa->ifa_addr->sa_family == AF_INET) {
            const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)ifa->ifa_addr;

            inet_ntop(AF_INET, &sin->sin_addr, out->text, sizeof(out->text));
            out->ipv6 = false;
            return R53_OK;
        }
        if (ifa->ifa_addr->sa_family == AF_INET6 && v6 == NULL) {
            const struct sockaddr_in6 *sin6 =
                (const struct sockaddr_in6 *)(const void *)ifa->ifa_addr;

            /* Neither is reachable from anywhere else. */
            if (!IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) &&
                !IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
                v6 = &sin6->sin6_addr;
            }
        }
    }
    if (v6 != NULL) {
        inet_ntop(AF_INET6, v6, out->text, sizeof(out->text));
        out->ipv6 = true;
        return R53_OK;
    }
    address_quote(quoted, sizeof(quoted), ifname);
    return r53_fail(R53_ERR_HOST, "interface '%s' has no IPv4 or global IPv6 address", quoted);
}

r53_rc address_from_interface(const char *ifname, struct address *out)
{
    struct ifaddrs *list = NULL;
    char quoted[ADDRESS_QUOTE_MAX] = { 0 };
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    address_quote(quoted, sizeof(quoted), ifname != NULL ? ifname : "");
    if (!address_interface_exists(ifname)) {
        return r53_fail(R53_ERR_HOST, "interface '%s' does not exist on this node", quoted);
    }
    if (getifaddrs(&list) != 0) {
        return r53_fail(R53_ERR_IO, "cannot list the addresses of '%s': %s", quoted,
                        strerror(errno));
    }
    rc = address_pick_from_ifaddrs(list, ifname, out);
    freeifaddrs(list);
    return rc;
}

static bool address_is_executable(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Look for crm_resource in one directory; fills buf on success. */
static bool address_try_dir(const char *dir, size_t dirlen, char *buf, size_t buflen)
{
    int n = 0;

    /* Relative or empty entries would depend on the cwd: skip them. */
    if (dirlen == 0 || dir[0] != '/') {
        return false;
    }
    n = snprintf(buf, buflen, "%.*s/crm_resource", (int)dirlen, dir);
    return n > 0 && (size_t)n < buflen && address_is_executable(buf);
}

const char *address_find_crm_resource(void)
{
    /* Pacemaker may run us with a PATH lacking the sbin directories. */
    static const char *const fallback[] = { "/usr/sbin", "/usr/bin", "/sbin" };
    static char found[PATH_MAX];
    const char *path = getenv("PATH");
    size_t i = 0;

    while (path != NULL && *path != '\0') {
        const char *colon = strchr(path, ':');
        size_t len = colon != NULL ? (size_t)(colon - path) : strlen(path);

        if (address_try_dir(path, len, found, sizeof(found))) {
            return found;
        }
        path = colon != NULL ? colon + 1 : NULL;
    }
    for (i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++) {
        if (address_try_dir(fallback[i], strlen(fallback[i]), found, sizeof(found))) {
            return found;
        }
    }
    found[0] = '\0';
    return NULL;
}

static int64_t address_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool address_env_wanted(const char *entry)
{
    static const char *const exact[] = { "CIB_file=", "CIB_shadow=", "CIB_user=" };
    static const char *const prefix[] = { "PCMK_", "HA_" };
    size_t i = 0;

    if (strchr(entry, '=') == NULL) {
        return false;
    }
    for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
        if (strncmp(entry, exact[i], strlen(exact[i])) == 0) {
            return true;
        }
    }
    for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
        if (strncmp(entry, prefix[i], strlen(prefix[i])) == 0) {
            return true;
        }
    }
    return false;
}

/* The child's environment: an array the caller frees (not its strings,
 * which are literals or point into environ).  NULL if out of memory. */
static char **address_env_build(void)
{
    static char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
    static char env_lc[] = "LC_ALL=C";
    size_t count = 0;
    size_t n = 0;
    char **envp = NULL;
    char **e = NULL;

    for (e = environ; e != NULL && *e != NULL; e++) {
        count++;
    }
    envp = calloc(count + 3, sizeof(*envp));
    if (envp == NULL) {
        return NULL;
    }
    envp[n++] = env_path;
    envp[n++] = env_lc;
    for (e = environ; e != NULL && *e != NULL; e++) {
        if (address_env_wanted(*e)) {
            envp[n++] = *e;
        }
    }
    envp[n] = NULL;
    return envp;
}

/* Runs in the forked child: only async-signal-safe calls until execve.
 * On failure before or at execve, the errno goes down exec_w. */
static void __attribute__((noreturn)) address_child(const char *const argv[], char *const envp[],
                                                    int out_w, int err_w, int exec_w, long max_fd)
{
    struct sigaction dfl;
    sigset_t none;
    int saved = 0;
    int devnull = -1;
    int out_hi = -1;
    int err_hi = -1;
    int exec_hi = -1;
    int sig = 0;
    long fd = 0;

    setpgid(0, 0);
    /* Ignored signals survive execve: give the child the defaults. */
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (sig = 1; sig < NSIG; sig++) {
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
    /* Close every other fd but exec_w, which closes itself on execve. */
    if ((exec_w > 3 && close_range(3, (unsigned)exec_w - 1, 0) != 0) ||
        close_range((unsigned)exec_w + 1, ~0U, 0) != 0) {
        for (fd = 3; fd < max_fd; fd++) {
            if (fd != exec_w) {
                close((int)fd);
            }
        }
    }
    execve(argv[0], (char *const *)argv, envp);
fail:
    saved = errno;
    if (write(exec_w, &saved, sizeof(saved)) < 0) {
        /* Nobody to tell: the parent sees exit code 127. */
    }
    _exit(127);
}

/* Append what is readable on fd to buf (bounded, the rest dropped).
 * Returns false at EOF or on error, when fd should be closed. */
static bool address_drain(int fd, char *buf, size_t buflen, size_t *used)
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
    room = buflen - 1 - *used;
    take = (size_t)n < room ? (size_t)n : room;
    memcpy(buf + *used, chunk, take);
    *used += take;
    buf[*used] = '\0';
    return true;
}

static void address_close(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static const char *address_basename(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

r53_rc address_spawn_capture(const char *const argv[], long timeout_ms, char *out, size_t outlen,
                             char *err, size_t errlen, int *status)
{
    int out_p[2] = { -1, -1 };
    int err_p[2] = { -1, -1 };
    int exec_p[2] = { -1, -1 };
    char **envp = NULL;
    pid_t pid = -1;
    pid_t w = 0;
    int exec_errno = 0;
    int st = 0;
    ssize_t n = 0;
    size_t out_used = 0;
    size_t err_used = 0;
    int64_t deadline = address_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    long max_fd = sysconf(_SC_OPEN_MAX);
    const char *name = address_basename(argv[0]);
    r53_rc rc = R53_OK;

    out[0] = '\0';
    err[0] = '\0';
    *status = 0;
    if (max_fd < 0 || max_fd > 65536) {
        max_fd = 65536;
    }
    envp = address_env_build();
    if (envp == NULL) {
        rc = r53_fail(R53_ERR_NOMEM, "out of memory running %s", name);
        goto cleanup;
    }
    if (pipe2(out_p, O_CLOEXEC) != 0 || pipe2(err_p, O_CLOEXEC) != 0 ||
        pipe2(exec_p, O_CLOEXEC) != 0) {
        rc = r53_fail(R53_ERR_IO, "cannot create a pipe to run %s: %s", name, strerror(errno));
        goto cleanup;
    }
    pid = fork();
    if (pid < 0) {
        rc = r53_fail(R53_ERR_IO, "cannot start %s: %s", name, strerror(errno));
        goto cleanup;
    }
    if (pid == 0) {
        address_child(argv, envp, out_p[1], err_p[1], exec_p[1], max_fd);
    }
    /* Also from this side, so a kill of the group cannot miss it. */
    setpgid(pid, pid);
    address_close(&out_p[1]);
    address_close(&err_p[1]);
    address_close(&exec_p[1]);

    /* EOF here means execve succeeded; an int is its errno. */
    do {
        n = read(exec_p[0], &exec_errno, sizeof(exec_errno));
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(exec_errno)) {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        pid = -1;
        rc = r53_fail(exec_errno == ENOENT || exec_errno == EACCES || exec_errno == ENOEXEC
                          ? R53_ERR_NOT_INSTALLED
                          : R53_ERR_IO,
                      "cannot run %s: %s", argv[0], strerror(exec_errno));
        goto cleanup;
    }

    fcntl(out_p[0], F_SETFL, O_NONBLOCK);
    fcntl(err_p[0], F_SETFL, O_NONBLOCK);
    while (out_p[0] >= 0 || err_p[0] >= 0) {
        struct pollfd pfd[2] = { { .fd = out_p[0], .events = POLLIN },
                                 { .fd = err_p[0], .events = POLLIN } };
        int64_t left = deadline - address_now_ms();
        int ready = 0;

        if (left <= 0) {
            rc = R53_ERR_TIMEOUT;
            goto cleanup;
        }
        /* poll ignores negative fds: closed pipes drop out by themselves. */
        ready = poll(pfd, 2, left > INT_MAX ? INT_MAX : (int)left);
        if (ready < 0 && errno != EINTR) {
            rc = r53_fail(R53_ERR_IO, "cannot wait for %s: %s", name, strerror(errno));
            goto cleanup;
        }
        if (ready <= 0) {
            continue;
        }
        if (pfd[0].revents != 0 && !address_drain(out_p[0], out, outlen, &out_used)) {
            address_close(&out_p[0]);
        }
        if (pfd[1].revents != 0 && !address_drain(err_p[0], err, errlen, &err_used)) {
            address_close(&err_p[0]);
        }
    }

    /* Output is closed; the process may still be running. */
    for (;;) {
        struct timespec pause = { 0, 5 * 1000 * 1000 };

        w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            pid = -1;
            *status = st;
            break;
        }
        if (w < 0 && errno != EINTR) {
            pid = -1; /* ECHILD: someone else reaped it; nothing to kill */
            rc = r53_fail(R53_ERR_IO, "cannot wait for %s: %s", name, strerror(errno));
            goto cleanup;
        }
        if (address_now_ms() >= deadline) {
            rc = R53_ERR_TIMEOUT;
            goto cleanup;
        }
        nanosleep(&pause, NULL);
    }

cleanup:
    if (pid > 0) {
        /* Still running: kill it and anything it started, then reap. */
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
    }
    if (rc == R53_ERR_TIMEOUT) {
        r53_fail(rc, "%s did not answer within %ld ms", name, timeout_ms);
    }
    address_close(&out_p[0]);
    address_close(&out_p[1]);
    address_close(&err_p[0]);
    address_close(&err_p[1]);
    address_close(&exec_p[0]);
    address_close(&exec_p[1]);
    free(envp);
    return rc;
}

bool address_resource_id_ok(const char *id)
{
    size_t i = 0;

    /* A leading '-' would read as an option of crm_resource. */
    if (id == NULL || id[0] == '\0' || id[0] == '-') {
        return false;
    }
    for (i = 0; id[i] != '\0'; i++) {
        char c = id[i];

        if (i >= ADDRESS_RSC_ID_MAX) {
            return false;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* The first line of crm_resource's stderr, without its "crm_resource: "
 * prefix, made safe for a reason string. */
static void address_first_err_line(const char *err, char *dst, size_t dstlen)
{
    static const char prefix[] = "crm_resource: ";
    char line[ADDRESS_ERR_MAX] = { 0 };
    size_t len = 0;

    while (*err == '\n' || *err == '\r' || *err == ' ' || *err == '\t') {
        err++;
    }
    if (strncmp(err, prefix, sizeof(prefix) - 1) == 0) {
        err += sizeof(prefix) - 1;
    }
    len = strcspn(err, "\r\n");
    if (len >= sizeof(line)) {
        len = sizeof(line) - 1;
    }
    memcpy(line, err, len);
    address_quote(dst, dstlen, len > 0 ? line : "no message");
}

/* The last non-empty line of text, trimmed, in place. */
static char *address_last_line(char *text)
{
    char *end = text + strlen(text);
    char *start = NULL;

    while (end > text &&
           (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    *end = '\0';
    start = end;
    while (start > text && start[-1] != '\n') {
        start--;
    }
    while (*start == ' ' || *start == '\t' || *start == '\r') {
        start++;
    }
    return start;
}

r53_rc address_from_resource(const char *rsc_id, const char *crm_resource_path, long timeout_ms,
                             struct address *out)
{
    char *outbuf = NULL;
    char errbuf[ADDRESS_ERR_MAX] = { 0 };
    char why[ADDRESS_QUOTE_MAX * 2] = { 0 };
    char quoted[ADDRESS_QUOTE_MAX] = { 0 };
    const char *tool = crm_resource_path;
    const char *argv[6] = { NULL };
    const char *value = NULL;
    int status = 0;
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    address_quote(quoted, sizeof(quoted), rsc_id != NULL ? rsc_id : "");
    if (!address_resource_id_ok(rsc_id)) {
        return r53_fail(R53_ERR_CONFIG,
                        "ip_resource '%s' is not a Pacemaker resource id "
                        "(letters, digits, '_', '.', ':', '-', at most %d, "
                        "not starting with '-')",
                        quoted, ADDRESS_RSC_ID_MAX);
    }
    if (tool == NULL) {
        tool = address_find_crm_resource();
        if (tool == NULL) {
            return r53_fail(R53_ERR_NOT_INSTALLED,
                            "crm_resource not found on PATH nor in /usr/sbin, "
                            "/usr/bin, /sbin (install pacemaker-cli-utils)");
        }
    }
    if (timeout_ms <= 0) {
        return r53_fail(R53_ERR_TIMEOUT, "no time left to ask crm_resource for '%s'", quoted);
    }
    outbuf = calloc(1, ADDRESS_OUT_MAX);
    if (outbuf == NULL) {
        return r53_fail(R53_ERR_NOMEM, "out of memory");
    }
    argv[0] = tool;
    argv[1] = "-r";
    argv[2] = rsc_id;
    argv[3] = "--get-parameter";
    argv[4] = "ip";
    argv[5] = NULL;
    rc = address_spawn_capture(argv, timeout_ms, outbuf, ADDRESS_OUT_MAX, errbuf, sizeof(errbuf),
                               &status);
    if (rc != R53_OK) {
        goto cleanup;
    }
    address_first_err_line(errbuf, why, sizeof(why));
    if (WIFSIGNALED(status)) {
        rc = r53_fail(R53_ERR_IO, "crm_resource -r %s died of signal %d", quoted, WTERMSIG(status));
        goto cleanup;
    }
    /* 2.1.5 also exits 105 when CIB_file names a missing file: tell a
     * CIB we cannot read from a resource that is not in it. */
    if (strstr(errbuf, "Could not connect") != NULL) {
        rc = r53_fail(R53_ERR_IO,
                      "crm_resource cannot read the cluster configuration "
                      "to find resource '%s' (crm_resource: %s)",
                      quoted, why);
        goto cleanup;
    }
    if (WEXITSTATUS(status) == CRM_EX_NOSUCH) {
        rc = r53_fail(R53_ERR_CONFIG, "resource '%s' does not exist (crm_resource: %s)", quoted,
                      why);
        goto cleanup;
    }
    if (WEXITSTATUS(status) != 0) {
        rc = r53_fail(R53_ERR_IO,
                      "crm_resource -r %s --get-parameter ip failed with "
                      "exit code %d (%s)",
                      quoted, WEXITSTATUS(status), why);
        goto cleanup;
    }
    if (strlen(outbuf) >= ADDRESS_OUT_MAX - 1) {
        rc = r53_fail(R53_ERR_CONFIG,
                      "crm_resource printed more than %d bytes for the ip "
                      "of resource '%s'; expected one address",
                      ADDRESS_OUT_MAX - 1, quoted);
        goto cleanup;
    }
    /* 2.1.5 prints the bare value; take the last line in case of noise. */
    value = address_last_line(outbuf);
    if (value[0] == '\0') {
        /* Exit 0 with nothing: "Attribute 'ip' not found for 'x'". */
        rc = r53_fail(R53_ERR_CONFIG, "resource '%s' has no 'ip' parameter (crm_resource: %s)",
                      quoted, why);
        goto cleanup;
    }
    if (address_parse(value, out) != R53_OK) {
        char vq[ADDRESS_QUOTE_MAX] = { 0 };

        address_quote(vq, sizeof(vq), value);
        rc = r53_fail(R53_ERR_CONFIG,
                      "the ip parameter of resource '%s' is '%s', which is "
                      "not an IPv4 or IPv6 address",
                      quoted, vq);
        goto cleanup;
    }

cleanup:
    free(outbuf);
    return rc;
}
