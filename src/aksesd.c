/*
 * aksesd - the access provisioning daemon: main().
 *
 * `aksesd --check` validates the policy and exits, like `sshd -t`;
 * otherwise it runs the daemon (daemon.c) until SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "diag.h"
#include "policy.h"

#ifndef DEFAULT_POLICY
#define DEFAULT_POLICY "/etc/aksesd/policy.yaml"
#endif

static void usage(FILE *out)
{
        fprintf(out, "usage: aksesd [--policy FILE] [--check] [--verbose]\n"
                     "  --check     validate the policy, print \"configuration OK\" and exit\n"
                     "  --verbose   also print each journaled event on stderr\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy", required_argument, NULL, 'p' },
                { "check", no_argument, NULL, 't' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 } };
        struct daemon_options o = { .policy_path = getenv("AKSES_POLICY") };
        if (!o.policy_path || !*o.policy_path)
                o.policy_path = DEFAULT_POLICY;
        bool check_only = false;
        int c;
        while ((c = getopt_long(argc, argv, "p:tvh", opts, NULL)) != -1) {
                switch (c) {
                case 'p': o.policy_path = optarg; break;
                case 't': check_only = true; break;
                case 'v': o.foreground_echo = true; break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
        }
        if (optind != argc) {
                usage(stderr);
                return 2;
        }
        if (sodium_init() < 0) {
                fprintf(stderr, "aksesd: libsodium failed to initialise\n");
                return 2;
        }
        if (!check_only)
                return daemon_run(&o);
        struct diag_list d;
        struct policy *p = NULL;
        diag_init(&d);
        int r = policy_load(o.policy_path, &d, &p);
        diag_sort(&d);
        diag_print(&d, stderr);
        diag_free(&d);
        if (r < 0)
                return r == -EINVAL ? 1 : 2;
        policy_free(p);
        printf("configuration OK\n");
        return 0;
}
