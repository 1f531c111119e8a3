/* The project's own HTTP/1.1 client (src/http_tls.c), over plain
 * http:// against a scripted server on 127.0.0.1 that the test forks.
 * Per accepted connection the server has a list of raw answers and
 * writes each once it has read a whole request (headers, then
 * Content-Length bytes); then it closes the connection, or, told to
 * linger, records what comes until the client closes it.  When stopped
 * it reports how many connections it accepted and the bytes it received.
 * Framing (Content-Length, chunks, the connection's end), interim
 * answers, kept connections and their one retry, the size limits, the
 * failures' codes and reasons, and the bytes of the request. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http.h"
#include "http_tls.h"
#include "util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define MAX_ANSWERS 3
#define MAX_CALLS 3
#define RECEIVED_MAX 65536
/* The server's bounds: no wait in it outlasts SERVER_WAIT_MS, and its
 * alarm ends it even if the test itself hangs. */
#define SERVER_WAIT_MS 10000
#define SERVER_ALARM_S 20
#define MAX_TURNS 100000

#define OK_ONE "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
#define OK_TWO "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"
#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
#define WIKIPEDIA "4\r\nWiki\r\n5\r\npedia\r\n0\r\n"

/* One accepted connection's script: answers in turn (NULL ends them),
 * each after a whole request; then the connection is closed, or, when
 * linger, kept open and read (never answered) until the client closes
 * it.  Connections past the script are closed at once. */
struct conn_script {
    const char *answers[MAX_ANSWERS];
    bool linger;
};

/* The forked server, as the test sees it.  The child fills its own copy
 * of accepted and received and sends them back when stopped. */
struct server {
    pid_t pid;
    int port;
    int stop_fd;   /* the test's end: closing it stops the server */
    int report_fd; /* the test's end of the server's report */
    bool reported; /* the server reported and exited 0 */
    /* the report */
    int accepted;
    size_t received_len;
    char received[RECEIVED_MAX + 1];
    /* the child's own */
    int listen_fd;
    int child_stop_fd;
    int64_t end;
};

/* What one request gave. */
struct call {
    r53_rc rc;
    struct http_response resp;
    struct r53_error err;
};

static const struct http_options default_opts = {
    .connect_timeout_ms = 2000,
    .request_timeout_ms = 3000,
};

/* ---- the server (the child) ------------------------------------------- */

/* 1 when fd is ready for events; 0 when the test stopped the server or
 * the server's time ran out first.  fd goes before the stop, so what the
 * client sent before the test stopped the server is still read. */
static int child_wait(const struct server *s, int fd, short events)
{
    struct pollfd pfd[2] = { { .fd = fd, .events = events },
                             { .fd = s->child_stop_fd, .events = POLLIN } };

    for (int turn = 0; turn < MAX_TURNS; turn++) {
        int64_t left = s->end - util_now_ms();
        int n = 0;

        if (left <= 0) {
            return 0;
        }
        n = poll(pfd, 2, (int)left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n > 0 && pfd[0].revents != 0) {
            return 1;
        }
        return 0;
    }
    return 0;
}

/* Some bytes from fd, appended to received: their count, 0 at the
 * connection's end, -1 on failure, stop or a full buffer. */
static ssize_t child_recv(struct server *s, int fd)
{
    ssize_t n = 0;

    if (s->received_len >= RECEIVED_MAX || child_wait(s, fd, POLLIN) <= 0) {
        return -1;
    }
    n = recv(fd, s->received + s->received_len, RECEIVED_MAX - s->received_len, 0);
    if (n > 0) {
        s->received_len += (size_t)n;
    }
    s->received[s->received_len] = '\0';
    return n;
}

/* The Content-Length among the headers in [head, head_end); 0: none. */
static size_t content_length(const char *head, const char *head_end)
{
    const char *at = strcasestr(head, "\r\nContent-Length:");

    return at != NULL && at < head_end ? strtoul(at + 17, NULL, 10) : 0;
}

/* One whole request into received: false when the connection, the
 * server's time or the buffer ended first. */
static bool child_read_request(struct server *s, int fd)
{
    size_t start = s->received_len;
    const char *head_end = NULL;
    size_t want = 0;

    s->received[s->received_len] = '\0';
    for (int turn = 0; turn < MAX_TURNS && head_end == NULL; turn++) {
        head_end = strstr(s->received + start, "\r\n\r\n");
        if (head_end == NULL && child_recv(s, fd) <= 0) {
            return false;
        }
    }
    if (head_end == NULL) {
        return false;
    }
    want = (size_t)(head_end + 4 - (s->received + start)) +
           content_length(s->received + start, head_end);
    for (int turn = 0; turn < MAX_TURNS && s->received_len - start < want; turn++) {
        if (child_recv(s, fd) <= 0) {
            return false;
        }
    }
    return s->received_len - start >= want;
}

/* All of text to fd: false when the client went away first. */
static bool child_send(const struct server *s, int fd, const char *text)
{
    size_t len = strlen(text);
    size_t done = 0;

    for (int turn = 0; turn < MAX_TURNS && done < len; turn++) {
        ssize_t n = 0;

        if (child_wait(s, fd, POLLOUT) <= 0) {
            return false;
        }
        n = send(fd, text + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return false;
        }
        done += n > 0 ? (size_t)n : 0;
    }
    return done == len;
}

static void child_serve(struct server *s, int fd, const struct conn_script *cs)
{
    if (cs == NULL) {
        return;
    }
    for (size_t i = 0; i < MAX_ANSWERS && cs->answers[i] != NULL; i++) {
        if (!child_read_request(s, fd) || !child_send(s, fd, cs->answers[i])) {
            return;
        }
    }
    for (int turn = 0; cs->linger && turn < MAX_TURNS; turn++) {
        if (child_recv(s, fd) <= 0) {
            return;
        }
    }
}

static bool write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    for (int turn = 0; turn < MAX_TURNS && len > 0; turn++) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno != EINTR) {
            return false;
        }
        p += n > 0 ? n : 0;
        len -= n > 0 ? (size_t)n : 0;
    }
    return len == 0;
}

/* The child: serve script until stopped, then report and exit. */
static void child_run(struct server *s, const struct conn_script *script, size_t n_script)
{
    bool ok = false;

    alarm(SERVER_ALARM_S);
    signal(SIGPIPE, SIG_IGN);
    s->end = util_now_ms() + SERVER_WAIT_MS;
    for (int turn = 0; turn < MAX_TURNS && child_wait(s, s->listen_fd, POLLIN) > 0; turn++) {
        int fd = accept(s->listen_fd, NULL, NULL);

        if (fd >= 0) {
            s->accepted++;
            child_serve(s, fd, (size_t)s->accepted <= n_script ? &script[s->accepted - 1] : NULL);
            close(fd);
        }
    }
    ok = write_all(s->report_fd, &s->accepted, sizeof(s->accepted)) &&
         write_all(s->report_fd, &s->received_len, sizeof(s->received_len)) &&
         write_all(s->report_fd, s->received, s->received_len);
    _exit(ok ? 0 : 1);
}

/* ---- the server (the test's side) ------------------------------------- */

/* A listening socket on 127.0.0.1 at a free port, into *port. */
static int listen_loopback(int *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A server on script, running until server_stop.  Freed by server_stop's
 * caller with free. */
static struct server *server_start(const struct conn_script *script, size_t n_script)
{
    struct server *s = calloc(1, sizeof(*s));
    int stop[2] = { -1, -1 };
    int report[2] = { -1, -1 };

    assert_non_null(s);
    s->listen_fd = listen_loopback(&s->port);
    assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
    assert_int_equal(pipe2(report, O_CLOEXEC), 0);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        close(stop[1]);
        close(report[0]);
        s->child_stop_fd = stop[0];
        s->report_fd = report[1];
        child_run(s, script, n_script);
    }
    close(s->listen_fd);
    close(stop[0]);
    close(report[1]);
    s->stop_fd = stop[1];
    s->report_fd = report[0];
    return s;
}

/* len bytes from fd, within SERVER_WAIT_MS. */
static bool read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    int64_t end = util_now_ms() + SERVER_WAIT_MS;

    for (int turn = 0; turn < MAX_TURNS && len > 0; turn++) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int64_t left = end - util_now_ms();
        ssize_t n = 0;

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
            return false;
        }
        n = read(fd, p, len);
        if (n == 0 || (n < 0 && errno != EINTR)) {
            return false;
        }
        p += n > 0 ? n : 0;
        len -= n > 0 ? (size_t)n : 0;
    }
    return len == 0;
}

/* Stop the server, take its report and reap it.  Asserts nothing, so a
 * test calls it before checking anything: the child is always reaped. */
static void server_stop(struct server *s)
{
    int status = 0;
    bool ok = false;
    pid_t got = -1;

    close(s->stop_fd);
    ok = read_all(s->report_fd, &s->accepted, sizeof(s->accepted)) &&
         read_all(s->report_fd, &s->received_len, sizeof(s->received_len)) &&
         s->received_len <= RECEIVED_MAX && read_all(s->report_fd, s->received, s->received_len);
    if (!ok) {
        kill(s->pid, SIGKILL);
        s->received_len = 0;
    }
    close(s->report_fd);
    for (int turn = 0; turn < MAX_TURNS && got < 0; turn++) {
        got = waitpid(s->pid, &status, 0);
        if (got < 0 && errno != EINTR) {
            break;
        }
    }
    s->received[s->received_len] = '\0';
    s->reported = ok && got == s->pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- the client ------------------------------------------------------- */

static void perform(struct http_client *c, const struct http_request *req, struct call *out)
{
    memset(out, 0, sizeof(*out));
    out->rc = c != NULL ? http_perform(c, req, &out->resp, &out->err) : R53_ERR_NOMEM;
}

static void url_for(const struct server *s, const char *path, char *url, size_t len)
{
    snprintf(url, len, "http://127.0.0.1:%d%s", s->port, path);
}

/* n GETs of path on one client with opts (default_opts when NULL)
 * against the server s, then s stopped (checked to have reported).
 * Returns s. */
static struct server *gets(struct server *s, const struct http_options *opts, const char *path,
                           struct call *calls, size_t n)
{
    struct http_client *c = http_client_new_ops(http_tls_ops(), NULL, opts ? opts : &default_opts);
    char url[256];
    struct http_request req = { .method = "GET", .url = url };

    url_for(s, path, url, sizeof(url));
    for (size_t i = 0; i < n; i++) {
        perform(c, &req, &calls[i]);
    }
    http_client_free(c);
    server_stop(s);
    assert_true(s->reported);
    return s;
}

/* The same against a new server on script. */
static struct server *run_gets(const struct conn_script *script, size_t n_script,
                               const struct http_options *opts, const char *path,
                               struct call *calls, size_t n)
{
    return gets(server_start(script, n_script), opts, path, calls, n);
}

/* One GET of "/" against a server whose one connection gets answer. */
static struct server *run_one(const char *answer, struct call *call)
{
    const struct conn_script script = { .answers = { answer } };

    return run_gets(&script, 1, NULL, "/", call, 1);
}

static void calls_free(struct call *calls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        http_response_free(&calls[i].resp);
    }
}

/* A call that got an answer with status and body. */
static void assert_answer(const struct call *call, long status, const char *body)
{
    if (call->rc != R53_OK || call->resp.body == NULL) {
        fail_msg("no answer (rc %d): %s", call->rc, call->err.reason);
        return;
    }
    assert_int_equal(call->resp.status, status);
    assert_int_equal(call->resp.body_len, strlen(body));
    assert_memory_equal(call->resp.body, body, strlen(body));
    assert_int_equal(call->resp.body[call->resp.body_len], '\0');
}

/* A call that failed with rc and a reason holding words. */
static void assert_failed(const struct call *call, r53_rc rc, const char *words)
{
    if (call->rc != rc || strstr(call->err.reason, words) == NULL) {
        fail_msg("rc %d, not %d, or \"%s\" lacks \"%s\"", call->rc, rc, call->err.reason, words);
    }
    assert_null(call->resp.body);
}

/* ---- the cases --------------------------------------------------------- */

/* Content-Length frames the body; the Date header is read, or 0. */
static void content_length_body(void **state)
{
    static const struct conn_script script[] = {
        { .answers = { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                       "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\nhello",
                       "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\ngone" } },
    };
    struct call calls[2];
    struct server *s = NULL;

    (void)state;
    s = run_gets(script, ARRAY_LEN(script), NULL, "/", calls, ARRAY_LEN(calls));
    assert_answer(&calls[0], 200, "hello");
    assert_int_equal(calls[0].resp.date, 784111777);
    assert_answer(&calls[1], 404, "gone");
    assert_int_equal(calls[1].resp.date, 0);
    calls_free(calls, ARRAY_LEN(calls));
    free(s);
}

/* Chunks, with and without a trailer: the trailer is read whole, so the
 * next answer on the same connection is read right. */
static void chunked_body(void **state)
{
    static const struct conn_script script[] = {
        { .answers = { CHUNKED_HEAD WIKIPEDIA "\r\n",
                       CHUNKED_HEAD WIKIPEDIA "X-Checksum: 42\r\n\r\n",
                       "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext" } },
    };
    struct call calls[3];
    struct server *s = NULL;

    (void)state;
    s = run_gets(script, ARRAY_LEN(script), NULL, "/", calls, ARRAY_LEN(calls));
    assert_answer(&calls[0], 200, "Wikipedia");
    assert_answer(&calls[1], 200, "Wikipedia");
    assert_answer(&calls[2], 200, "next");
    assert_int_equal(s->accepted, 1);
    calls_free(calls, ARRAY_LEN(calls));
    free(s);
}

/* Neither Content-Length nor chunks: the body ends with the connection. */
static void body_to_close(void **state)
{
    struct call call;
    struct server *s = run_one("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                               "all of it\r\nup to the end",
                               &call);

    (void)state;
    assert_answer(&call, 200, "all of it\r\nup to the end");
    calls_free(&call, 1);
    free(s);
}

/* A 100 Continue before the answer is skipped. */
static void interim_answer_skipped(void **state)
{
    struct call call;
    struct server *s = run_one("HTTP/1.1 100 Continue\r\n\r\n"
                               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                               &call);

    (void)state;
    assert_answer(&call, 200, "ok");
    calls_free(&call, 1);
    free(s);
}

/* Two requests share one connection; after "Connection: close" (the
 * server still holding the first open) the second takes a new one. */
static void keep_alive(void **state)
{
    static const struct conn_script kept[] = { { .answers = { OK_ONE, OK_TWO } } };
    static const struct conn_script closing[] = {
        { .answers = { "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\none" },
          .linger = true },
        { .answers = { OK_TWO } },
    };
    struct call calls[2];
    struct server *s = NULL;

    (void)state;
    s = run_gets(kept, ARRAY_LEN(kept), NULL, "/", calls, ARRAY_LEN(calls));
    assert_answer(&calls[0], 200, "one");
    assert_answer(&calls[1], 200, "two");
    assert_int_equal(s->accepted, 1);
    calls_free(calls, ARRAY_LEN(calls));
    free(s);

    s = run_gets(closing, ARRAY_LEN(closing), NULL, "/", calls, ARRAY_LEN(calls));
    assert_answer(&calls[0], 200, "one");
    assert_answer(&calls[1], 200, "two");
    assert_int_equal(s->accepted, 2);
    calls_free(calls, ARRAY_LEN(calls));
    free(s);
}

/* A kept connection the server closed (as one does when it times out an
 * idle connection): the request is sent again on a new one. */
static void closed_kept_connection_retried(void **state)
{
    static const struct conn_script script[] = {
        { .answers = { OK_ONE } },
        { .answers = { OK_TWO } },
    };
    struct call calls[2];
    struct server *s = NULL;

    (void)state;
    s = run_gets(script, ARRAY_LEN(script), NULL, "/", calls, ARRAY_LEN(calls));
    assert_answer(&calls[0], 200, "one");
    assert_answer(&calls[1], 200, "two");
    assert_int_equal(s->accepted, 2);
    calls_free(calls, ARRAY_LEN(calls));
    free(s);
}

/* A body, or a chunk, over HTTP_MAX_BODY is refused before it is read. */
static void oversize_body_refused(void **state)
{
    char length[128];
    char chunk[128];
    const char *answers[] = { length, chunk };

    (void)state;
    snprintf(length, sizeof(length), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n",
             HTTP_MAX_BODY + 1);
    snprintf(chunk, sizeof(chunk), "%s%x\r\n", CHUNKED_HEAD, HTTP_MAX_BODY + 1);
    for (size_t i = 0; i < ARRAY_LEN(answers); i++) {
        struct call call;
        struct server *s = run_one(answers[i], &call);

        assert_failed(&call, R53_ERR_HTTP, "larger than");
        free(s);
    }
}

/* Headers over HTTP_MAX_HEADERS in all (every line short), or one line
 * over 8192 bytes (the headers short in all), are refused. */
static void oversize_headers_refused(void **state)
{
    size_t cap = HTTP_MAX_HEADERS + 16384;
    char *many = malloc(cap);
    char *long_line = malloc(cap);
    const char *answers[] = { many, long_line };
    size_t n = 0;

    (void)state;
    assert_non_null(many);
    assert_non_null(long_line);
    n = (size_t)snprintf(many, cap, "HTTP/1.1 200 OK\r\n");
    for (int line = 0; n + 200 < cap; line++) {
        n += (size_t)snprintf(many + n, cap - n, "X-Filler-%04d: %0100d\r\n", line, 0);
    }
    snprintf(many + n, cap - n, "Content-Length: 0\r\n\r\n");
    n = (size_t)snprintf(long_line, cap, "HTTP/1.1 200 OK\r\nX-Long: ");
    memset(long_line + n, 'a', 9000);
    snprintf(long_line + n + 9000, cap - n - 9000, "\r\nContent-Length: 0\r\n\r\n");
    for (size_t i = 0; i < ARRAY_LEN(answers); i++) {
        struct call call;
        struct server *s = run_one(answers[i], &call);

        assert_failed(&call, R53_ERR_HTTP, "oversize headers");
        free(s);
    }
    free(many);
    free(long_line);
}

/* An answer cut short by the connection's end is a network failure. */
static void truncated_body_fails(void **state)
{
    struct call call;
    struct server *s = run_one("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", &call);

    (void)state;
    assert_failed(&call, R53_ERR_NETWORK, "closed mid-answer");
    assert_int_equal(s->accepted, 1);
    free(s);
}

/* Something that is not HTTP is not an answer. */
static void garbage_answer_fails(void **state)
{
    struct call call;
    struct server *s = run_one("SSH-2.0-OpenSSH_9.2\r\n\r\n", &call);

    (void)state;
    assert_int_not_equal(call.rc, R53_OK);
    assert_non_null(strstr(call.err.reason, "not HTTP"));
    assert_null(call.resp.body);
    free(s);
}

/* A server that never answers: the request timeout is a network failure,
 * the action's deadline a timeout; with no time left nothing is sent.
 * No reason holds the query. */
static void silent_server_times_out(void **state)
{
    static const struct conn_script silent[] = { { .linger = true } };
    struct http_options request_timeout = { .connect_timeout_ms = 2000, .request_timeout_ms = 300 };
    struct http_options deadline = { .connect_timeout_ms = 2000, .request_timeout_ms = 5000 };
    struct http_options past = deadline;
    struct call call;
    struct server *s = NULL;

    (void)state;
    s = run_gets(silent, 1, &request_timeout, "/wait?secret=1", &call, 1);
    assert_failed(&call, R53_ERR_NETWORK, "did not answer in time");
    assert_null(strstr(call.err.reason, "secret"));
    assert_int_equal(s->accepted, 1);
    assert_true(s->received_len > 4);
    assert_string_equal(s->received + s->received_len - 4, "\r\n\r\n");
    free(s);

    s = server_start(silent, 1);
    deadline.deadline_ms = util_now_ms() + 300; /* once the server runs */
    s = gets(s, &deadline, "/wait?secret=1", &call, 1);
    assert_failed(&call, R53_ERR_TIMEOUT, "before the action's timeout");
    assert_null(strstr(call.err.reason, "secret"));
    free(s);

    past.deadline_ms = util_now_ms() - 1;
    s = run_gets(silent, 1, &past, "/wait?secret=1", &call, 1);
    assert_failed(&call, R53_ERR_TIMEOUT, "no time left");
    assert_int_equal(s->accepted, 0);
    assert_int_equal(s->received_len, 0);
    free(s);
}

/* A port nobody listens on: "cannot reach", the URL without its query. */
static void refused_connection_fails(void **state)
{
    int port = 0;
    char url[256];
    struct http_client *c = http_client_new_ops(http_tls_ops(), NULL, &default_opts);
    struct http_request req = { .method = "GET", .url = url };
    struct call call;

    (void)state;
    close(listen_loopback(&port));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/path?secret=1", port);
    perform(c, &req, &call);
    http_client_free(c);
    assert_failed(&call, R53_ERR_NETWORK, "cannot reach");
    snprintf(url, sizeof(url), "127.0.0.1:%d/path", port);
    assert_non_null(strstr(call.err.reason, url));
    assert_null(strstr(call.err.reason, "secret"));
}

/* A header with a line break is refused, and nothing reaches the server. */
static void header_line_break_refused(void **state)
{
    static const struct conn_script script[] = { { .answers = { OK_ONE } } };
    static const struct http_header injected[] = { { "X-Note", "a\r\nX-Injected: 1" } };
    struct server *s = server_start(script, ARRAY_LEN(script));
    struct http_client *c = http_client_new_ops(http_tls_ops(), NULL, &default_opts);
    char url[256];
    struct http_request req = { .method = "GET", .url = url, .headers = injected, .n_headers = 1 };
    struct call call;

    (void)state;
    url_for(s, "/", url, sizeof(url));
    perform(c, &req, &call);
    http_client_free(c);
    server_stop(s);
    assert_true(s->reported);
    assert_int_not_equal(call.rc, R53_OK);
    assert_null(call.resp.body);
    assert_int_equal(s->accepted, 0);
    assert_int_equal(s->received_len, 0);
    free(s);
}

/* The bytes of req (its url's path appended to the server's address)
 * as the server received them; the call answered. */
static struct server *sent_bytes(struct http_request *req, const char *path)
{
    static const struct conn_script script[] = { { .answers = { OK_ONE } } };
    struct server *s = server_start(script, ARRAY_LEN(script));
    struct http_client *c = http_client_new_ops(http_tls_ops(), NULL, &default_opts);
    char url[256];
    struct call call;

    url_for(s, path, url, sizeof(url));
    req->url = url;
    perform(c, req, &call);
    req->url = NULL;
    http_client_free(c);
    server_stop(s);
    assert_true(s->reported);
    assert_answer(&call, 200, "one");
    calls_free(&call, 1);
    return s;
}

/* How many times needle occurs in haystack, case aside. */
static int count_case(const char *haystack, const char *needle)
{
    int n = 0;

    for (const char *at = strcasestr(haystack, needle); at != NULL;
         at = strcasestr(at + 1, needle)) {
        n++;
    }
    return n;
}

/* POST: the request line, Host added, the caller's headers, the body's
 * length and the body. */
static void post_bytes(void **state)
{
    static const struct http_header headers[] = { { "X-One", "1" }, { "X-Two", "two" } };
    struct http_request req = {
        .method = "POST", .headers = headers, .n_headers = 2, .body = "a=1&b=2", .body_len = 7
    };
    struct server *s = sent_bytes(&req, "/a/b?x=1");
    char host[64];
    const char *r = s->received;

    (void)state;
    snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", s->port);
    assert_int_equal(strncmp(r, "POST /a/b?x=1 HTTP/1.1\r\n", 24), 0);
    assert_non_null(strstr(r, host));
    assert_int_equal(count_case(r, "\nhost:"), 1);
    assert_non_null(strstr(r, "\r\nX-One: 1\r\n"));
    assert_non_null(strstr(r, "\r\nX-Two: two\r\n"));
    assert_non_null(strstr(r, "\r\nContent-Length: 7\r\n"));
    assert_true(s->received_len > 11);
    assert_string_equal(r + s->received_len - 11, "\r\n\r\na=1&b=2");
    free(s);
}

/* GET: no Content-Length; the caller's host header replaces the one
 * made from the URL; a URL with only a query asks for "/?query". */
static void get_bytes(void **state)
{
    static const struct http_header host[] = { { "host", "route53.example.test" } };
    struct http_request req = { .method = "GET", .headers = host, .n_headers = 1 };
    struct http_request bare = { .method = "GET" };
    struct server *s = sent_bytes(&req, "/2013-04-01/change/C1");

    (void)state;
    assert_int_equal(strncmp(s->received, "GET /2013-04-01/change/C1 HTTP/1.1\r\n", 36), 0);
    assert_non_null(strstr(s->received, "\r\nhost: route53.example.test\r\n"));
    assert_int_equal(count_case(s->received, "\nhost:"), 1);
    assert_null(strcasestr(s->received, "content-length"));
    assert_true(s->received_len > 4);
    assert_string_equal(s->received + s->received_len - 4, "\r\n\r\n");
    free(s);

    s = sent_bytes(&bare, "?x=1");
    assert_int_equal(strncmp(s->received, "GET /?x=1 HTTP/1.1\r\n", 20), 0);
    assert_int_equal(count_case(s->received, "\nhost:"), 1);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_length_body),
        cmocka_unit_test(chunked_body),
        cmocka_unit_test(body_to_close),
        cmocka_unit_test(interim_answer_skipped),
        cmocka_unit_test(keep_alive),
        cmocka_unit_test(closed_kept_connection_retried),
        cmocka_unit_test(oversize_body_refused),
        cmocka_unit_test(oversize_headers_refused),
        cmocka_unit_test(truncated_body_fails),
        cmocka_unit_test(garbage_answer_fails),
        cmocka_unit_test(silent_server_times_out),
        cmocka_unit_test(refused_connection_fails),
        cmocka_unit_test(header_line_break_refused),
        cmocka_unit_test(post_bytes),
        cmocka_unit_test(get_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
