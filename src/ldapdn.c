/*
 * ldapdn - DNs and filters built from untrusted values; see ldapdn.h.
 */
#include "ldapdn.h"

#include <ldap.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *dn_child(const char *attr, const char *value, const char *parent)
{
        if (!value || !*value)
                return NULL;
        LDAPDN parent_dn = NULL;
        if (ldap_str2dn(parent, &parent_dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
                return NULL;
        size_t n = 0;
        while (parent_dn && parent_dn[n])
                n++;
        /* One new RDN holding one AVA, in front of the parent's RDNs. */
        LDAPAVA ava = {
                .la_attr = { .bv_val = (char *)attr, .bv_len = strlen(attr) },
                .la_value = { .bv_val = (char *)value, .bv_len = strlen(value) },
                .la_flags = LDAP_AVA_STRING,
        };
        LDAPAVA *rdn[2] = { &ava, NULL };
        LDAPRDN *dn = calloc(n + 2, sizeof(*dn));
        char *out = NULL;
        if (dn) {
                dn[0] = rdn;
                for (size_t i = 0; i < n; i++)
                        dn[i + 1] = parent_dn[i];
                struct berval bv = { 0, NULL };
                if (ldap_dn2bv(dn, &bv, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS) {
                        out = strdup(bv.bv_val);
                        ldap_memfree(bv.bv_val);
                }
                free(dn);
        }
        ldap_dnfree(parent_dn);
        return out;
}

char *filter_eq(const char *attr, const char *value)
{
        struct berval in = { .bv_val = (char *)value, .bv_len = strlen(value) }, esc = { 0, NULL };
        if (ldap_bv2escaped_filter_value(&in, &esc) != 0)
                return NULL;
        size_t len = strlen(attr) + esc.bv_len + 4;
        char *out = malloc(len);
        if (out) {
                memcpy(out, "(", 1);
                memcpy(out + 1, attr, strlen(attr));
                out[1 + strlen(attr)] = '=';
                memcpy(out + 2 + strlen(attr), esc.bv_val, esc.bv_len);
                memcpy(out + 2 + strlen(attr) + esc.bv_len, ")", 2);
        }
        ber_memfree(esc.bv_val);
        return out;
}

bool dn_first_rdn_is(const char *dn, const char *attr, const char *value)
{
        LDAPDN parsed = NULL;
        if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !parsed || !parsed[0])
                return false;
        LDAPAVA **rdn = parsed[0];
        bool ok = rdn[0] && !rdn[1] && rdn[0]->la_attr.bv_len == strlen(attr) &&
                  strncasecmp(rdn[0]->la_attr.bv_val, attr, rdn[0]->la_attr.bv_len) == 0 &&
                  rdn[0]->la_value.bv_len == strlen(value) &&
                  memcmp(rdn[0]->la_value.bv_val, value, rdn[0]->la_value.bv_len) == 0;
        ldap_dnfree(parsed);
        return ok;
}
