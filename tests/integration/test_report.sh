# Reports (issue [5]): on a known set of requests driven through the real
# daemon (done, rejected, breached, open), every count of the period
# report is the expected one, in text, CSV and HTML, in both languages;
# the daemon's period report, its digest and its archive record.

submit_for() { # NIP [SKPD]: submits an SKPD request for that applicant
        sed -e "s/198703152011012004/$1/" -e "s/^skpd: DISKOMINFO/skpd: ${2:-DISKOMINFO}/" \
            -e "s/profiles: \[simpeg-operator, sipd-viewer\]/profiles: [sipd-viewer]/" \
            "$REPO/conf/examples/skpd-access.yaml" >"r-$1.yaml"
        ctl submit "r-$1.yaml"
}

known_requests() {
        fresh_spool
        start_daemon
        done_id=$(submit_for 198001012005011001)
        wait_until step_is "$done_id" verifikasi
        ctl approve "$done_id" --key "$KEY_KABID" >/dev/null
        wait_until step_is "$done_id" disposisi
        ctl approve "$done_id" --key "$KEY_SUPERADMIN" --to "$ADMIN_ID" >/dev/null
        wait_until step_is "$done_id" aktivasi
        ctl approve "$done_id" --key "$KEY_ADMIN" >/dev/null
        wait_status "$done_id" done
        rejected_id=$(submit_for 198002022005021002 BAPPEDA)
        wait_until step_is "$rejected_id" verifikasi
        ctl reject "$rejected_id" --key "$KEY_KABID" --note "Surat belum ditandatangani" >/dev/null
        wait_status "$rejected_id" rejected
        late_id=$(submit_for 198003032005031003 BAPPEDA)
        open_id=$(submit_for 198004042005041004)
        wait_until step_is "$late_id" verifikasi
        wait_until step_is "$open_id" verifikasi
        stop_daemon
        # The late one's verification began two hours ago.
        chmod u+w "$AKSES_SPOOL/open/$late_id/state"
        sed -i "s/^step_started .*/step_started $(( $(date +%s) - 7200 ))/" "$AKSES_SPOOL/open/$late_id/state"
        start_daemon
        wait_until grep -q '^breached 1' "$AKSES_SPOOL/open/$late_id/state"
        stop_daemon
}

test_report_counts_are_exact_in_every_format() {
        known_requests
        today=$(date +%Y-%m-%d)
        capture ctl report --from "$today" --to "$today" --format csv
        assert_eq 0 "$RC" "report csv: $OUT"
        csv=$(printf '%s\n' "$OUT" | tr -d '\r')
        header=$(printf '%s\n' "$csv" | head -1)
        assert_contains "$header" "section"
        # One row per SKPD: done, rejected, failed, open, total, accounts.
        col() { printf '%s\n' "$header" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
        row() { printf '%s\n' "$csv" | awk -F, -v s="$1" -v k="$2" '$1 == s && index($0, k) { print; exit }'; }
        for name in done rejected failed open total activated; do
                [ -n "$(col "$name")" ] || fail "CSV has no column $name: $header"
        done
        check_row() { # SKPD done rejected failed open total activated
                local r
                r=$(row skpd "$1")
                [ -n "$r" ] || fail "no CSV row for $1"
                for pair in "done=$2" "rejected=$3" "failed=$4" "open=$5" "total=$6" "activated=$7"; do
                        name=${pair%%=*} want=${pair#*=}
                        got=$(printf '%s\n' "$r" | cut -d, -f"$(col "$name")" | tr -d '"')
                        assert_eq "$want" "$got" "$1 $name"
                done
        }
        check_row DISKOMINFO 1 0 0 1 2 1
        check_row BAPPEDA 0 1 0 1 2 0
        overdue=$(printf '%s\n' "$csv" | awk -F, '$1 == "open"' | grep -c "$late_id")
        assert_eq 1 "$overdue" "the late request is listed among the open ones"

        capture ctl report --from "$today" --to "$today"
        assert_eq 0 "$RC"
        assert_contains "$OUT" "LAPORAN BERKALA PENGENDALIAN HAK AKSES"
        assert_contains "$OUT" "$late_id"
        assert_contains "$OUT" "Terbuka: 2; terlambat: 1"
        capture ctl report --from "$today" --to "$today" --lang en
        assert_contains "$OUT" "PERIODIC REPORT"
        assert_contains "$OUT" "Open: 2; overdue: 1"
        capture ctl report --from "$today" --to "$today" --skpd BAPPEDA
        assert_contains "$OUT" "BAPPEDA"
        ! printf '%s\n' "$OUT" | grep -q "^   DISKOMINFO" || fail "--skpd BAPPEDA shows DISKOMINFO"

        for lang in id en; do
                ctl report --from "$today" --to "$today" --format html --lang "$lang" >"report-$lang.html"
                xmllint --noout "report-$lang.html" || fail "the $lang HTML is not well-formed"
                ! grep -qiE '<script|src=|href="?http|@import|url\(' "report-$lang.html" || fail "the HTML is not self-contained"
                grep -q '<svg' "report-$lang.html" || fail "no compliance chart"
                grep -q 'size: A4' "report-$lang.html" || fail "not laid out for A4"
        done

        capture ctl report --from 2020-01-01 --to 2020-01-31
        assert_contains "$OUT" "Tidak ada permohonan pada periode ini."
        capture ctl report --from 2020-01-01 --to 2020-01-31 --lang en
        assert_contains "$OUT" "No requests in this period."
        capture ctl report --from 2020-02-01 --to 2020-01-01
        assert_eq 2 "$RC" "an inverted period is a usage error"
}

test_daemon_writes_the_period_report_once_with_its_digest() {
        fresh_spool
        start_daemon
        stop_daemon
        yesterday=$(date -d yesterday +%Y-%m-%d)
        report="$AKSES_SPOOL/reports/laporan-harian-$yesterday.txt"
        [ -f "$report" ] || fail "no period report: $(ls "$AKSES_SPOOL/reports")"
        [ -f "${report%.txt}.html" ] || fail "no HTML period report"
        digest=$(cut -d' ' -f1 "$report.digest")
        assert_contains "$digest" "blake2b-256:"
        assert_eq "${digest#blake2b-256:}" "$(b2sum -l 256 "$report" | cut -d' ' -f1)" "the stated digest is the file's BLAKE2b-256"
        grep -qF "$digest" "$AKSES_SPOOL/archive.log" || fail "the report is not in the archive"
        assert_contains "$(journal_of_test AKSES_EVENT=REPORT_WRITTEN -o export)" "AKSES_FILE=laporan-harian-$yesterday.txt"
        # A restart never rewrites it.
        echo "# annotated by the head of division" >>"$report"
        start_daemon
        stop_daemon
        assert_contains "$(tail -1 "$report")" "annotated" "the period report was not overwritten"
        capture ctl verify-archive
        assert_eq 0 "$RC" "$OUT"
}
