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

struct executor {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        struct job *head, *tail;
        bool stopping;
        int pipe_rd, pipe_wr;
        sd_event_source *source;
        executor_done_fn done;
        void *ctx;
        /* Thread side: the session and the policy it was made for. */
        struct directory *dir;
        struct policy *dir_policy;
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

static void run_job(struct executor *x, struct job *job)
{
        /* A reload hands us jobs under a new policy: new session. */
        if (x->dir && x->dir_policy != job->policy) {
                directory_close(x->dir);
                policy_free(x->dir_policy);
                x->dir = NULL;
                x->dir_policy = NULL;
        }
        if (!x->dir) {
                char err[512];
                if (directory_open(job->policy, &x->dir, err, sizeof(err)) < 0) {
                        memset(&job->res, 0, sizeof(job->res));
                        memset(&job->ares, 0, sizeof(job->ares));
                        job->res.status = job->ares.status = -EAGAIN;
                        snprintf(job->res.reason, sizeof(job->res.reason), "%s", err);
                        snprintf(job->ares.reason, sizeof(job->ares.reason), "%s", err);
                        return;
                }
                x->dir_policy = policy_ref(job->policy);
        }
        if (job->actor)
                appoint_run(x->dir, job->policy, job->actor, &job->ares);
        else
                activate_account(x->dir, job->policy, job->plan, &job->res);
}

static void *thread_main(void *arg)
{
        struct executor *x = arg;
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

                run_job(x, job);
                /* Hand the pointer back; a pipe write of a pointer is atomic. */
                while (write(x->pipe_wr, &job, sizeof(job)) < 0 && errno == EINTR)
                        ;
        }
        directory_close(x->dir);
        policy_free(x->dir_policy);
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
        if (r < 0 || (r = -pthread_create(&x->thread, NULL, thread_main, x)) < 0) {
                sd_event_source_unref(x->source);
                close(fds[0]);
                close(fds[1]);
                free(x);
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
        pthread_cond_signal(&x->wake);
        pthread_mutex_unlock(&x->lock);
        pthread_join(x->thread, NULL);
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
