# The daemon (issue [2]): intake, the Procedure 2 approval chain with
# signed dispositions, refusals, crash safety, reload, deadlines and the
# journal.  Each test has a spool of its own; the journal is the real one.

submit_example() {
        ctl submit "$REPO/conf/examples/skpd-access.yaml"
}

# drop_disposition ID KEY [approve|reject] [extra aksesctl args...]: signs
# into a file and copies it into drop/ the way a sysadmin would.
signed() {
        local id=$1 key=$2 decision=$3 out=$4
        shift 4
        ctl "$decision" "$id" --key "$key" --out "$out" "$@" >/dev/null
}

has_open_request() { [ -n "$(ls "$AKSES_SPOOL/open")" ]; }

drop_copy() {
        cp "$1" "$AKSES_SPOOL/drop/$(basename "$1")"
}

test_full_chain_reaches_the_activation_step() {
        fresh_spool
        start_daemon
        id=$(submit_example)
        assert_contains "$id" "REQ-$(date +%Y%m%d)-"
        wait_until step_is "$id" verifikasi
        assert_eq kepala_bidang "$(show_field "$id" role)" "who must act first"

        ctl approve "$id" --key "$KEY_KABID" --note "Lengkap, lanjutkan" >/dev/null
        wait_until step_is "$id" disposisi
        ctl approve "$id" --key "$KEY_SUPERADMIN" --to "$ADMIN_ID" >/dev/null
        wait_until step_is "$id" aktivasi
        assert_eq "$ADMIN_ID" "$(show_field "$id" actor)" "the admin it was forwarded to"
        ctl approve "$id" --key "$KEY_ADMIN" >/dev/null
        # Activation (issue [3]) follows at once: the request completes.
        wait_status "$id" done

        json=$(ctl show "$id" --json)
        assert_contains "$json" '"decision": "approve", "actor": "budi.santoso"'
        assert_contains "$json" '"actor": "rina.wulandari", "to": "agus.pratama"'
        assert_contains "$json" '"step": "aktivasi", "role": "admin", "decision": "approve", "actor": "agus.pratama"'
        ls "$AKSES_SPOOL/closed/$id/dispositions" >files
        assert_eq "01-verifikasi-approve.yaml 02-disposisi-approve.yaml 03-aktivasi-approve.yaml" "$(tr '\n' ' ' <files | sed 's/ $//')"
        cmp -s "$REPO/conf/examples/skpd-access.yaml" "$AKSES_SPOOL/closed/$id/request.yaml" || fail "stored request differs from the submitted bytes"

        stop_daemon
        events=$(journal_events _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" AKSES_REQUEST_ID="$id" | tr '\n' ' ')
        assert_contains "$events" "REQUEST_RECEIVED STEP_STARTED DISPOSITION_ACCEPTED STEP_STARTED DISPOSITION_ACCEPTED STEP_STARTED DISPOSITION_ACCEPTED ACTIVATION_DUE ACCOUNT_ACTIVATED " "the request's story in the journal"
        assert_contains "$events" "HANDOVER_WRITTEN REPORT_WRITTEN ARCHIVE_RECORDED REQUEST_COMPLETED " "the request's story in the journal"
        fields=$(journalctl -q _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" AKSES_REQUEST_ID="$id" AKSES_EVENT=DISPOSITION_ACCEPTED AKSES_STEP=disposisi -o export)
        assert_contains "$fields" "AKSES_ROLE=super_admin"
        assert_contains "$fields" "AKSES_ACTOR=rina.wulandari"
        assert_contains "$fields" "AKSES_SKPD=DISKOMINFO"
        assert_contains "$fields" "AKSES_LETTER=045/1187/DISKOMINFO/XII/2026"
        assert_contains "$fields" "AKSES_DECISION=approve"
        assert_contains "$fields" "MESSAGE_ID=6a8ecc8e6b3f4760a6e5488f1cd15bdc"
}

# expect_refused FILE REASON: the daemon quarantines FILE with REASON and
# journals it under the request id.
expect_refused() {
        local file=$1 reason=$2 base
        base=$(basename "$file")
        drop_copy "$file"
        wait_until quarantined "$base"
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-"$base".reason)" "$reason" "reason for $base"
        [ ! -e "$AKSES_SPOOL/drop/$base" ] || fail "$base still in drop/"
}

test_every_refusal_is_quarantined_and_journaled() {
        fresh_spool
        # A second admin, and a Kepala Bidang whose key has expired.
        "$AKSESCTL" keygen --id dewi.lestari --out dewi >/dev/null
        "$AKSESCTL" keygen --id lama.kabid --out lama >/dev/null
        awk -v dewi="$(cat dewi.pub)" -v lama="$(cat lama.pub)" '
                { print }
                /^  admin:/ { in_admin = 1 } /^  kepala_bidang:/ { in_kb = 1 }
                /^    members:/ && in_admin { print "      - id: dewi.lestari\n        name: \"Dewi Lestari\"\n        key: \"" dewi "\""; in_admin = 0 }
                /^    members:/ && in_kb { print "      - id: lama.kabid\n        name: \"Kabid Lama\"\n        key: \"" lama "\"\n        expires: 2020-01-01"; in_kb = 0 }
        ' "$AKSES_POLICY" >p2.yaml && mv p2.yaml "$AKSES_POLICY"
        ctl check-policy >/dev/null || fail "test policy invalid: $(ctl check-policy 2>&1)"
        start_daemon
        id=$(submit_example)
        wait_until step_is "$id" verifikasi

        signed "$id" "$KEY_ADMIN" approve admin-at-verify.yaml
        expect_refused admin-at-verify.yaml "wrong role: 'agus.pratama' is admin, but step 'verifikasi' needs kepala_bidang"

        signed "$id" "$KEY_KABID" approve tampered.yaml --note "Disetujui"
        sed -i 's/Disetujui/Ditolak!!/' tampered.yaml
        expect_refused tampered.yaml "bad signature: the disposition does not verify with the key of 'budi.santoso'"

        signed "$id" lama.key approve expired.yaml
        expect_refused expired.yaml "the key of 'lama.kabid' expired on 2020-01-01"

        cp "$AKSES_SPOOL/open/$id/request.yaml" copy.yaml
        ctl approve "$id" --key "$KEY_KABID" --request copy.yaml --step disposisi --out wrong-step.yaml >/dev/null
        expect_refused wrong-step.yaml "wrong step: the disposition is for step 'disposisi' but the request is at step 'verifikasi'"

        ctl approve REQ-20990101-000001 --key "$KEY_KABID" --request copy.yaml --step verifikasi --out unknown.yaml >/dev/null
        expect_refused unknown.yaml "unknown request id"

        signed "$id" "$KEY_KABID" approve good.yaml
        cp good.yaml replay.yaml
        drop_copy good.yaml
        wait_until step_is "$id" disposisi
        expect_refused replay.yaml "replayed disposition: this one was already accepted at step 1"

        ctl approve "$id" --key "$KEY_SUPERADMIN" --to agus.pratama >/dev/null
        wait_until step_is "$id" aktivasi
        signed "$id" dewi.key approve wrong-admin.yaml
        expect_refused wrong-admin.yaml "wrong admin: the request was forwarded to 'agus.pratama', not 'dewi.lestari'"

        # The stored request altered after dispositions were given.
        chmod u+w "$AKSES_SPOOL/open/$id/request.yaml"
        echo "# diubah" >>"$AKSES_SPOOL/open/$id/request.yaml"
        signed "$id" "$KEY_ADMIN" approve after-change.yaml
        expect_refused after-change.yaml "signed over different request content"

        assert_eq aktivasi "$(show_field "$id" step)" "refusals did not move the request"
        stop_daemon
        reasons=$(journalctl -q _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" AKSES_REQUEST_ID="$id" AKSES_EVENT=DISPOSITION_REFUSED -o export | sed -n 's/^AKSES_REASON=//p')
        for r in "wrong role" "bad signature" "expired on 2020-01-01" "wrong step" "replayed" "wrong admin" "different request content"; do
                assert_contains "$reasons" "$r" "journaled refusals under $id"
        done
        unknown=$(journalctl -q _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" AKSES_REQUEST_ID=REQ-20990101-000001 AKSES_EVENT=DISPOSITION_REFUSED -o export)
        assert_contains "$unknown" "AKSES_REASON=unknown request id"
}

test_rejection_ends_the_request() {
        fresh_spool
        start_daemon
        id=$(submit_example)
        wait_until step_is "$id" verifikasi
        capture ctl reject "$id" --key "$KEY_KABID"
        assert_eq 2 "$RC" "a rejection without a note is a usage error"
        ctl reject "$id" --key "$KEY_KABID" --note "Surat permohonan belum ditandatangani" >/dev/null
        wait_until status_is "$id" rejected
        [ -d "$AKSES_SPOOL/closed/$id" ] || fail "a rejected request moves to closed/"
        assert_eq "Surat permohonan belum ditandatangani" "$(show_field "$id" reason)"
        stop_daemon
        assert_contains "$(journal_events _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" AKSES_REQUEST_ID="$id" | tr '\n' ' ')" "DISPOSITION_ACCEPTED REQUEST_REJECTED"
}

test_bad_input_is_quarantined_with_its_reason() {
        fresh_spool
        start_daemon
        sed 's/nip: "198703152011012004"/nip: "12345"/' "$REPO/conf/examples/skpd-access.yaml" >bad.yaml
        cp bad.yaml "$AKSES_SPOOL/drop/bad.yaml"
        wait_until quarantined "bad.yaml"
        assert_eq "bad.yaml:11:8: applicant.nip: expected an 18-digit NIP (Nomor Induk Pegawai), found '12345'" \
                "$(cat "$AKSES_SPOOL"/quarantine/*-bad.yaml.reason)"
        cmp -s bad.yaml "$(ls "$AKSES_SPOOL"/quarantine/*-bad.yaml)" || fail "the quarantined file is not the file as dropped"

        # A symbolic link, a FIFO and a hard link, moved in whole.
        ln -s "$REPO/conf/examples/skpd-access.yaml" link.yaml
        mv link.yaml "$AKSES_SPOOL/drop/"
        mkfifo fifo.yaml
        mv fifo.yaml "$AKSES_SPOOL/drop/"
        cp "$REPO/conf/examples/skpd-access.yaml" "$AKSES_SPOOL/hard-src.yaml"
        ln "$AKSES_SPOOL/hard-src.yaml" "$AKSES_SPOOL/hard.yaml"
        mv "$AKSES_SPOOL/hard.yaml" "$AKSES_SPOOL/drop/"
        wait_until quarantined "hard.yaml"
        wait_until quarantined "fifo.yaml"
        wait_until quarantined "link.yaml"
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-link.yaml.reason)" "is a symbolic link"
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-fifo.yaml.reason)" "is not a regular file (a FIFO)"
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-hard.yaml.reason)" "has 2 hard links"

        # A file named like a submitted id the counter never gave out gets a
        # fresh id: names cannot claim ids.
        cp "$REPO/conf/examples/skpd-access.yaml" "$AKSES_SPOOL/drop/REQ-20991231-999999.yaml"
        wait_until has_open_request
        [ ! -d "$AKSES_SPOOL/open/REQ-20991231-999999" ] || fail "a file name chose its request id"
        rm -rf "$AKSES_SPOOL"/open/*

        # Editors' temp files and half-copied files start with '.': never taken.
        cp "$REPO/conf/examples/skpd-access.yaml" "$AKSES_SPOOL/drop/.swp-request.yaml"
        sleep 0.3
        [ -f "$AKSES_SPOOL/drop/.swp-request.yaml" ] || fail "a dot file was taken"
        assert_eq "" "$(ls "$AKSES_SPOOL/open")" "nothing was accepted"
        stop_daemon
        assert_eq 4 "$(journal_events _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" AKSES_EVENT=INPUT_QUARANTINED | wc -l)" "quarantine events: $(journalctl -q _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" AKSES_EVENT=INPUT_QUARANTINED -o cat)"
}

test_wrong_owner_is_quarantined() {
        fresh_spool
        start_daemon
        cp "$REPO/conf/examples/skpd-access.yaml" nobody.yaml
        chown nobody nobody.yaml
        chmod 644 nobody.yaml
        mv nobody.yaml "$AKSES_SPOOL/drop/"
        wait_until quarantined "nobody.yaml"
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-nobody.yaml.reason)" "owned by nobody"
        stop_daemon
}

test_slow_copy_is_taken_whole_once() {
        fresh_spool
        start_daemon
        src="$REPO/conf/examples/skpd-access.yaml"
        size=$(stat -c %s "$src")
        { head -c 300 "$src"; sleep 1; tail -c +301 "$src"; } | cp /dev/stdin "$AKSES_SPOOL/drop/slow.yaml"
        wait_until has_open_request
        sleep 0.5
        assert_eq 1 "$(ls "$AKSES_SPOOL/open" | wc -l)" "exactly one request"
        id=$(ls "$AKSES_SPOOL/open")
        assert_eq "$size" "$(stat -c %s "$AKSES_SPOOL/open/$id/request.yaml")" "the whole file"
        assert_eq "" "$(ls "$AKSES_SPOOL/quarantine")" "nothing quarantined"
        stop_daemon
}

test_kill9_between_steps_loses_and_repeats_nothing() {
        fresh_spool
        start_daemon
        crash_daemon
        # Dropped while the daemon is down: taken at the next start.
        id=$(submit_example)
        start_daemon
        wait_until step_is "$id" verifikasi
        crash_daemon
        ctl approve "$id" --key "$KEY_KABID" >/dev/null
        start_daemon
        wait_until step_is "$id" disposisi
        ctl approve "$id" --key "$KEY_SUPERADMIN" --to "$ADMIN_ID" >/dev/null
        wait_until step_is "$id" aktivasi
        crash_daemon

        # A crash half-way through an intake: claimed into work/ ...
        cp "$REPO/conf/examples/skpd-access.yaml" "$AKSES_SPOOL/work/claimed.yaml"
        # ... and a crash after a disposition's state was written but before
        # its file was filed: the state has it, the file is still in work/.
        ctl approve "$id" --key "$KEY_ADMIN" --out "$AKSES_SPOOL/work/late.disposition.yaml" >/dev/null
        start_daemon
        wait_status "$id" done
        [ -f "$AKSES_SPOOL/closed/$id/dispositions/03-aktivasi-approve.yaml" ] || fail "the late disposition was not filed"
        wait_until test "$(ls "$AKSES_SPOOL/open" "$AKSES_SPOOL/closed" | grep -c '^REQ-')" -eq 2
        crash_daemon
        start_daemon
        sleep 0.3
        stop_daemon

        assert_eq 2 "$(ls "$AKSES_SPOOL/open" "$AKSES_SPOOL/closed" | grep -c '^REQ-')" "two requests, no duplicate"
        assert_eq "" "$(find "$AKSES_SPOOL/work" "$AKSES_SPOOL/drop" "$AKSES_SPOOL/quarantine" -mindepth 1 ! -name .seq)" "nothing left behind or refused"
        assert_eq 3 "$(ctl show "$id" --json | grep -o '"decision"' | wc -l)" "three dispositions, none twice"
        assert_eq 1 "$(journal_of_test AKSES_REQUEST_ID="$id" AKSES_EVENT=ACCOUNT_ACTIVATED -o cat | wc -l)" "activated once"
        received=$(journal_of_test AKSES_REQUEST_ID="$id" AKSES_EVENT=REQUEST_RECEIVED -o cat | wc -l)
        assert_eq 1 "$received" "received journaled once"
        accepted=$(journal_of_test AKSES_REQUEST_ID="$id" AKSES_EVENT=DISPOSITION_ACCEPTED -o cat | wc -l)
        assert_eq 3 "$accepted" "each disposition journaled once"
}

# Group commit keeps each dropped file, as incoming, until its batch is
# durable.  A crash after the batch was published but before those files
# were removed leaves open/ID/incoming: start-up checks the stored copy
# against the state's digest, restores it from incoming when it is torn
# (as a power loss could leave it) and removes incoming.  A staging
# directory whose request was not stored yet gives its file back to be
# taken again.
test_interrupted_intake_is_finished_from_the_dropped_file() {
        fresh_spool
        start_daemon
        good=$(submit_example)
        torn=$(submit_example)
        wait_until step_is "$good" verifikasi
        wait_until step_is "$torn" verifikasi
        stop_daemon
        src="$REPO/conf/examples/skpd-access.yaml"
        cp "$src" "$AKSES_SPOOL/open/$good/incoming"
        cp "$src" "$AKSES_SPOOL/open/$torn/incoming"
        chmod u+w "$AKSES_SPOOL/open/$torn/request.yaml"
        truncate -s 100 "$AKSES_SPOOL/open/$torn/request.yaml"
        staged="REQ-$(date +%Y%m%d)-999990"     # an id the counter never gave out
        mkdir "$AKSES_SPOOL/open/.new-$staged"
        cp "$src" "$AKSES_SPOOL/open/.new-$staged/incoming"
        start_daemon
        wait_until test "$(ls "$AKSES_SPOOL/open" | wc -l)" -eq 3
        stop_daemon

        cmp -s "$src" "$AKSES_SPOOL/open/$torn/request.yaml" || fail "the torn request.yaml was not restored"
        assert_eq 440 "$(stat -c %a "$AKSES_SPOOL/open/$torn/request.yaml")" "mode of the restored copy"
        cmp -s "$src" "$AKSES_SPOOL/open/$good/request.yaml" || fail "the whole request.yaml was changed"
        assert_eq "" "$(find "$AKSES_SPOOL/open" -name incoming)" "dropped files left behind"
        assert_eq "" "$(find "$AKSES_SPOOL/open" -maxdepth 1 -name '.new-*')" "staging left behind"
        assert_eq "" "$(find "$AKSES_SPOOL/work" "$AKSES_SPOOL/quarantine" -mindepth 1)" "nothing left in work/ or refused"
        [ ! -d "$AKSES_SPOOL/open/$staged" ] || fail "an id the counter never gave out was kept"
        assert_eq verifikasi "$(show_field "$torn" step)" "the restored request's step"
        assert_eq verifikasi "$(show_field "$good" step)" "the other request's step"
        restored=$(journal_of_test AKSES_REQUEST_ID="$torn" AKSES_EVENT=REQUEST_RECEIVED -o cat)
        assert_contains "$restored" "request.yaml restored from the dropped file"
}

test_sighup_with_broken_policy_keeps_the_old_one() {
        fresh_spool
        start_daemon
        cp "$AKSES_POLICY" good.yaml
        printf 'surprise: true\n' >>"$AKSES_POLICY"
        kill -HUP "$DPID"
        wait_until grep -q 'RELOADING=1' "$WORK/notify.log"
        sleep 0.2
        kill -0 "$DPID" || fail "aksesd died on a bad reload"
        line=$(grep -n '^surprise:' "$AKSES_POLICY" | cut -d: -f1)
        journalctl --sync 2>/dev/null || true
        refused=$(journalctl -q _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" AKSES_EVENT=POLICY_REFUSED -o export)
        assert_contains "$refused" "AKSES_REASON=$AKSES_POLICY:$line:1: surprise: unknown field"
        # The old policy still works (aksesctl would refuse the broken one).
        cp "$REPO/conf/examples/skpd-access.yaml" "$AKSES_SPOOL/drop/while-broken.yaml"
        wait_until has_open_request
        cp good.yaml "$AKSES_POLICY"
        kill -HUP "$DPID"
        sleep 0.3
        stop_daemon
        assert_contains "$(journal_events _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" | tr '\n' ' ')" "POLICY_REFUSED"
        assert_contains "$(journal_events _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" | tr '\n' ' ')" "POLICY_RELOADED"
}

test_breach_is_journaled_once_across_restarts() {
        fresh_spool
        start_daemon
        id=$(submit_example)
        wait_until step_is "$id" verifikasi
        ctl approve "$id" --key "$KEY_KABID" >/dev/null
        wait_until step_is "$id" disposisi
        stop_daemon
        # The Super Admin's step began an hour ago (its standard is 15 minutes).
        past=$(( $(date +%s) - 3600 ))
        chmod u+w "$AKSES_SPOOL/open/$id/state"
        sed -i "s/^step_started .*/step_started $past/" "$AKSES_SPOOL/open/$id/state"
        start_daemon
        wait_until test "$(show_field "$id" overdue)" = true
        wait_until grep -q '^breached 1' "$AKSES_SPOOL/open/$id/state"
        assert_contains "$(cat "$WORK/notify.log")" "1 overdue"
        stop_daemon
        start_daemon
        sleep 0.5
        stop_daemon
        breaches=$(journal_of_test AKSES_REQUEST_ID="$id" AKSES_EVENT=DEADLINE_BREACHED -o export)
        assert_eq 1 "$(printf '%s\n' "$breaches" | grep -c '^AKSES_EVENT=')" "one breach event across restarts"
        assert_contains "$breaches" "PRIORITY=4"
        assert_contains "$breaches" "AKSES_ROLE=super_admin"
        assert_contains "$breaches" "AKSES_STEP=disposisi"
        assert_contains "$breaches" "AKSES_ESCALATE_TO=kepala_bidang:budi.santoso"
        assert_contains "$(ctl list --overdue)" "$id"
        assert_contains "$(ctl list --role super_admin --json)" "\"id\": \"$id\""
        assert_eq "[]" "$(ctl list --role admin --json)" "nothing waits for an admin"
}

test_notify_protocol_and_low_space_pause() {
        fresh_spool
        # Ask for more free space than any test machine has.
        sed -i 's/min_free_mib: .*/min_free_mib: 1048576/' "$AKSES_POLICY"
        export WATCHDOG_USEC=400000     # as systemd sets it for WatchdogSec=
        start_daemon
        unset WATCHDOG_USEC
        assert_contains "$(cat "$WORK/notify.log")" "STATUS=0 pending, 0 overdue, 0 quarantined"
        wait_until grep -q 'WATCHDOG=1' "$WORK/notify.log"
        cp "$REPO/conf/examples/skpd-access.yaml" "$AKSES_SPOOL/drop/waiting.yaml"
        sleep 0.5
        [ -f "$AKSES_SPOOL/drop/waiting.yaml" ] || fail "intake should be paused"
        wait_until grep -q 'intake paused' "$WORK/notify.log"
        sed -i 's/min_free_mib: .*/min_free_mib: 1/' "$AKSES_POLICY"
        kill -HUP "$DPID"
        # Re-checked every 5 seconds.
        for _ in $(seq 80); do [ -f "$AKSES_SPOOL/drop/waiting.yaml" ] || break; sleep 0.1; done
        [ ! -f "$AKSES_SPOOL/drop/waiting.yaml" ] || fail "intake did not resume"
        stop_daemon
        assert_contains "$(cat "$WORK/notify.log")" "STOPPING=1"
        events=$(journal_events _PID="$DPID" AKSES_SPOOL="$AKSES_SPOOL" | tr '\n' ' ')
        assert_contains "$events" "INTAKE_PAUSED"
        assert_contains "$events" "INTAKE_RESUMED REQUEST_RECEIVED"
}
