/* Unit tests for chain: the SOP's approval rules, without a spool. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "diag.h"
#include "disposition.h"
#include "keys.h"
#include "policy.h"
#include "state.h"

/* A policy built from the example with our own keys for the three actors. */
static struct policy *policy;
static struct secret_key keys[3];       /* kabid, superadmin, admin */
static const char *const IDS[] = { "budi.santoso", "rina.wulandari", "agus.pratama" };
static const unsigned char REQUEST[] = "version: 1\nkind: skpd-access\n";

static int setup(void **state)
{
        (void)state;
        FILE *f = fopen("conf/policy.example.yaml", "r");
        if (!f)
                return -1;
        static char buf[65536];
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        /* Replace each example key with a fresh one (same length). */
        for (int i = 0; i < 3; i++) {
                crypto_sign_keypair(keys[i].pk, keys[i].sk);
                snprintf(keys[i].id, sizeof(keys[i].id), "%s", IDS[i]);
                char *at = strstr(buf, IDS[i]);
                char *key = at ? strstr(at, "key: \"ed25519:") : NULL;
                if (!key)
                        return -1;
                char pub[KEY_PUBLIC_STRLEN];
                key_format_public(keys[i].pk, pub);
                memcpy(key + 6, pub, strlen(pub));
        }
        struct diag_list d;
        diag_init(&d);
        int r = policy_parse("policy.yaml", buf, len, &d, &policy);
        diag_print(&d, stderr);
        diag_free(&d);
        return r;
}

static int teardown(void **state)
{
        (void)state;
        policy_free(policy);
        return 0;
}

static void new_request(struct req_state *st)
{
        memset(st, 0, sizeof(*st));
        snprintf(st->id, sizeof(st->id), "REQ-20261204-000001");
        st->kind = KIND_SKPD_ACCESS;
        content_digest(REQUEST, sizeof(REQUEST) - 1, st->digest);
        st->status = STATUS_OPEN;
        st->step_started = 1000;
}

/* Signs a disposition by actor i for the request's current step. */
static char *sign(const struct req_state *st, int i, enum decision dec, const char *to, const char *note,
                  struct disposition *out)
{
        struct disposition d = { .decision = dec };
        snprintf(d.request_id, sizeof(d.request_id), "%s", st->id);
        memcpy(d.digest, st->digest, DIGEST_BYTES);
        const struct step *s = chain_current_step(policy, st);
        snprintf(d.step, sizeof(d.step), "%s", s ? s->id : "laporan");
        snprintf(d.to, sizeof(d.to), "%s", to);
        snprintf(d.note, sizeof(d.note), "%s", note);
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(disposition_sign(&d, &keys[i], &buf, &len), 0);
        struct diag_list dl;
        diag_init(&dl);
        int pr = disposition_parse("d.yaml", buf, len, &dl, out);
        if (pr != 0) {
                diag_print(&dl, stderr);
                fprintf(stderr, "%s", buf);
        }
        assert_int_equal(pr, 0);
        diag_free(&dl);
        return buf;
}

static void expect(const struct req_state *st, const struct disposition *d, const char *buf, const char *reason)
{
        char got[512] = "";
        bool ok = chain_check(policy, NULL, st, d, buf, d->time, got, sizeof(got));
        if (!reason) {
                if (!ok)
                        fail_msg("refused: %s", got);
                return;
        }
        assert_false(ok);
        if (!strstr(got, reason))
                fail_msg("reason '%s' does not contain '%s'", got, reason);
}

static void test_chain_runs_verify_forward_activate(void **state)
{
        (void)state;
        struct req_state st;
        struct disposition d;
        new_request(&st);
        char *b = sign(&st, 0, DECISION_APPROVE, "", "ok", &d);
        expect(&st, &d, b, NULL);
        chain_apply(policy, &st, &d, d.time);
        free(b);
        assert_string_equal(chain_current_step(policy, &st)->id, "disposisi");

        b = sign(&st, 1, DECISION_APPROVE, "agus.pratama", "", &d);
        expect(&st, &d, b, NULL);
        chain_apply(policy, &st, &d, d.time);
        free(b);
        const char *actor;
        assert_int_equal(chain_who_must_act(policy, &st, &actor), ROLE_ADMIN);
        assert_string_equal(actor, "agus.pratama");

        b = sign(&st, 2, DECISION_APPROVE, "", "", &d);
        expect(&st, &d, b, NULL);
        chain_apply(policy, &st, &d, d.time);
        free(b);
        assert_true(st.activation_due);
        assert_string_equal(chain_current_step(policy, &st)->id, "aktivasi");
        /* Handover and report are aksesd's own steps; then the request is done. */
        chain_advance(policy, &st, 2000);
        assert_string_equal(chain_current_step(policy, &st)->id, "serah-terima");
        chain_advance(policy, &st, 2000);
        chain_advance(policy, &st, 2000);
        assert_int_equal(st.status, STATUS_DONE);
        assert_int_equal(st.n_history, 3);
}

static void test_refusals_say_why(void **state)
{
        (void)state;
        struct req_state st;
        struct disposition d;
        new_request(&st);
        char *b = sign(&st, 2, DECISION_APPROVE, "", "", &d);
        expect(&st, &d, b, "wrong role: 'agus.pratama' is admin, but step 'verifikasi' needs kepala_bidang");
        free(b);

        b = sign(&st, 0, DECISION_REJECT, "", "", &d);
        expect(&st, &d, b, "a rejection must say why");
        free(b);

        b = sign(&st, 0, DECISION_APPROVE, "agus.pratama", "", &d);
        expect(&st, &d, b, "step 'verifikasi' does not forward");
        free(b);

        b = sign(&st, 0, DECISION_APPROVE, "", "", &d);
        b[5] ^= 1;      /* a signed byte changed after signing */
        expect(&st, &d, b, "bad signature");
        free(b);

        struct req_state other = st;
        other.digest[0] ^= 1;
        b = sign(&st, 0, DECISION_APPROVE, "", "", &d);
        expect(&other, &d, b, "signed over different request content");
        chain_apply(policy, &st, &d, d.time);
        expect(&st, &d, b, "replayed disposition");
        free(b);

        b = sign(&st, 1, DECISION_APPROVE, "", "", &d);
        expect(&st, &d, b, "name the admin it goes to");
        free(b);
        b = sign(&st, 1, DECISION_APPROVE, "budi.santoso", "", &d);
        expect(&st, &d, b, "cannot forward to 'budi.santoso': not a member of role admin");
        free(b);

        d.time += 3600;         /* a clock an hour ahead */
        b = sign(&st, 1, DECISION_APPROVE, "agus.pratama", "", &d);
        char got[256];
        assert_false(chain_check(policy, NULL, &st, &d, b, d.time - 3600, got, sizeof(got)));
        assert_non_null(strstr(got, "dated in the future"));
        free(b);
}

static void test_rejection_closes_with_the_note(void **state)
{
        (void)state;
        struct req_state st;
        struct disposition d;
        new_request(&st);
        char *b = sign(&st, 0, DECISION_REJECT, "", "Surat belum lengkap", &d);
        expect(&st, &d, b, NULL);
        chain_apply(policy, &st, &d, d.time);
        assert_int_equal(st.status, STATUS_REJECTED);
        assert_string_equal(st.reason, "Surat belum lengkap");
        assert_null(chain_current_step(policy, &st));
        free(b);
        b = sign(&st, 1, DECISION_APPROVE, "agus.pratama", "", &d);
        expect(&st, &d, b, "already closed (rejected)");
        free(b);
}

static void test_state_round_trips_and_refuses_truncation(void **state)
{
        (void)state;
        struct req_state st, back;
        struct disposition d;
        new_request(&st);
        snprintf(st.letter, sizeof(st.letter), "045/1187/DISKOMINFO/XII/2026");
        char *b = sign(&st, 0, DECISION_APPROVE, "", "ok", &d);
        chain_apply(policy, &st, &d, d.time);
        free(b);
        char buf[STATE_MAX_BYTES], err[128];
        size_t len = state_format(&st, buf, sizeof(buf));
        assert_true(len > 0);
        assert_true(state_parse(buf, len, &back, err, sizeof(err)));
        assert_string_equal(back.letter, st.letter);
        assert_int_equal(back.step, 1);
        assert_memory_equal(back.history[0].nonce, st.history[0].nonce, NONCE_BYTES);
        assert_false(state_parse(buf, len - 4, &back, err, sizeof(err)));
        assert_string_equal(err, "truncated: no 'end' line");
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_chain_runs_verify_forward_activate),
                cmocka_unit_test(test_refusals_say_why),
                cmocka_unit_test(test_rejection_closes_with_the_note),
                cmocka_unit_test(test_state_round_trips_and_refuses_truncation),
        };
        return cmocka_run_group_tests_name("chain", tests, setup, teardown);
}
