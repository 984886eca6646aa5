/*
 * ldapdn - DNs and filters built from untrusted values, escaped at the
 * boundary: RFC 4514 for DNs (through libldap's LDAPAVA/LDAPRDN structures
 * and ldap_dn2bv, since libldap has no single-value escaper) and RFC 4515
 * for filters (ldap_bv2escaped_filter_value).  Never build either with
 * sprintf from a value.
 */
#ifndef AKSESD_LDAPDN_H
#define AKSESD_LDAPDN_H

#include <stdbool.h>
#include <stddef.h>

/* "attr=ESCAPED(value),parent" as a malloc'd string the caller frees;
 * NULL when value is empty, parent is not a DN, or out of memory. */
char *dn_child(const char *attr, const char *value, const char *parent);

/* "(attr=ESCAPED(value))" malloc'd; NULL when out of memory. */
char *filter_eq(const char *attr, const char *value);

/* True when dn parses and its first RDN is attr=value exactly (one AVA):
 * the round trip tests use it to prove escaping kept the value intact. */
bool dn_first_rdn_is(const char *dn, const char *attr, const char *value);

#endif
