#include "env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "util.h"

const char *env_getenv(const char *name)
{
    return getenv(name);
}

void env_load(env_getenv_fn get, struct agent_env *out)
{
    struct utsname uts;

    memset(out, 0, sizeof(*out));
    out->instance = util_unset_if_empty(get("OCF_RESOURCE_INSTANCE"));
    if (out->instance == NULL) {
        out->instance = ENV_DEFAULT_INSTANCE;
    }
    out->rsctmp = util_unset_if_empty(get("HA_RSCTMP"));
    if (out->rsctmp == NULL) {
        out->rsctmp = ENV_DEFAULT_RSCTMP;
    }
    out->node = util_unset_if_empty(get("OCF_RESKEY_CRM_meta_on_node"));
    if (out->node == NULL && uname(&uts) == 0 && uts.nodename[0] != '\0') {
        snprintf(out->node_buf, sizeof(out->node_buf), "%s", uts.nodename);
        out->node = out->node_buf;
    }
    if (out->node == NULL) {
        out->node = "?";
    }
}
