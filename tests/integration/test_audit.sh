# Audit (issue [5]): a request's story read back from the real journal
# with aksesctl audit, live and from journal files.

run_one_request() { # NIP: the full Procedure 2 chain for that applicant; prints the id
        local id
        sed "s/198703152011012004/$1/" "$REPO/conf/examples/skpd-access.yaml" >"req-$1.yaml"
        id=$(ctl submit "req-$1.yaml")
        wait_until step_is "$id" verifikasi
        ctl approve "$id" --key "$KEY_KABID" --note "Lengkap dan sesuai" >/dev/null
        wait_until step_is "$id" disposisi
        ctl approve "$id" --key "$KEY_SUPERADMIN" --to "$ADMIN_ID" --note "Mohon diaktifkan" >/dev/null
        wait_until step_is "$id" aktivasi
        ctl approve "$id" --key "$KEY_ADMIN" >/dev/null
        wait_status "$id" done
        echo "$id"
}

test_audit_tells_the_whole_story_in_order() {
        fresh_spool
        start_daemon
        id=$(run_one_request 198703152011012004)
        # A refused attempt is part of the story too.
        ctl approve "$id" --key "$KEY_ADMIN" --request "$AKSES_SPOOL/closed/$id/request.yaml" --step aktivasi --out late.yaml >/dev/null
        cp late.yaml "$AKSES_SPOOL/drop/"
        wait_until quarantined late.yaml
        stop_daemon
        journalctl --sync 2>/dev/null || true
        capture ctl audit "$id"
        assert_eq 0 "$RC" "audit: $OUT"
        events=$(printf '%s\n' "$OUT" | awk '{print $2}' | tr '\n' ' ')
        assert_eq "REQUEST_RECEIVED STEP_STARTED DISPOSITION_ACCEPTED STEP_STARTED DISPOSITION_ACCEPTED STEP_STARTED DISPOSITION_ACCEPTED ACTIVATION_DUE ACCOUNT_ACTIVATED GROUP_CHANGED GROUP_CHANGED HANDOVER_WRITTEN REPORT_WRITTEN ARCHIVE_RECORDED REQUEST_COMPLETED DISPOSITION_REFUSED INPUT_QUARANTINED " "$events" "the story, in order"
        assert_contains "$OUT" "budi.santoso approved at step 'verifikasi': Lengkap dan sesuai"
        assert_contains "$OUT" "rina.wulandari approved at step 'disposisi', forwarded to agus.pratama: Mohon diaktifkan"

        capture ctl audit "$id" --json
        assert_eq 0 "$RC"
        assert_contains "$OUT" '"event": "DISPOSITION_ACCEPTED", "step": "verifikasi", "role": "kepala_bidang", "actor": "budi.santoso", "decision": "approve", "reason": "Lengkap dan sesuai"'
        assert_contains "$OUT" "\"account_dn\": \"uid=diskominfo.198703152011012004,ou=people,$LDAP_BASE\""
        assert_contains "$OUT" '"groups": "simpeg-operator,sipd-viewer"'
        assert_contains "$OUT" '"event": "DISPOSITION_REFUSED"'
        # Well-formed JSON, as far as a shell can tell: one object per line, bracketed.
        assert_eq "[" "$(printf '%s\n' "$OUT" | head -1)"
        assert_eq "]" "$(printf '%s\n' "$OUT" | tail -1)"

        # Another spool's request with the same id is not mixed in.
        capture ctl audit REQ-20991231-000001
        assert_eq 1 "$RC" "no story for an unknown id"
}

test_audit_reads_journal_files() {
        fresh_spool
        start_daemon
        id=$(run_one_request 198404042009041013)
        stop_daemon
        journalctl --sync 2>/dev/null || true
        dir=""
        for d in /var/log/journal/*/ /run/log/journal/*/; do
                if ls "$d"/*.journal >/dev/null 2>&1; then
                        dir=$d
                        break
                fi
        done
        [ -n "$dir" ] || fail "no journal directory found"
        capture ctl audit "$id" --directory "$dir"
        assert_eq 0 "$RC" "audit --directory: $OUT"
        assert_contains "$OUT" "REQUEST_COMPLETED"
        files=()
        for f in "$dir"/*.journal; do files+=(--file "$f"); done
        capture ctl audit "$id" "${files[@]}"
        assert_eq 0 "$RC" "audit --file: $OUT"
        assert_contains "$OUT" "ACCOUNT_ACTIVATED"
}
