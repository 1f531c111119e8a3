/* OCF exit codes (resource-agent-api 1.1).  Only main.c returns them. */
#ifndef R53_OCF_H
#define R53_OCF_H

enum ocf_exit {
    OCF_SUCCESS = 0,
    OCF_ERR_GENERIC = 1,
    OCF_ERR_ARGS = 2,
    OCF_ERR_UNIMPLEMENTED = 3,
    OCF_ERR_PERM = 4,
    OCF_ERR_INSTALLED = 5,
    OCF_ERR_CONFIGURED = 6,
    OCF_NOT_RUNNING = 7,
    OCF_DEGRADED = 190,
};

#endif
