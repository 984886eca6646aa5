/*
 * aksesd - the access provisioning daemon.
 *
 * `aksesd --check` validates the policy and exits, like `sshd -t`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "policy.h"

#ifndef DEFAULT_POLICY
#define DEFAULT_POLICY "/etc/aksesd/policy.yaml"
#endif

static void usage(FILE *out)
{
        fprintf(out, "usage: aksesd [--policy FILE] [--check]\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy", required_argument, NULL, 'p' },
                { "check", no_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 } };
        const char *policy_path = DEFAULT_POLICY;
        bool check_only = false;
        int c;
        while ((c = getopt_long(argc, argv, "p:th", opts, NULL)) != -1) {
                switch (c) {
                case 'p': policy_path = optarg; break;
                case 't': check_only = true; break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
        }
        if (optind != argc) {
                usage(stderr);
                return 2;
        }
        struct diag_list d;
        struct policy *p = NULL;
        diag_init(&d);
        int r = policy_load(policy_path, &d, &p);
        diag_sort(&d);
        diag_print(&d, stderr);
        diag_free(&d);
        if (r < 0)
                return r == -EINVAL ? 1 : 2;
        policy_free(p);
        if (check_only) {
                printf("configuration OK\n");
                return 0;
        }
        fprintf(stderr, "aksesd: only --check is available in this build\n");
        return 2;
}
