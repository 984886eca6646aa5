# Activation in the directory (issue [3]): from a dropped request to an
# account that binds, its groups, the handover and the report, against the
# fixture's real slapd and the real journal.  The tests of this file share
# one slapd, so each uses an applicant (NIP) of its own.

# request_with NIP [sed expression]: the example request for another NIP.
request_with() {
        sed "s/198703152011012004/$1/${2:+; $2}" "$REPO/conf/examples/skpd-access.yaml" >"req-$1.yaml"
        echo "req-$1.yaml"
}

# approve_all ID: the Kepala Bidang, the Super Admin (to the Admin), the Admin.
approve_all() {
        wait_until step_is "$1" verifikasi
        ctl approve "$1" --key "$KEY_KABID" --note "Lengkap" >/dev/null
        wait_until step_is "$1" disposisi
        ctl approve "$1" --key "$KEY_SUPERADMIN" --to "$ADMIN_ID" >/dev/null
        wait_until step_is "$1" aktivasi
        ctl approve "$1" --key "$KEY_ADMIN" >/dev/null
}


ldap_admin() { "$@" -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PW_FILE"; }

members_of() { # GROUP-CN: its member values, sorted
        ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "cn=$1,ou=groups,$LDAP_BASE" -s base member |
                sed -n 's/^member: //p' | sort
}

test_procedure2_from_drop_to_a_working_login() {
        fresh_spool
        start_daemon
        id=$(ctl submit "$(request_with 198703152011012004)")
        approve_all "$id"
        wait_status "$id" done
        dn="uid=diskominfo.198703152011012004,ou=people,$LDAP_BASE"
        [ -d "$AKSES_SPOOL/closed/$id" ] || fail "a completed request moves to closed/"

        # The initial password from the one-time handover file opens the account.
        pwfile="$AKSES_SPOOL/outbox/$id.password"
        [ -f "$pwfile" ] || fail "no handover password file: $(ls "$AKSES_SPOOL/outbox")"
        assert_eq 600 "$(stat -c %a "$pwfile")" "password file mode (no handover group on this machine)"
        ctl handover open "$pwfile" | tr -d '\n' >pw
        assert_eq 16 "$(wc -c <pw)" "password length from the policy"
        capture ldapwhoami -x -H "$LDAP_URI" -D "$dn" -y pw
        assert_eq "0 dn:$dn" "$RC $OUT" "the new account binds at once"
        printf 'wrong-password' >bad.pw
        capture ldapwhoami -x -H "$LDAP_URI" -D "$dn" -y bad.pw
        assert_eq 49 "$RC" "a wrong password is refused"

        # Exactly the granted groups.
        assert_eq "$dn" "$(members_of simpeg-operator | grep -Fx "$dn")"
        assert_eq "$dn" "$(members_of sipd-viewer | grep -Fx "$dn")"
        assert_eq "" "$(members_of sipd-operator | grep -Fx "$dn" || true)" "not in sipd-operator"
        assert_eq "" "$(members_of satudata-publisher | grep -Fx "$dn" || true)" "not in satudata-publisher"

        # The directory tells why the account exists.
        entry=$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "$dn" -s base '*' '+')
        assert_contains "$entry" "aksesdRequestId: $id"
        assert_contains "$entry" "aksesdLetterNumber: 045/1187/DISKOMINFO/XII/2026"
        assert_contains "$entry" "aksesdSkpd: DISKOMINFO"
        assert_contains "$entry" "aksesdApprover: kepala_bidang:budi.santoso"
        assert_contains "$entry" "aksesdApprover: super_admin:rina.wulandari"
        assert_contains "$entry" "aksesdApprover: admin:agus.pratama"
        assert_contains "$entry" "aksesdProvisionedBy: agus.pratama"
        assert_contains "$entry" "aksesdValidUntil: 20291231235959Z"
        assert_contains "$entry" "uidNumber: 2"
        assert_contains "$entry" "userPassword:: "
        assert_contains "$entry" "pwdReset: TRUE"
        hash=$(printf '%s\n' "$entry" | sed -n 's/^userPassword:: //p' | base64 -d)
        assert_contains "$hash" '{ARGON2}$argon2id$v=19$m=65536,t=2,p=1$'

        # The handover form and the report; the password is in neither, nor in the journal.
        form="$AKSES_SPOOL/outbox/$id.serah-terima.txt"
        report="$AKSES_SPOOL/reports/$id.laporan.txt"
        assert_contains "$(cat "$form")" "diskominfo.198703152011012004"
        assert_contains "$(cat "$report")" "aktivasi"
        password=$(cat pw)
        ! grep -qF "$password" "$form" "$report" "$AKSES_SPOOL/closed/$id/state" || fail "the password leaked into a document"
        stop_daemon
        ! journal_of_test -o export | grep -qF "$password" || fail "the password reached the journal"

        events=$(journal_of_test AKSES_REQUEST_ID="$id" -o export | sed -n 's/^AKSES_EVENT=//p' | tr '\n' ' ')
        assert_contains "$events" "ACTIVATION_DUE ACCOUNT_ACTIVATED GROUP_CHANGED GROUP_CHANGED HANDOVER_WRITTEN REPORT_WRITTEN ARCHIVE_RECORDED REQUEST_COMPLETED"
        activated=$(journal_of_test AKSES_REQUEST_ID="$id" AKSES_EVENT=ACCOUNT_ACTIVATED -o export)
        assert_contains "$activated" "AKSES_ACCOUNT_DN=$dn"
        assert_contains "$activated" "AKSES_GROUPS=simpeg-operator,sipd-viewer"

        # Activating again would change nothing.
        capture ctl plan "$id"
        assert_eq 0 "$RC" "plan: $OUT"
        assert_contains "$OUT" "no change"
        ! printf '%s\n' "$OUT" | grep -q '^changetype' || fail "plan after activation still has changes: $OUT"
}

test_plan_shows_the_ldif_before_activation() {
        fresh_spool
        start_daemon
        id=$(ctl submit "$(request_with 198801012012011001)")
        wait_until step_is "$id" verifikasi
        capture ctl plan "$id"
        stop_daemon
        assert_eq 0 "$RC" "plan: $OUT"
        assert_contains "$OUT" "dn: uid=diskominfo.198801012012011001,ou=people,$LDAP_BASE"
        assert_contains "$OUT" "changetype: add"
        assert_contains "$OUT" "aksesdRequestId: $id"
        [ -z "$(ldap_admin ldapsearch -LLL -b "ou=people,$LDAP_BASE" '(uid=diskominfo.198801012012011001)' dn)" ] ||
                fail "plan wrote to the directory"
}

test_second_request_updates_the_same_account() {
        fresh_spool
        start_daemon
        id1=$(ctl submit "$(request_with 199001012015011002)")
        approve_all "$id1"
        wait_status "$id1" done
        dn="uid=diskominfo.199001012015011002,ou=people,$LDAP_BASE"
        uidnum=$(ldap_admin ldapsearch -LLL -b "$dn" -s base uidNumber | sed -n 's/^uidNumber: //p')
        # Same applicant, another profile.
        sed -i 's/profiles: \[simpeg-operator, sipd-viewer\]/profiles: [satudata-publisher]/' req-199001012015011002.yaml
        id2=$(ctl submit req-199001012015011002.yaml)
        approve_all "$id2"
        wait_status "$id2" done
        stop_daemon
        assert_eq "$uidnum" "$(ldap_admin ldapsearch -LLL -b "$dn" -s base uidNumber | sed -n 's/^uidNumber: //p')" "uidNumber kept"
        assert_eq "$dn" "$(members_of satudata-publisher | grep -Fx "$dn")"
        assert_contains "$(ldap_admin ldapsearch -LLL -b "$dn" -s base aksesdRequestId)" "aksesdRequestId: $id2"
        assert_contains "$(journal_of_test AKSES_REQUEST_ID="$id2" AKSES_EVENT=ACCOUNT_ACTIVATED -o cat)" "updated"
        assert_eq 1 "$(ldap_admin ldapsearch -LLL -b "ou=people,$LDAP_BASE" '(employeeNumber=199001012015011002)' dn | grep -c '^dn:')" "one account"
        # The period report counts one account activated and one changed.
        today=$(date +%Y-%m-%d)
        row=$(ctl report --from "$today" --to "$today" --format csv | tr -d '\r' | awk -F, '$1 == "skpd" && $2 == "DISKOMINFO"')
        head=$(ctl report --from "$today" --to "$today" --format csv | head -1 | tr -d '\r')
        col() { printf '%s\n' "$head" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
        assert_eq 1 "$(printf '%s\n' "$row" | cut -d, -f"$(col activated)")" "accounts activated"
        assert_eq 1 "$(printf '%s\n' "$row" | cut -d, -f"$(col changed)")" "accounts changed"
}

test_conflicting_uid_stops_the_request_untouched() {
        fresh_spool
        dn="uid=diskominfo.197505052000031003,ou=people,$LDAP_BASE"
        ldap_admin ldapadd >/dev/null <<LDIF
dn: $dn
objectClass: inetOrgPerson
uid: diskominfo.197505052000031003
cn: Akun Lama
sn: Lama
description: made by hand, not by aksesd
LDIF
        before=$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "$dn" -s base '*' '+' | grep -v -E '^(entryCSN|modifyTimestamp|modifiersName|contextCSN)')
        start_daemon
        id=$(ctl submit "$(request_with 197505052000031003)")
        approve_all "$id"
        wait_status "$id" failed
        stop_daemon
        assert_contains "$(show_field "$id" reason)" "not provisioned by aksesd"
        after=$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "$dn" -s base '*' '+' | grep -v -E '^(entryCSN|modifyTimestamp|modifiersName|contextCSN)')
        assert_eq "$before" "$after" "the existing entry is untouched"
        assert_eq "" "$(members_of simpeg-operator | grep -Fx "$dn" || true)" "no group joined"
        assert_contains "$(journal_of_test AKSES_REQUEST_ID="$id" -o export | sed -n 's/^AKSES_EVENT=//p' | tr '\n' ' ')" "ACTIVATION_CONFLICT"
        [ ! -e "$AKSES_SPOOL/outbox/$id.password" ] || fail "no handover for a conflict"
}

test_hostile_names_are_stored_exactly() {
        fresh_spool
        start_daemon
        name='Budi* (Admin), \"x\"+y <z>; =#\\ Ñoño'
        esc=$(printf '%s' "$name" | sed 's/[\\&/]/\\&/g')   # for sed's replacement text
        file=$(request_with 198202022003021004 "s/name: \"Siti Rahmawati, S.Kom.\"/name: \"$esc\"/")
        ctl check-request "$file" >/dev/null || fail "$(ctl check-request "$file" 2>&1)"
        id=$(ctl submit "$file")
        approve_all "$id"
        wait_status "$id" done
        stop_daemon
        expected='Budi* (Admin), "x"+y <z>; =#\ Ñoño'
        # Found by an escaped filter, exactly once, and its cn is the name as written.
        printf '%s' "$expected" >name.txt
        got=$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "ou=people,$LDAP_BASE" '(employeeNumber=198202022003021004)' cn |
              sed -n 's/^cn:: //p' | base64 -d)
        assert_eq "$expected" "$got" "cn stored exactly"
        assert_eq 1 "$(ldap_admin ldapsearch -LLL -b "ou=people,$LDAP_BASE" '(cn=Budi\2A \28Admin\29*)' dn | grep -c '^dn:')" "one entry"
}

test_sealed_handover_opens_only_with_the_recipient_key() {
        fresh_spool
        "$AKSESCTL" keygen --id siti.skpd --out siti >/dev/null
        file=$(request_with 198505052010012005 "s|^# recipient_key: .*|recipient_key: \"$(cat siti.pub)\"|")
        grep -q '^recipient_key:' "$file" || fail "test request has no recipient key"
        start_daemon
        id=$(ctl submit "$file")
        approve_all "$id"
        wait_status "$id" done
        stop_daemon
        sealed="$AKSES_SPOOL/outbox/$id.password.sealed"
        [ -f "$sealed" ] || fail "no sealed handover: $(ls "$AKSES_SPOOL/outbox")"
        [ ! -e "$AKSES_SPOOL/outbox/$id.password" ] || fail "a plain password file next to the sealed one"
        capture ctl handover open "$sealed" --key "$KEY_ADMIN"
        assert_eq 1 "$RC" "another key cannot open it"
        assert_contains "$OUT" "sealed to another key"
        ctl handover open "$sealed" --key siti.key | tr -d '\n' >pw
        capture ldapwhoami -x -H "$LDAP_URI" -D "uid=diskominfo.198505052010012005,ou=people,$LDAP_BASE" -y pw
        assert_eq 0 "$RC" "the recipient's password binds: $OUT"
}

test_directory_outage_during_activation_completes_once() {
        fresh_spool
        start_daemon
        id=$(ctl submit "$(request_with 199202022016021006)")
        wait_until step_is "$id" verifikasi
        ctl approve "$id" --key "$KEY_KABID" >/dev/null
        wait_until step_is "$id" disposisi
        ctl approve "$id" --key "$KEY_SUPERADMIN" --to "$ADMIN_ID" >/dev/null
        wait_until step_is "$id" aktivasi
        "$REPO/tests/env/slapd-down" "$SLAPD_DIR"
        ctl approve "$id" --key "$KEY_ADMIN" >/dev/null
        wait_until journaled AKSES_EVENT=DIRECTORY_DOWN
        sleep 2         # a few retries while it is down
        assert_eq open "$(show_field "$id" status)" "waiting while the directory is down"
        assert_eq true "$(show_field "$id" awaiting_activation)"
        "$REPO/tests/env/slapd-up" "$SLAPD_DIR" >restarted.env
        assert_contains "$(cat restarted.env)" "LDAP_URI=$LDAP_URI"
        wait_status "$id" done 700
        stop_daemon
        assert_eq 1 "$(journal_of_test AKSES_EVENT=DIRECTORY_DOWN -o cat | wc -l)" "outage journaled once when it starts"
        assert_eq 1 "$(journal_of_test AKSES_EVENT=DIRECTORY_UP -o cat | wc -l)" "and once when it ends"
        assert_eq 1 "$(journal_of_test AKSES_REQUEST_ID="$id" AKSES_EVENT=ACCOUNT_ACTIVATED -o cat | wc -l)" "activated exactly once"
        assert_eq 1 "$(ldap_admin ldapsearch -LLL -b "ou=people,$LDAP_BASE" '(employeeNumber=199202022016021006)' dn | grep -c '^dn:')" "one account"
}

test_server_hashing_failover_and_credential() {
        fresh_spool
        # The server hashes (Password Modify), no change forced at first login,
        # a dead URI first in the list, and the bind password as a systemd
        # credential while the configured file does not exist.
        dead="ldap://127.0.0.1:$(( (RANDOM % 1000) + 1 ))/"
        sed -i -e 's/storage: argon2/storage: server/' -e 's/must_change: true/must_change: false/' \
               -e "s|^    - \"$LDAP_URI\"|    - \"$dead\"\n    - \"$LDAP_URI\"|" \
               -e "s|bind_password_file: .*|bind_password_file: \"$WORK/missing.pw\"|" "$AKSES_POLICY"
        grep -qF "$dead" "$AKSES_POLICY" || fail "no dead URI in the test policy"
        mkdir -p creds
        cp "$LDAP_BIND_PW_FILE" creds/bind.pw
        export CREDENTIALS_DIRECTORY="$WORK/creds"
        start_daemon
        unset CREDENTIALS_DIRECTORY
        id=$(ctl submit "$(request_with 198909092014091007)")
        approve_all "$id"
        wait_status "$id" done
        stop_daemon
        dn="uid=diskominfo.198909092014091007,ou=people,$LDAP_BASE"
        ctl handover open "$AKSES_SPOOL/outbox/$id.password" | tr -d '\n' >pw
        capture ldapwhoami -x -H "$LDAP_URI" -D "$dn" -y pw
        assert_eq "0 dn:$dn" "$RC $OUT" "the account binds"
        entry=$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "$dn" -s base userPassword pwdReset)
        hash=$(printf '%s\n' "$entry" | sed -n 's/^userPassword:: //p' | base64 -d)
        assert_contains "$hash" '{ARGON2}$argon2i$' "hashed by the server's argon2 module"
        ! printf '%s\n' "$entry" | grep -q '^pwdReset' || fail "must_change: false, but pwdReset is set"
}

test_daemon_keeps_taking_files_while_hashing() {
        fresh_spool
        # Expensive hashing: 256 MiB and 12 passes take seconds.
        sed -i -e 's/ops_limit: .*/ops_limit: 12/' -e 's/mem_limit_kib: .*/mem_limit_kib: 262144/' "$AKSES_POLICY"
        start_daemon
        id=$(ctl submit "$(request_with 198111112005111008)")
        approve_all "$id"
        wait_until journaled AKSES_REQUEST_ID="$id" AKSES_EVENT=ACTIVATION_DUE
        # While the executor hashes, a new request is taken in and answered.
        other=$(ctl submit "$(request_with 198111112005111009)")
        wait_until step_is "$other" verifikasi
        wait_status "$id" done 600
        stop_daemon
        # The journal's own clock: the second intake fell between the hand-off
        # and the end of the first activation.
        ts() { journal_of_test AKSES_REQUEST_ID="$1" AKSES_EVENT="$2" -o export | sed -n 's/^__REALTIME_TIMESTAMP=//p' | head -1; }
        due=$(ts "$id" ACTIVATION_DUE) received=$(ts "$other" REQUEST_RECEIVED) activated=$(ts "$id" ACCOUNT_ACTIVATED)
        [ "$due" -lt "$received" ] && [ "$received" -lt "$activated" ] ||
                fail "intake waited for the hashing: due $due, received $received, activated $activated"
}
