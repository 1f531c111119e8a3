#include "address.h"
#include "address_int.h"
#include "spawn.h"
#include "util.h"

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

r53_rc address_parse(const char *text, struct address *out, struct r53_error *err)
{
    struct in_addr v4 = { 0 };
    struct in6_addr v6 = { 0 };
    char quoted[ADDRESS_QUOTE_MAX] = { 0 };

    memset(out, 0, sizeof(*out));
    if (text == NULL || text[0] == '\0') {
        return r53_fail(err, R53_ERR_CONFIG, "ip is empty");
    }
    util_printable(text, quoted, sizeof(quoted));
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
        return r53_fail(err, R53_ERR_CONFIG,
                        "ip '%s' has a zone index (%%...): DNS records "
                        "cannot carry one; give a global address",
                        quoted);
    }
    return r53_fail(err, R53_ERR_CONFIG, "ip '%s' is not an IPv4 or IPv6 address", quoted);
}

bool address_equal(const char *a, const char *b)
{
    struct address pa = { 0 };
    struct address pb = { 0 };
    struct r53_error ignored = { 0 }; /* not an address: not equal */

    if (address_parse(a, &pa, &ignored) != R53_OK || address_parse(b, &pb, &ignored) != R53_OK) {
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
                                 struct address *out, struct r53_error *err)
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
    util_printable(ifname, quoted, sizeof(quoted));
    return r53_fail(err, R53_ERR_HOST, "interface '%s' has no IPv4 or global IPv6 address", quoted);
}

r53_rc address_from_interface(const char *ifname, struct address *out, struct r53_error *err)
{
    struct ifaddrs *list = NULL;
    char quoted[ADDRESS_QUOTE_MAX] = { 0 };
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    util_printable(ifname != NULL ? ifname : "", quoted, sizeof(quoted));
    if (!address_interface_exists(ifname)) {
        return r53_fail(err, R53_ERR_HOST, "interface '%s' does not exist on this node", quoted);
    }
    if (getifaddrs(&list) != 0) {
        return r53_fail(err, R53_ERR_IO, "cannot list the addresses of '%s': %s", quoted,
                        strerror(errno));
    }
    rc = address_pick_from_ifaddrs(list, ifname, out, err);
    freeifaddrs(list);
    return rc;
}

const char *address_find_crm_resource(void)
{
    static char found[PATH_MAX];

    return spawn_find("crm_resource", found, sizeof(found));
}

const char *const address_pacemaker_env[] = { "CIB_file", "CIB_shadow", "CIB_user",
                                              "PCMK_*",   "HA_*",       NULL };

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
    util_printable(len > 0 ? line : "no message", dst, dstlen);
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

/* Ask crm_resource for rsc_id's ip parameter; its stdout lands in out,
 * the start of its stderr in errbuf. */
static r53_rc address_run_crm_resource(const char *tool, const char *rsc_id, long timeout_ms,
                                       char *out, char *errbuf, size_t errlen, int *status,
                                       struct r53_error *err)
{
    const char *argv[6] = { tool, "-r", rsc_id, "--get-parameter", "ip", NULL };
    struct spawn_opts opts = {
        .env_allow = address_pacemaker_env,
        .timeout_ms = timeout_ms,
        .out_cap = ADDRESS_OUT_MAX,
        .err_cap = errlen,
    };

    opts.out = out; /* written by spawn_capture */
    opts.err = errbuf;
    return spawn_capture(argv, &opts, status, err);
}

/* How crm_resource ended, from its status and stderr (why is its first
 * line); R53_OK when it answered. */
static r53_rc address_check_exit(int status, const char *errbuf, const char *quoted,
                                 const char *why, struct r53_error *err)
{
    if (WIFSIGNALED(status)) {
        return r53_fail(err, R53_ERR_IO, "crm_resource -r %s died of signal %d", quoted,
                        WTERMSIG(status));
    }
    /* 2.1.5 also exits 105 when CIB_file names a missing file: tell a
     * CIB we cannot read from a resource that is not in it. */
    if (strstr(errbuf, "Could not connect") != NULL) {
        return r53_fail(err, R53_ERR_IO,
                        "crm_resource cannot read the cluster configuration "
                        "to find resource '%s' (crm_resource: %s)",
                        quoted, why);
    }
    if (WEXITSTATUS(status) == CRM_EX_NOSUCH) {
        return r53_fail(err, R53_ERR_CONFIG, "resource '%s' does not exist (crm_resource: %s)",
                        quoted, why);
    }
    if (WEXITSTATUS(status) != 0) {
        return r53_fail(err, R53_ERR_IO,
                        "crm_resource -r %s --get-parameter ip failed with "
                        "exit code %d (%s)",
                        quoted, WEXITSTATUS(status), why);
    }
    return R53_OK;
}

/* The address in what a successful crm_resource printed (trimmed in
 * place). */
static r53_rc address_read_answer(char *outbuf, const char *quoted, const char *why,
                                  struct address *out, struct r53_error *err)
{
    const char *value = NULL;
    char vq[ADDRESS_QUOTE_MAX] = { 0 };

    if (strlen(outbuf) >= ADDRESS_OUT_MAX - 1) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "crm_resource printed more than %d bytes for the ip "
                        "of resource '%s'; expected one address",
                        ADDRESS_OUT_MAX - 1, quoted);
    }
    /* 2.1.5 prints the bare value; take the last line in case of noise. */
    value = address_last_line(outbuf);
    if (value[0] == '\0') {
        /* Exit 0 with nothing: "Attribute 'ip' not found for 'x'". */
        return r53_fail(err, R53_ERR_CONFIG,
                        "resource '%s' has no 'ip' parameter (crm_resource: %s)", quoted, why);
    }
    if (address_parse(value, out, err) != R53_OK) {
        util_printable(value, vq, sizeof(vq));
        return r53_fail(err, R53_ERR_CONFIG,
                        "the ip parameter of resource '%s' is '%s', which is "
                        "not an IPv4 or IPv6 address",
                        quoted, vq);
    }
    return R53_OK;
}

r53_rc address_from_resource(const char *rsc_id, const char *crm_resource_path, long timeout_ms,
                             struct address *out, struct r53_error *err)
{
    char *outbuf = NULL;
    char errbuf[ADDRESS_ERR_MAX] = { 0 };
    char why[ADDRESS_QUOTE_MAX * 2] = { 0 };
    char quoted[ADDRESS_QUOTE_MAX] = { 0 };
    const char *tool = crm_resource_path;
    int status = 0;
    r53_rc rc = R53_OK;

    memset(out, 0, sizeof(*out));
    util_printable(rsc_id != NULL ? rsc_id : "", quoted, sizeof(quoted));
    if (!address_resource_id_ok(rsc_id)) {
        return r53_fail(err, R53_ERR_CONFIG,
                        "ip_resource '%s' is not a Pacemaker resource id "
                        "(letters, digits, '_', '.', ':', '-', at most %d, "
                        "not starting with '-')",
                        quoted, ADDRESS_RSC_ID_MAX);
    }
    if (tool == NULL) {
        tool = address_find_crm_resource();
        if (tool == NULL) {
            return r53_fail(err, R53_ERR_NOT_INSTALLED,
                            "crm_resource not found on PATH nor in /usr/sbin, "
                            "/usr/bin, /sbin (install pacemaker-cli-utils)");
        }
    }
    if (timeout_ms <= 0) {
        return r53_fail(err, R53_ERR_TIMEOUT, "no time left to ask crm_resource for '%s'", quoted);
    }
    outbuf = calloc(1, ADDRESS_OUT_MAX);
    if (outbuf == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory");
    }
    rc = address_run_crm_resource(tool, rsc_id, timeout_ms, outbuf, errbuf, sizeof(errbuf), &status,
                                  err);
    if (rc != R53_OK) {
        goto cleanup;
    }
    address_first_err_line(errbuf, why, sizeof(why));
    rc = address_check_exit(status, errbuf, quoted, why, err);
    if (rc != R53_OK) {
        goto cleanup;
    }
    rc = address_read_answer(outbuf, quoted, why, out, err);

cleanup:
    free(outbuf);
    return rc;
}
