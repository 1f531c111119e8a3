#include "owner.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "address.h"
#include "spawn.h"

#define MARKER_HERITAGE "heritage=route53,"

/* The characters a marker carries as they are: it splits on ',' and '='. */
static bool plain_char(unsigned char ch)
{
    return isalnum(ch) || strchr("._:-", ch) != NULL;
}

/* The cluster and resource names: other characters become '_' (as
 * released markers have them). */
static void clean(const char *in, char *out, size_t len)
{
    size_t o = 0;

    for (; *in != '\0' && o + 1 < len; in++) {
        unsigned char ch = (unsigned char)*in;

        out[o++] = plain_char(ch) ? (char)ch : '_';
    }
    out[o] = '\0';
}

/* The set identifier: other characters as "%XX" ('%' among them), so
 * two identifiers never share a marker (out holds 3 per character). */
static void escape(const char *in, char *out, size_t len)
{
    size_t o = 0;

    for (; *in != '\0' && o + 4 <= len; in++) {
        unsigned char ch = (unsigned char)*in;

        if (plain_char(ch)) {
            out[o++] = (char)ch;
        } else {
            o += (size_t)snprintf(out + o, len - o, "%%%02X", ch);
        }
    }
    out[o] = '\0';
}

/* The CIB's cluster-name, through crm_attribute. */
static r53_rc cib_cluster_name(long timeout_ms, char *out, size_t len, struct r53_error *err)
{
    char tool[512];
    char text[256] = "";
    char errout[256] = "";
    struct spawn_opts o = {
        .env_allow = address_pacemaker_env,
        .timeout_ms = timeout_ms,
        .out = text,
        .out_cap = sizeof(text),
        .err = errout,
        .err_cap = sizeof(errout),
    };
    const char *argv[] = { tool,           "--type",  "crm_config", "--name",
                           "cluster-name", "--query", "--quiet",    NULL };
    int status = 0;

    if (spawn_find("crm_attribute", tool, sizeof(tool)) == NULL) {
        return r53_fail(err, R53_ERR_HOST, "crm_attribute is not installed");
    }
    if (spawn_capture(argv, &o, &status, err) != R53_OK) {
        return r53_fail(err, R53_ERR_HOST, "%s", err->reason);
    }
    text[strcspn(text, "\r\n")] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text[0] == '\0') {
        return r53_fail(err, R53_ERR_HOST, "the CIB has no cluster-name (crm_attribute exit %d)",
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    clean(text, out, len);
    return R53_OK;
}

/* me from the names as given (cluster NULL: not known yet, ""). */
static void identity(const char *cluster, const char *instance, const char *set_identifier,
                     struct owner_id *me)
{
    char rsc[256];
    char *colon = NULL;

    memset(me, 0, sizeof(*me));
    /* A clone instance ("dns:1") owns what its resource owns. */
    snprintf(rsc, sizeof(rsc), "%s", instance);
    if ((colon = strchr(rsc, ':')) != NULL) {
        *colon = '\0';
    }
    clean(rsc, me->resource, sizeof(me->resource));
    escape(set_identifier != NULL ? set_identifier : "", me->set, sizeof(me->set));
    clean(cluster != NULL ? cluster : "", me->cluster, sizeof(me->cluster));
}

r53_rc owner_self(const struct params_ownership *o, const char *instance,
                  const char *set_identifier, const char *known, long timeout_ms,
                  struct owner_id *me, struct r53_error *err)
{
    identity(o->owner != NULL ? o->owner : known, instance, set_identifier, me);
    if (o->owner != NULL || (known != NULL && known[0] != '\0')) {
        return R53_OK;
    }
    if (cib_cluster_name(timeout_ms, me->cluster, sizeof(me->cluster), err) != R53_OK) {
        return r53_fail(err, R53_ERR_HOST,
                        "cannot tell which cluster owns the name: %s; set the owner "
                        "parameter (or ownership=off)",
                        err->reason);
    }
    return R53_OK;
}

r53_rc owner_check(const struct params_ownership *o, const char *instance,
                   const char *set_identifier, struct r53_error *err)
{
    struct owner_id me;
    char marker[OWNER_MARKER_ROOM];

    if (o->mode == OWNERSHIP_OFF) {
        return R53_OK;
    }
    identity(o->owner, instance, set_identifier, &me);
    return owner_marker(&me, marker, sizeof(marker), err);
}

/* The longest part of me's marker, in the words of what sets it. */
static const char *longest_part(const struct owner_id *me, size_t *n)
{
    size_t c = strlen(me->cluster);
    size_t r = strlen(me->resource);
    size_t s = strlen(me->set);

    *n = s >= c && s >= r ? s : (r >= c ? r : c);
    if (s >= c && s >= r) {
        return "set_identifier (characters other than letters, digits and ._:- count 3)";
    }
    return r >= c ? "the resource's name" : "the cluster name (owner, else the CIB's cluster-name)";
}

r53_rc owner_marker(const struct owner_id *me, char *out, size_t len, struct r53_error *err)
{
    size_t n = 0;
    /* Without its quotes: one TXT string holds 255 characters. */
    int m = snprintf(out, len, "\"" MARKER_HERITAGE "cluster=%s,resource=%s%s%s\"", me->cluster,
                     me->resource, me->set[0] != '\0' ? ",set=" : "", me->set);

    if (m < 0 || (size_t)m >= len || (size_t)m - 2 > OWNER_MARKER_MAX) {
        const char *part = longest_part(me, &n);

        out[0] = '\0';
        return r53_fail(err, R53_ERR_CONFIG,
                        "the ownership marker would be %d characters, more than the %d of one "
                        "TXT string: shorten %s (%zu characters of it), or set ownership=off",
                        m - 2, OWNER_MARKER_MAX, part, n);
    }
    return R53_OK;
}

/* key=value's value in text (up to ',' or the closing quote). */
static bool take(const char *text, const char *key, char *out, size_t len)
{
    const char *at = strstr(text, key);
    size_t n = 0;

    if (at == NULL) {
        return false;
    }
    at += strlen(key);
    n = strcspn(at, ",\"");
    if (n == 0 || n >= len) {
        return false;
    }
    memcpy(out, at, n);
    out[n] = '\0';
    return true;
}

bool owner_parse(const char *txt, struct owner_id *who)
{
    memset(who, 0, sizeof(*who));
    if (strncmp(txt, "\"" MARKER_HERITAGE, strlen(MARKER_HERITAGE) + 1) != 0 ||
        !take(txt, ",cluster=", who->cluster, sizeof(who->cluster)) ||
        !take(txt, ",resource=", who->resource, sizeof(who->resource))) {
        return false;
    }
    /* No set: a plain record's marker (and every marker before members). */
    if (!take(txt, ",set=", who->set, sizeof(who->set))) {
        who->set[0] = '\0';
    }
    return true;
}

enum owner_state owner_of(const struct r53_name *name, const struct owner_id *me,
                          struct owner_id *other)
{
    const struct r53_rrset *txt = r53_name_find(name, "TXT", "");
    enum owner_state state = OWNER_NONE;

    for (size_t i = 0; txt != NULL && i < txt->n_values && i < R53_MAX_VALUES; i++) {
        struct owner_id who;

        if (!owner_parse(txt->values[i], &who) || strcmp(who.set, me->set) != 0) {
            continue; /* not a marker, or another record's */
        }
        if (strcmp(who.cluster, me->cluster) == 0 && strcmp(who.resource, me->resource) == 0) {
            state = state == OWNER_NONE ? OWNER_US : state;
        } else {
            *other = who;
            state = OWNER_OTHER; /* a foreign marker wins over ours */
        }
    }
    return state;
}

/* The TXT values to keep: all but the markers of the record set ours
 * names (set), and with drop_plain also a plain record's markers. */
static size_t kept_txt(const struct r53_rrset *txt, const char *set, bool drop_plain,
                       const char **out)
{
    size_t n = 0;

    for (size_t i = 0; txt != NULL && i < txt->n_values && i < R53_MAX_VALUES; i++) {
        struct owner_id who;

        if (!owner_parse(txt->values[i], &who) ||
            (strcmp(who.set, set) != 0 && !(drop_plain && who.set[0] == '\0'))) {
            out[n++] = txt->values[i];
        }
    }
    return n;
}

/* One change of a batch, values[0..n) its values. */
static struct r53_change change(const char *action, const char *fqdn, const char *type, long ttl,
                                const char *const *values, size_t n)
{
    return (struct r53_change){
        .action = action,
        .fqdn = fqdn,
        .type = type,
        .ttl = ttl,
        .values = values,
        .n_values = n,
    };
}

/* DELETE set exactly as read, a member's routing with it. */
static void delete_as_read(const struct r53_rrset *set, const char **values, struct r53_change *ch)
{
    size_t n = 0;

    for (; n < set->n_values && n < R53_MAX_VALUES; n++) {
        values[n] = set->values[n];
    }
    *ch = change("DELETE", set->name, set->type, set->ttl, values, n);
    ch->set_identifier = set->set_identifier;
    ch->routing = &set->routing;
}

/* Our marker's set: "" for a plain record. */
static const char *marker_set(const char *marker, struct owner_id *who)
{
    return owner_parse(marker, who) ? who->set : "";
}

size_t owner_build_claim(const struct r53_name *name, const struct owner_record *rec,
                         const char *marker, struct owner_batch *b)
{
    const char *set = rec->set_identifier != NULL ? rec->set_identifier : "";
    const struct r53_rrset *addr = r53_name_find(name, rec->type, set);
    const struct r53_rrset *plain = set[0] != '\0' ? r53_name_find(name, rec->type, "") : NULL;
    const struct r53_rrset *txt = r53_name_find(name, "TXT", "");
    struct owner_id who;
    size_t n = 0;
    size_t k = 0;

    if (plain != NULL) {
        delete_as_read(plain, b->old_plain, &b->changes[n++]); /* converted in this batch */
    }
    if (addr != NULL) {
        delete_as_read(addr, b->old_addr, &b->changes[n++]);
    }
    b->addr_values[0] = rec->value;
    b->changes[n] = change("CREATE", rec->fqdn, rec->type, rec->ttl, b->addr_values, 1);
    b->changes[n].set_identifier = set;
    b->changes[n++].routing = rec->routing;
    if (marker == NULL) {
        return n;
    }
    if (txt != NULL) {
        delete_as_read(txt, b->old_txt, &b->changes[n++]);
    }
    k = kept_txt(txt, marker_set(marker, &who), plain != NULL, b->new_txt);
    b->new_txt[k++] = marker;
    b->changes[n++] =
        change("CREATE", rec->fqdn, "TXT", txt != NULL ? txt->ttl : rec->ttl, b->new_txt, k);
    return n;
}

size_t owner_build_release(const struct r53_name *name, const struct owner_record *rec,
                           const char *marker, struct owner_batch *b)
{
    const char *set = rec->set_identifier != NULL ? rec->set_identifier : "";
    const struct r53_rrset *addr = r53_name_find(name, rec->type, set);
    const struct r53_rrset *txt = r53_name_find(name, "TXT", "");
    struct owner_id who;
    size_t n = 0;

    if (addr != NULL) {
        delete_as_read(addr, b->old_addr, &b->changes[n++]);
    }
    if (marker != NULL && txt != NULL) {
        size_t k = kept_txt(txt, marker_set(marker, &who), false, b->new_txt);

        delete_as_read(txt, b->old_txt, &b->changes[n++]);
        if (k > 0) {
            b->changes[n++] = change("CREATE", rec->fqdn, "TXT", txt->ttl, b->new_txt, k);
        }
    }
    return n;
}
