/*
 * daemon - aksesd's event loop and the daemon's context.
 *
 * Everything mutable lives in struct daemon; no globals.  The loop is
 * sd-event: inotify on drop/, a realtime timer for the earliest service
 * standard deadline, a timer while intake is paused for lack of space,
 * signals (TERM/INT stop after the current step, HUP reloads the policy)
 * and systemd's watchdog.
 */
#ifndef AKSESD_DAEMON_H
#define AKSESD_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

struct daemon_options {
        const char *policy_path;
        bool foreground_echo;           /* also print events on stderr */
};

/* Runs until SIGTERM; returns the process exit code. */
int daemon_run(const struct daemon_options *opts);

#endif
