#include "credentials.h"

#include <json-c/json.h>
#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "shlex.h"
#include "spawn.h"
#include "util.h"

#define PROCESS_MAX_OUT (64 * 1024) /* the documented cap on its stdout */
#define PROCESS_MAX_ARGS 64

struct process_source {
    char command[4096]; /* as the profile gives it */
    long timeout_ms;
};

/* command split as the AWS CLI splits it (shlex.split) into
 * argv[PROCESS_MAX_ARGS], NULL-ended, the words in buf (as long as
 * command); false when it does not split or has too many words. */
static bool split_command(const char *command, char *buf, const char **argv)
{
    int argc = shlex_split(command, strlen(command), buf, argv, PROCESS_MAX_ARGS - 1);

    if (argc < 1 || argc > PROCESS_MAX_ARGS - 1) {
        return false;
    }
    argv[argc] = NULL;
    return true;
}

/* The JSON's string field name, or NULL. */
static const char *json_string(struct json_object *root, const char *name)
{
    struct json_object *v = NULL;

    return json_object_object_get_ex(root, name, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

/* Version 1 JSON with AccessKeyId, SecretAccessKey, [SessionToken],
 * [Expiration]; a reason names the command, never the output. */
static r53_rc read_output(const char *name, const char *out, struct credentials *creds,
                          time_t *expires, struct r53_error *err)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *root =
        tok != NULL ? json_tokener_parse_ex(tok, out, (int)strlen(out)) : NULL;
    struct json_object *version = NULL;
    const char *expiration = root != NULL ? json_string(root, "Expiration") : NULL;
    const char *id = root != NULL ? json_string(root, "AccessKeyId") : NULL;
    const char *secret = root != NULL ? json_string(root, "SecretAccessKey") : NULL;
    const char *token = root != NULL ? json_string(root, "SessionToken") : NULL;
    r53_rc rc = R53_OK;

    if (root == NULL || !json_object_is_type(root, json_type_object)) {
        rc = r53_fail(err, R53_ERR_HOST, "credential_process %s printed no JSON object", name);
    } else if (!json_object_object_get_ex(root, "Version", &version) ||
               json_object_get_int(version) != 1) {
        rc = r53_fail(err, R53_ERR_HOST, "credential_process %s: JSON Version is not 1", name);
    } else if (id == NULL || secret == NULL || id[0] == '\0' || secret[0] == '\0') {
        rc = r53_fail(err, R53_ERR_HOST,
                      "credential_process %s: JSON lacks AccessKeyId or SecretAccessKey", name);
    } else if (expiration != NULL && !util_parse_iso8601(expiration, expires)) {
        rc = r53_fail(err, R53_ERR_HOST,
                      "credential_process %s: Expiration is not an ISO 8601 time", name);
    } else {
        rc = credentials_fill(creds, id, strlen(id), secret, strlen(secret), token,
                              token != NULL ? strlen(token) : 0, "credential_process", err);
    }
    if (root != NULL) {
        credentials_json_wipe(root);
        json_object_put(root);
    }
    credentials_json_tokener_free(tok);
    return rc;
}

/* Run the command; its credentials in *out, their Expiration in *expires
 * (0: none given). */
static r53_rc run_process(const struct process_source *ps, struct credentials *out, time_t *expires,
                          struct r53_error *err)
{
    /* A minimal environment: no AWS secret of ours reaches it. */
    static const char *const env_allow[] = {
        "HOME", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION", NULL
    };
    char words[sizeof(ps->command)];
    char path[512];
    const char *argv[PROCESS_MAX_ARGS];
    char *text = calloc(1, PROCESS_MAX_OUT + 1);
    char errout[512] = "";
    char line[160] = "";
    struct spawn_opts o = {
        .env_allow = env_allow,
        .timeout_ms = ps->timeout_ms,
        .out = text,
        .out_cap = PROCESS_MAX_OUT + 1,
        .err = errout,
        .err_cap = sizeof(errout),
    };
    int status = 0;
    r53_rc rc = R53_OK;

    if (text == NULL) {
        return r53_fail(err, R53_ERR_NOMEM, "out of memory");
    }
    if (!split_command(ps->command, words, argv) ||
        (argv[0][0] != '/' && (argv[0] = spawn_find(argv[0], path, sizeof(path))) == NULL)) {
        rc = r53_fail(err, R53_ERR_HOST,
                      "credential_process '%s' is not a command found on this node",
                      util_printable(ps->command, line, sizeof(line)));
    } else if ((rc = spawn_capture(argv, &o, &status, err)) != R53_OK) {
        rc = r53_fail(err, rc == R53_ERR_TIMEOUT ? R53_ERR_TIMEOUT : R53_ERR_HOST,
                      "credential_process: %s", err->reason);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errout[strcspn(errout, "\r\n")] = '\0';
        rc = r53_fail(err, R53_ERR_HOST, "credential_process %s %s %d: %s", argv[0],
                      WIFEXITED(status) ? "exited with" : "was killed by signal",
                      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                      errout[0] != '\0' ? util_printable(errout, line, sizeof(line))
                                        : "(no stderr)");
    } else if (strlen(text) >= PROCESS_MAX_OUT) {
        rc = r53_fail(err, R53_ERR_HOST, "credential_process %s printed more than %d bytes",
                      argv[0], PROCESS_MAX_OUT);
    } else {
        rc = read_output(argv[0], text, out, expires, err);
    }
    mbedtls_platform_zeroize(text, PROCESS_MAX_OUT + 1);
    free(text);
    return rc;
}

/* Run it on each get; cred_cached keeps keys with an Expiration. */
static r53_rc process_get(struct cred_provider *p, struct credentials *out, struct r53_error *err)
{
    time_t expires = 0;
    r53_rc rc = run_process(p->impl, out, &expires, err);

    if (rc == R53_OK) {
        out->expires = expires;
    }
    return rc;
}

static void process_destroy(struct cred_provider *p)
{
    free(p->impl);
}

static const struct cred_provider_ops process_ops = {
    .get = process_get,
    .destroy = process_destroy,
};

struct cred_provider *cred_process_new(const char *command, long timeout_ms)
{
    struct process_source *ps = calloc(1, sizeof(*ps));

    if (ps == NULL) {
        return NULL;
    }
    snprintf(ps->command, sizeof(ps->command), "%s", command);
    ps->timeout_ms = timeout_ms;
    return cred_provider_new("credential_process", &process_ops, ps);
}
