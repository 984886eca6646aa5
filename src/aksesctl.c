/*
 * aksesctl - the control CLI of aksesd.
 *
 * Exit codes follow `nginx -t` and `visudo -c`: 0 when all is well, 1 when
 * the input is wrong (every problem printed as FILE:LINE:COL: field:
 * message), 2 on usage or I/O errors.  Secrets never go through argv or
 * the environment: keys are read from files.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "keys.h"
#include "policy.h"
#include "request.h"

#define EXIT_INVALID 1
#define EXIT_USAGE 2

#ifndef DEFAULT_POLICY
#define DEFAULT_POLICY "/etc/aksesd/policy.yaml"
#endif

struct cli {
        const char *policy_path;
};

static void usage(FILE *out)
{
        fprintf(out,
                "usage: aksesctl [--policy FILE] COMMAND [ARGS]\n"
                "\n"
                "commands:\n"
                "  check-policy                 validate the policy; print OK or every problem\n"
                "  check-request FILE...        validate request files against the policy\n"
                "  keygen --id ID --out PREFIX  make an Ed25519 key pair PREFIX.key / PREFIX.pub\n"
                "\n"
                "The policy is --policy FILE, else $AKSES_POLICY, else " DEFAULT_POLICY ".\n"
                "Exit status: 0 valid, 1 invalid input, 2 usage or I/O error.\n");
}

/* Loads the policy, printing its problems; returns an exit code. */
static int load_policy(const struct cli *cli, struct policy **ret)
{
        struct diag_list d;
        diag_init(&d);
        int r = policy_load(cli->policy_path, &d, ret);
        diag_sort(&d);
        diag_print(&d, stderr);
        diag_free(&d);
        if (r == -EINVAL)
                return EXIT_INVALID;
        if (r == -ENOMEM) {
                fprintf(stderr, "aksesctl: out of memory\n");
                return EXIT_USAGE;
        }
        return r < 0 ? EXIT_USAGE : 0;
}

static int cmd_check_policy(const struct cli *cli, int argc, char **argv)
{
        (void)argv;
        if (argc != 1) {
                fprintf(stderr, "usage: aksesctl [--policy FILE] check-policy\n");
                return EXIT_USAGE;
        }
        struct policy *p = NULL;
        int rc = load_policy(cli, &p);
        if (rc == 0) {
                printf("OK\n");
                policy_free(p);
        }
        return rc;
}

static int cmd_check_request(const struct cli *cli, int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: aksesctl [--policy FILE] check-request FILE...\n");
                return EXIT_USAGE;
        }
        struct policy *p = NULL;
        int rc = load_policy(cli, &p);
        if (rc != 0) {
                fprintf(stderr, "aksesctl: %s: the policy is not valid, cannot check requests\n", cli->policy_path);
                return EXIT_USAGE;
        }
        time_t now = time(NULL);
        bool invalid = false, io_error = false;
        for (int i = 1; i < argc; i++) {
                struct diag_list d;
                struct request *req = NULL;
                diag_init(&d);
                int r = request_load(p, argv[i], now, &d, &req);
                diag_sort(&d);
                diag_print(&d, stderr);
                diag_free(&d);
                if (r == 0) {
                        if (argc == 2)
                                printf("OK\n");
                        else
                                printf("%s: OK\n", argv[i]);
                        request_free(req);
                } else if (r == -EINVAL) {
                        invalid = true;
                } else {
                        io_error = true;
                }
        }
        policy_free(p);
        return io_error ? EXIT_USAGE : invalid ? EXIT_INVALID : 0;
}

static int cmd_keygen(int argc, char **argv)
{
        static const struct option opts[] = {
                { "id", required_argument, NULL, 'i' },
                { "out", required_argument, NULL, 'o' },
                { NULL, 0, NULL, 0 } };
        const char *id = NULL, *out = NULL;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'i')
                        id = optarg;
                else if (c == 'o')
                        out = optarg;
                else
                        return EXIT_USAGE;
        }
        if (!id || !out || optind != argc) {
                fprintf(stderr, "usage: aksesctl keygen --id ID --out PREFIX\n");
                return EXIT_USAGE;
        }
        char pub[KEY_PUBLIC_STRLEN], err[512];
        if (key_generate(id, out, pub, err, sizeof(err)) < 0) {
                fprintf(stderr, "aksesctl: keygen: %s\n", err);
                return EXIT_USAGE;
        }
        printf("%s\n", pub);
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 } };
        struct cli cli = { .policy_path = getenv("AKSES_POLICY") };
        if (!cli.policy_path || !*cli.policy_path)
                cli.policy_path = DEFAULT_POLICY;
        int c;
        /* '+' stops at the command so that its own options are its own. */
        while ((c = getopt_long(argc, argv, "+p:h", opts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        cli.policy_path = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        if (sodium_init() < 0) {
                fprintf(stderr, "aksesctl: libsodium failed to initialise\n");
                return EXIT_USAGE;
        }
        const char *cmd = argv[optind];
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        if (strcmp(cmd, "check-policy") == 0)
                return cmd_check_policy(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "check-request") == 0)
                return cmd_check_request(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "keygen") == 0)
                return cmd_keygen(sub_argc, sub_argv);
        fprintf(stderr, "aksesctl: unknown command '%s'\n", cmd);
        usage(stderr);
        return EXIT_USAGE;
}
