/* Unit tests for handover: the form, the password file (sealed and
 * plain), opening it, and the report. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "handover.h"
#include "keys.h"
#include "password.h"
#include "policy.h"
#include "request.h"
#include "state.h"

static struct policy *policy;
static struct request *req;
static char dir[64];
static int dirfd_ = -1;
/* 2026-12-04 12:00:00 UTC; the tests run with TZ=UTC. */
static const time_t NOW = 1796385600;

static const char *const GROUPS[] = { "simpeg-operator", "sipd-viewer" };
#define UID "diskominfo.198703152011012004"
#define DN "uid=diskominfo.198703152011012004,ou=people,dc=example,dc=go,dc=id"
#define ID "REQ-20261204-000001"

static int setup(void **state)
{
        (void)state;
        setenv("TZ", "UTC", 1);
        tzset();
        if (sodium_init() < 0)
                return -1;
        struct diag_list d;
        diag_init(&d);
        int r = policy_load("conf/policy.example.yaml", &d, &policy);
        if (r == 0)
                r = request_load(policy, "conf/examples/skpd-access.yaml", NOW, &d, &req);
        diag_free(&d);
        if (r < 0)
                return r;
        snprintf(dir, sizeof(dir), "/tmp/aksesd-test-handover.XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return dirfd_ < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        (void)state;
        close(dirfd_);
        request_free(req);
        policy_free(policy);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

/* The state of a request that went through verifikasi (3 min),
 * disposisi (7 min) and aktivasi (10 min, the account written a minute
 * after the admin's approval). */
static void make_state(struct req_state *st, unsigned disposisi_minutes)
{
        memset(st, 0, sizeof(*st));
        snprintf(st->id, sizeof(st->id), ID);
        st->kind = KIND_SKPD_ACCESS;
        st->received = NOW;
        snprintf(st->skpd, sizeof(st->skpd), "DISKOMINFO");
        snprintf(st->letter, sizeof(st->letter), "045/1187/DISKOMINFO/XII/2026");
        st->status = STATUS_OPEN;
        st->step = 3;
        time_t t = NOW + 3 * 60;
        st->history[0] = (struct history_entry){ .step = 0, .decision = DECISION_APPROVE, .signed_at = t - 5,
                                                 .accepted_at = t };
        snprintf(st->history[0].actor, sizeof(st->history[0].actor), "budi.santoso");
        t += disposisi_minutes * 60;
        st->history[1] = (struct history_entry){ .step = 1, .decision = DECISION_APPROVE, .signed_at = t - 5,
                                                 .accepted_at = t };
        snprintf(st->history[1].actor, sizeof(st->history[1].actor), "rina.wulandari");
        snprintf(st->history[1].to, sizeof(st->history[1].to), "agus.pratama");
        t += 9 * 60;
        st->history[2] = (struct history_entry){ .step = 2, .decision = DECISION_APPROVE, .signed_at = t - 5,
                                                 .accepted_at = t };
        snprintf(st->history[2].actor, sizeof(st->history[2].actor), "agus.pratama");
        st->n_history = 3;
        st->step_started = t + 60;
}

static struct handover_info make_info(const struct policy *p, const struct request *r, const struct req_state *st)
{
        return (struct handover_info){
                .p = p, .r = r, .st = st, .uid = UID, .dn = DN, .uid_number = 20001,
                .groups = GROUPS, .n_groups = 2, .admin = "agus.pratama",
                .activated_at = st->history[2].accepted_at + 60,
        };
}

static char *slurp(const char *name)
{
        char *buf = NULL, err[256];
        size_t len = 0;
        if (read_file_checked(dirfd_, name, 1 << 20, &buf, &len, NULL, err, sizeof(err)) < 0)
                fail_msg("%s: %s", name, err);
        return buf;
}

static unsigned mode_of(const char *name, gid_t *gid)
{
        struct stat st;
        assert_int_equal(fstatat(dirfd_, name, &st, AT_SYMLINK_NOFOLLOW), 0);
        if (gid)
                *gid = st.st_gid;
        return (unsigned)(st.st_mode & 07777);
}

static void assert_contains(const char *hay, const char *needle)
{
        if (!strstr(hay, needle))
                fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

static void path_of(const char *name, char out[256])
{
        snprintf(out, 256, "%s/%s", dir, name);
}

static void test_plain_handover_form_and_file(void **state)
{
        (void)state;
        struct req_state st;
        make_state(&st, 7);
        struct handover_info h = make_info(policy, req, &st);
        char *pw = password_generate(policy);
        assert_non_null(pw);
        char doc[HANDOVER_NAME_MAX], pwn[HANDOVER_NAME_MAX];
        assert_int_equal(handover_write(dirfd_, &h, pw, getegid(), doc, pwn), 0);
        assert_string_equal(doc, ID ".serah-terima.txt");
        assert_string_equal(pwn, ID ".password");

        char *form = slurp(doc);
        assert_contains(form, "FORMULIR SERAH TERIMA AKUN HAK AKSES KHUSUS");
        assert_contains(form, "Pemerintah Kabupaten Contoh");
        assert_contains(form, ID);
        assert_contains(form, UID);
        assert_contains(form, DN);
        assert_contains(form, "20001");
        assert_contains(form, "045/1187/DISKOMINFO/XII/2026");
        assert_contains(form, "2026-12-01");
        assert_contains(form, "Dinas Komunikasi dan Informatika");
        assert_contains(form, "Siti Rahmawati, S.Kom.");
        assert_contains(form, "198703152011012004");
        assert_contains(form, "siti.rahmawati@diskominfo.example.go.id");
        assert_contains(form, "Operator SIMPEG (kepegawaian)");
        assert_contains(form, "sipd-viewer");
        assert_contains(form, "2029-12-31");
        assert_contains(form, "Ir. Budi Santoso, M.T.");
        assert_contains(form, "Rina Wulandari, S.Kom.");
        assert_contains(form, "Agus Pratama, A.Md.");
        assert_contains(form, "Kepala Bidang APTIKA");
        assert_contains(form, "aksesctl handover open " ID ".password\n");
        assert_contains(form, "grup serah terima");
        assert_contains(form, "wajib diganti");
        assert_contains(form, "Yang menyerahkan (Admin)");
        assert_contains(form, "Yang menerima (SKPD)");
        assert_null(strstr(form, pw));
        free(form);
        assert_int_equal(mode_of(doc, NULL), 0640);
        gid_t gid;
        assert_int_equal(mode_of(pwn, &gid), 0640);
        assert_int_equal(gid, getegid());

        char *file = slurp(pwn);
        assert_memory_equal(file, "aksesd-handover-v1 plain\n", 25);
        sodium_memzero(file, strlen(file));
        free(file);

        /* Opens without a key; a key given anyway is not needed. */
        char path[256], err[256];
        path_of(pwn, path);
        char *got = NULL;
        assert_int_equal(handover_open(path, NULL, &got, err, sizeof(err)), 0);
        assert_string_equal(got, pw);
        password_free(got);
        got = NULL;
        assert_int_equal(handover_open(path, "/nonexistent.key", &got, err, sizeof(err)), 0);
        assert_string_equal(got, pw);
        password_free(got);

        /* A re-run after a crash replaces both files. */
        assert_int_equal(handover_write(dirfd_, &h, pw, getegid(), doc, pwn), 0);
        password_free(pw);
}

static void test_plain_file_without_group_is_owner_only(void **state)
{
        (void)state;
        struct req_state st;
        make_state(&st, 7);
        snprintf(st.id, sizeof(st.id), "REQ-20261204-000002");
        struct handover_info h = make_info(policy, req, &st);
        char doc[HANDOVER_NAME_MAX], pwn[HANDOVER_NAME_MAX];
        assert_int_equal(handover_write(dirfd_, &h, "Abc-123-defGHJ", (gid_t)-1, doc, pwn), 0);
        assert_int_equal(mode_of(pwn, NULL), 0600);
        assert_int_equal(mode_of(doc, NULL), 0640);
        char *form = slurp(doc);
        assert_contains(form, "pengguna layanan aksesd");
        assert_null(strstr(form, "Abc-123-defGHJ"));
        free(form);
}

static void test_sealed_handover_opens_only_with_its_key(void **state)
{
        (void)state;
        char prefix[128], keypath[160], otherpath[160], pub[KEY_PUBLIC_STRLEN], err[256];
        snprintf(prefix, sizeof(prefix), "%s/siti", dir);
        assert_int_equal(key_generate("siti.rahmawati", prefix, pub, err, sizeof(err)), 0);
        snprintf(keypath, sizeof(keypath), "%s.key", prefix);
        snprintf(prefix, sizeof(prefix), "%s/other", dir);
        char otherpub[KEY_PUBLIC_STRLEN];
        assert_int_equal(key_generate("other", prefix, otherpub, err, sizeof(err)), 0);
        snprintf(otherpath, sizeof(otherpath), "%s.key", prefix);

        struct request r = *req;
        unsigned char ed[crypto_sign_PUBLICKEYBYTES];
        assert_true(key_parse_public(pub, strlen(pub), ed));
        assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(r.recipient_pk, ed), 0);
        r.has_recipient_key = true;

        struct req_state st;
        make_state(&st, 7);
        snprintf(st.id, sizeof(st.id), "REQ-20261204-000003");
        struct handover_info h = make_info(policy, &r, &st);
        char *pw = password_generate(policy);
        assert_non_null(pw);
        char doc[HANDOVER_NAME_MAX], pwn[HANDOVER_NAME_MAX];
        assert_int_equal(handover_write(dirfd_, &h, pw, (gid_t)-1, doc, pwn), 0);
        assert_string_equal(pwn, "REQ-20261204-000003.password.sealed");
        assert_int_equal(mode_of(pwn, NULL), 0640);
        assert_int_equal(mode_of(doc, NULL), 0640);

        char *file = slurp(pwn);
        assert_memory_equal(file, "aksesd-handover-v1 sealed\n", 26);
        assert_null(strstr(file, pw));
        free(file);
        char *form = slurp(doc);
        assert_contains(form, "disegel untuk kunci penerima");
        assert_contains(form, "aksesctl handover open REQ-20261204-000003.password.sealed --key KUNCI");
        assert_null(strstr(form, pw));
        free(form);

        char path[256];
        path_of(pwn, path);
        char *got = NULL;
        assert_int_equal(handover_open(path, keypath, &got, err, sizeof(err)), 0);
        assert_string_equal(got, pw);
        password_free(got);

        got = NULL;
        assert_int_equal(handover_open(path, otherpath, &got, err, sizeof(err)), -EACCES);
        assert_contains(err, "this handover is sealed to another key");
        assert_null(got);

        assert_int_equal(handover_open(path, NULL, &got, err, sizeof(err)), -EINVAL);
        assert_contains(err, "sealed");
        assert_null(got);
        password_free(pw);
}

static void test_open_refuses_what_is_not_a_handover(void **state)
{
        (void)state;
        char path[256], err[256];
        char *got = NULL;
        assert_int_equal(write_file_atomic(dirfd_, "junk", "hello\n", 6, 0600), 0);
        path_of("junk", path);
        assert_int_equal(handover_open(path, NULL, &got, err, sizeof(err)), -EINVAL);
        assert_contains(err, "not an aksesd handover file");

        static const char two_lines[] = "aksesd-handover-v1 plain\nabc\ndef\n";
        assert_int_equal(write_file_atomic(dirfd_, "two", two_lines, sizeof(two_lines) - 1, 0600), 0);
        path_of("two", path);
        assert_int_equal(handover_open(path, NULL, &got, err, sizeof(err)), -EINVAL);
        assert_contains(err, "malformed");

        static const char bad_b64[] = "aksesd-handover-v1 sealed\n!!!not base64!!!\n";
        assert_int_equal(write_file_atomic(dirfd_, "bad", bad_b64, sizeof(bad_b64) - 1, 0600), 0);
        path_of("bad", path);
        assert_int_equal(handover_open(path, "/nonexistent.key", &got, err, sizeof(err)), -EINVAL);
        assert_contains(err, "malformed");

        path_of("missing", path);
        assert_int_equal(handover_open(path, NULL, &got, err, sizeof(err)), -ENOENT);
        assert_null(got);
}

static void test_report_lists_every_step_against_its_standard(void **state)
{
        (void)state;
        struct req_state st;
        make_state(&st, 7);
        struct handover_info h = make_info(policy, req, &st);
        char name[HANDOVER_NAME_MAX];
        assert_int_equal(report_write(dirfd_, &h, name), 0);
        assert_string_equal(name, ID ".laporan.txt");
        assert_int_equal(mode_of(name, NULL), 0640);
        char *text = slurp(name);
        assert_contains(text, "LAPORAN HASIL PEMBERIAN HAK AKSES KHUSUS");
        assert_contains(text, "Kepala Bidang APTIKA");
        assert_contains(text, "Ir. Budi Santoso, M.T.");
        const struct workflow *w = &policy->workflows[KIND_SKPD_ACCESS];
        for (size_t i = 0; i < w->n_steps; i++) {
                char line[96];
                snprintf(line, sizeof(line), "%zu. %s ", i + 1, w->steps[i].id);
                assert_contains(text, line);
        }
        assert_contains(text, "sesuai standar");
        assert_null(strstr(text, "melebihi standar"));
        assert_contains(text, "5/5 langkah sesuai standar");
        /* verifikasi starts when the request was received... */
        const char *line = strstr(text, "1. verifikasi");
        assert_non_null(line);
        line = strstr(line, "Mulai");
        assert_non_null(line);
        assert_memory_equal(strchr(line, ':'), ": 2026-12-04T12:00:00Z\n", 23);
        assert_contains(text, "3 menit dari standar 15 menit");
        /* ...and aktivasi lasts until the account was written. */
        assert_contains(text, "10 menit dari standar 15 menit");
        assert_contains(text, ID ".serah-terima.txt");
        assert_contains(text, UID);
        assert_contains(text, "2029-12-31");
        assert_contains(text, "Demikian laporan ini");
        free(text);

        /* A disposisi that took 40 minutes is over its standard. */
        make_state(&st, 40);
        assert_int_equal(report_write(dirfd_, &h, name), 0);
        text = slurp(name);
        assert_contains(text, "40 menit dari standar 15 menit");
        assert_contains(text, "melebihi standar");
        assert_contains(text, "4/5 langkah sesuai standar");
        free(text);
}

static void test_documents_in_english(void **state)
{
        (void)state;
        struct policy p = *policy;
        p.org.language = LANG_EN;
        struct req_state st;
        make_state(&st, 7);
        snprintf(st.id, sizeof(st.id), "REQ-20261204-000004");
        struct handover_info h = make_info(&p, req, &st);
        char doc[HANDOVER_NAME_MAX], pwn[HANDOVER_NAME_MAX], name[HANDOVER_NAME_MAX];
        assert_int_equal(handover_write(dirfd_, &h, "Xyz-789-abcDEF", getegid(), doc, pwn), 0);
        char *form = slurp(doc);
        assert_contains(form, "ACCOUNT HANDOVER FORM — SPECIAL ACCESS RIGHTS\n");
        assert_contains(form, "Handed over by (Admin)");
        assert_contains(form, "must be changed at first login");
        assert_null(strstr(form, "Xyz-789-abcDEF"));
        free(form);
        assert_int_equal(report_write(dirfd_, &h, name), 0);
        char *text = slurp(name);
        assert_contains(text, "REPORT: SPECIAL ACCESS GRANTED");
        assert_contains(text, "within standard");
        free(text);
}

static void test_bad_request_id_writes_nothing(void **state)
{
        (void)state;
        struct req_state st;
        make_state(&st, 7);
        snprintf(st.id, sizeof(st.id), "../../etc/passwd");
        struct handover_info h = make_info(policy, req, &st);
        char doc[HANDOVER_NAME_MAX], pwn[HANDOVER_NAME_MAX];
        assert_int_equal(handover_write(dirfd_, &h, "Abc-123-defGHJ", (gid_t)-1, doc, pwn), -EINVAL);
        assert_int_equal(report_write(dirfd_, &h, doc), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain_handover_form_and_file),
                cmocka_unit_test(test_plain_file_without_group_is_owner_only),
                cmocka_unit_test(test_sealed_handover_opens_only_with_its_key),
                cmocka_unit_test(test_open_refuses_what_is_not_a_handover),
                cmocka_unit_test(test_report_lists_every_step_against_its_standard),
                cmocka_unit_test(test_documents_in_english),
                cmocka_unit_test(test_bad_request_id_writes_nothing),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
