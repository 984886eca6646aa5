/*
 * executor - the activation thread; see executor.h.
 */
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directory.h"
#include "password.h"

#define EXECUTOR_MAX_THREADS 8

/* One worker: its thread and its own LDAP session (sessions are not
 * shared between threads). */
struct worker {
        struct executor *x;
        pthread_t thread;
        bool started;
        struct directory *dir;
        struct policy *dir_policy;      /* the policy the session was made for */
};

struct executor {
        struct worker workers[EXECUTOR_MAX_THREADS];
        size_t n_workers;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        struct job *head, *tail;
        bool stopping;
        int pipe_rd, pipe_wr;
        sd_event_source *source;
        executor_done_fn done;
        void *ctx;
};

void executor_job_free(struct job *job)
{
        if (!job)
                return;
        password_free(job->res.password);
        password_free(job->ares.password);
        provision_plan_free(job->plan);
        free(job->actor);
        policy_free(job->policy);
        free(job);
}

static void run_job(struct worker *w, struct job *job)
{
        /* A reload hands us jobs under a new policy: new session. */
        if (w->dir && w->dir_policy != job->policy) {
                directory_close(w->dir);
                policy_free(w->dir_policy);
                w->dir = NULL;
                w->dir_policy = NULL;
        }
        if (!w->dir) {
                char err[512];
                if (directory_open(job->policy, &w->dir, err, sizeof(err)) < 0) {
                        memset(&job->res, 0, sizeof(job->res));
                        memset(&job->ares, 0, sizeof(job->ares));
                        job->res.status = job->ares.status = -EAGAIN;
                        snprintf(job->res.reason, sizeof(job->res.reason), "%s", err);
                        snprintf(job->ares.reason, sizeof(job->ares.reason), "%s", err);
                        return;
                }
                w->dir_policy = policy_ref(job->policy);
        }
        if (job->actor)
                appoint_run(w->dir, job->policy, job->actor, &job->ares);
        else
                activate_account(w->dir, job->policy, job->plan, &job->res);
}

static void *thread_main(void *arg)
{
        struct worker *w = arg;
        struct executor *x = w->x;
        for (;;) {
                pthread_mutex_lock(&x->lock);
                while (!x->head && !x->stopping)
                        pthread_cond_wait(&x->wake, &x->lock);
                if (x->stopping) {
                        pthread_mutex_unlock(&x->lock);
                        break;
                }
                struct job *job = x->head;
                x->head = job->next;
                if (!x->head)
                        x->tail = NULL;
                pthread_mutex_unlock(&x->lock);

                run_job(w, job);
                /* Hand the pointer back; a pipe write of a pointer is atomic. */
                while (write(x->pipe_wr, &job, sizeof(job)) < 0 && errno == EINTR)
                        ;
        }
        directory_close(w->dir);
        policy_free(w->dir_policy);
        return NULL;
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        (void)s;
        (void)revents;
        struct executor *x = userdata;
        struct job *job;
        while (read(fd, &job, sizeof(job)) == (ssize_t)sizeof(job))
                x->done(x->ctx, job);
        return 0;
}

int executor_start(sd_event *e, executor_done_fn done, void *ctx, struct executor **ret)
{
        struct executor *x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        int fds[2];
        /* The thread's write end blocks (a result is never dropped); the
         * event loop's read end does not. */
        if (pipe2(fds, O_CLOEXEC) < 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
                free(x);
                return -errno;
        }
        x->pipe_rd = fds[0];
        x->pipe_wr = fds[1];
        x->done = done;
        x->ctx = ctx;
        pthread_mutex_init(&x->lock, NULL);
        pthread_cond_init(&x->wake, NULL);
        int r = sd_event_add_io(e, &x->source, x->pipe_rd, EPOLLIN, on_done, x);
        /* One worker per core: argon2id is the cost, and each hash runs on
         * one core. */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        x->n_workers = cores < 1 ? 1 : cores > EXECUTOR_MAX_THREADS ? EXECUTOR_MAX_THREADS : (size_t)cores;
        for (size_t i = 0; r >= 0 && i < x->n_workers; i++) {
                x->workers[i].x = x;
                r = -pthread_create(&x->workers[i].thread, NULL, thread_main, &x->workers[i]);
                x->workers[i].started = r == 0;
        }
        if (r < 0) {
                executor_stop(x);
                return r;
        }
        *ret = x;
        return 0;
}

void executor_submit(struct executor *x, struct job *job)
{
        job->next = NULL;
        pthread_mutex_lock(&x->lock);
        if (x->tail)
                x->tail->next = job;
        else
                x->head = job;
        x->tail = job;
        pthread_cond_signal(&x->wake);
        pthread_mutex_unlock(&x->lock);
}

void executor_stop(struct executor *x)
{
        if (!x)
                return;
        pthread_mutex_lock(&x->lock);
        x->stopping = true;
        pthread_cond_broadcast(&x->wake);
        pthread_mutex_unlock(&x->lock);
        for (size_t i = 0; i < x->n_workers; i++)
                if (x->workers[i].started)
                        pthread_join(x->workers[i].thread, NULL);
        for (struct job *j = x->head, *next; j; j = next) {
                next = j->next;
                executor_job_free(j);
        }
        /* Finished jobs not yet collected: their state is untouched, so
         * they are activated again (idempotently) at the next start. */
        struct job *job;
        while (read(x->pipe_rd, &job, sizeof(job)) == (ssize_t)sizeof(job))
                executor_job_free(job);
        sd_event_source_unref(x->source);
        close(x->pipe_rd);
        close(x->pipe_wr);
        pthread_mutex_destroy(&x->lock);
        pthread_cond_destroy(&x->wake);
        free(x);
}
