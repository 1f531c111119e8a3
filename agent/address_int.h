/* Private to agent/address.c (and its unit test): the choice of an
 * interface's primary address, separated from getifaddrs() so every case
 * can be tested without creating interfaces. */
#ifndef R53_ADDRESS_INT_H
#define R53_ADDRESS_INT_H

#include <ifaddrs.h>

#include "address.h"

/* From the list returned by getifaddrs(), the first IPv4 address of
 * ifname, else its first IPv6 address that is neither link-local
 * (fe80::/10) nor loopback.  R53_ERR_HOST (with reason) if none. */
r53_rc address_pick_from_ifaddrs(const struct ifaddrs *list, const char *ifname,
                                 struct address *out, struct r53_error *err);

#endif
