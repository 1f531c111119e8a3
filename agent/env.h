/* What Pacemaker tells the agent about where it runs, each variable read
 * once, at start-up, here, with its one fallback: the resource instance,
 * the directory for run-time state, and this node's name.  The rest of
 * the agent takes them from struct agent_env. */
#ifndef R53_ENV_H
#define R53_ENV_H

#define ENV_DEFAULT_INSTANCE "route53"
#define ENV_DEFAULT_RSCTMP "/run/resource-agents"

/* Look up one variable; env_getenv in production, a table in tests. */
typedef const char *(*env_getenv_fn)(const char *name);

/* getenv with the const-correct type env_getenv_fn wants. */
const char *env_getenv(const char *name);

struct agent_env {
    const char *instance; /* OCF_RESOURCE_INSTANCE, else "route53" */
    const char *rsctmp;   /* HA_RSCTMP, else /run/resource-agents: the state
                             file, caches and the node's request budget */
    const char *node;     /* OCF_RESKEY_CRM_meta_on_node, else this host's
                             node name (uname), else "?" */
    char node_buf[256];   /* storage for node from uname */
};

/* Fill *out through get; an empty variable counts as unset.  Strings
 * point into the environment or into *out. */
void env_load(env_getenv_fn get, struct agent_env *out);

#endif
