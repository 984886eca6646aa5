# Procedure 1 (issue [4]): the Kepala Bidang appoints a Super Admin, who
# rotates the super administrator account and appoints an Admin, who then
# activates an SKPD request; removal, forgery, separation of duties and
# the tamper-evident archive.  Real slapd, real journal.

ldap_admin() { "$@" -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PW_FILE"; }

wait_done() { wait_status "$1" done; }

# A policy whose Super Admin and Admin lists are empty: only the Kepala
# Bidang (the root of trust) is configured; everyone else is appointed.
policy_without_appointees() {
        awk '
                /^  super_admin:|^  admin:/ { skip_role = 1 }
                /^  kepala_bidang:/ { skip_role = 0 }
                skip_role && /^    members:/ { print "    members: []"; dropping = 1; next }
                dropping && /^      / { next }
                { dropping = 0; print }
        ' "$AKSES_POLICY" >p.yaml && mv p.yaml "$AKSES_POLICY"
        ctl check-policy >/dev/null || fail "test policy invalid: $(ctl check-policy 2>&1)"
}

pub_of() { cat "$(dirname "$KEY_KABID")/$1.pub"; }

# appoint_request KIND ID FILE: a Procedure 1 request naming ID with its real key.
appoint_request() {
        sed -e "s/rina.wulandari/$2/; s/agus.pratama/$2/" \
            -e "s|key: \"ed25519:.*\"|key: \"$(pub_of "$2")\"|" "$REPO/conf/examples/$1.yaml" >"$3"
}

approve_as() { # ID KEY [args]
        local id=$1 key=$2
        shift 2
        ctl approve "$id" --key "$key" "$@" >/dev/null
}

skpd_request() { # NIP: an SKPD request for another applicant
        sed "s/198703152011012004/$1/" "$REPO/conf/examples/skpd-access.yaml" >"skpd-$1.yaml"
        ctl submit "skpd-$1.yaml"
}

test_procedure1_end_to_end() {
        fresh_spool
        policy_without_appointees
        base_people="ou=people,$LDAP_BASE"
        # The super administrator account, with a password only the test knows.
        printf 'old-superadmin-pw' >old.pw
        ldap_admin ldapadd >/dev/null <<LDIF
dn: uid=superadmin,$base_people
objectClass: inetOrgPerson
uid: superadmin
cn: Super Administrator
sn: Administrator
userPassword: old-superadmin-pw
LDIF
        start_daemon

        # 1. The Kepala Bidang appoints the Super Admin (surat tugas).
        appoint_request superadmin-appoint rina.wulandari sa.yaml
        sa=$(ctl submit sa.yaml)
        wait_until step_is "$sa" penunjukan
        # Before the appointment, rina cannot act as Super Admin.
        assert_eq kepala_bidang "$(show_field "$sa" role)"
        approve_as "$sa" "$KEY_KABID"
        wait_done "$sa"
        rina="uid=rina.wulandari,$base_people"
        entry=$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "$rina" -s base aksesdRole aksesdSigningKey aksesdAppointmentLetter)
        assert_contains "$entry" "aksesdRole: super_admin"
        assert_contains "$entry" "aksesdSigningKey: $(pub_of rina.wulandari)"
        assert_contains "$entry" "aksesdAppointmentLetter: 800/112/APTIKA/XII/2026"
        assert_contains "$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "cn=super_admin,ou=roles,$LDAP_BASE" -s base member)" "member: $rina"
        ctl handover open "$AKSES_SPOOL/outbox/$sa.password.sealed" --key "$KEY_SUPERADMIN" | tr -d '\n' >rina.pw
        capture ldapwhoami -x -H "$LDAP_URI" -D "$rina" -y rina.pw
        assert_eq "0 dn:$rina" "$RC $OUT" "the Super Admin's own account binds"
        [ -f "$AKSES_SPOOL/reports/$sa.laporan.txt" ] || fail "no report for the appointment"

        # 2. The Super Admin rotates the super administrator account.
        rot=$(ctl submit "$REPO/conf/examples/superadmin-rotate.yaml")
        wait_until step_is "$rot" penggantian
        approve_as "$rot" "$KEY_SUPERADMIN"
        wait_done "$rot"
        capture ldapwhoami -x -H "$LDAP_URI" -D "uid=superadmin,$base_people" -y old.pw
        assert_eq 49 "$RC" "the old super administrator password stops working"
        vault="$AKSES_SPOOL/vault/$rot.budi.santoso.sealed"
        [ -f "$vault" ] || fail "no vault record: $(ls "$AKSES_SPOOL/vault")"
        assert_eq 700 "$(stat -c %a "$AKSES_SPOOL/vault")" "vault mode"
        capture ctl handover open "$vault" --key "$KEY_SUPERADMIN"
        assert_eq 1 "$RC" "only the Kepala Bidang's key opens the vault record"
        ctl handover open "$vault" --key "$KEY_KABID" | tr -d '\n' >new.pw
        capture ldapwhoami -x -H "$LDAP_URI" -D "uid=superadmin,$base_people" -y new.pw
        assert_eq 0 "$RC" "the new super administrator password works: $OUT"

        # 3. The Super Admin appoints an Admin, who at once can act.
        appoint_request admin-appoint agus.pratama ad.yaml
        ad=$(ctl submit ad.yaml)
        wait_until step_is "$ad" entri
        approve_as "$ad" "$KEY_SUPERADMIN"
        wait_done "$ad"
        req=$(skpd_request 198606062010061011)
        wait_until step_is "$req" verifikasi
        approve_as "$req" "$KEY_KABID"
        wait_until step_is "$req" disposisi
        approve_as "$req" "$KEY_SUPERADMIN" --to agus.pratama
        wait_until step_is "$req" aktivasi
        approve_as "$req" "$KEY_ADMIN"
        wait_done "$req"

        # 4. The Admin is removed; a disposition signed afterwards is refused.
        sed "s/agus.pratama/agus.pratama/" "$REPO/conf/examples/admin-remove.yaml" >rm.yaml
        rmid=$(ctl submit rm.yaml)
        wait_until step_is "$rmid" penghapusan
        approve_as "$rmid" "$KEY_SUPERADMIN"
        wait_done "$rmid"
        req2=$(skpd_request 198707072011071012)
        wait_until step_is "$req2" verifikasi
        approve_as "$req2" "$KEY_KABID"
        wait_until step_is "$req2" disposisi
        ctl approve "$req2" --key "$KEY_ADMIN" --out late.yaml >/dev/null
        cp late.yaml "$AKSES_SPOOL/drop/"
        wait_until quarantined "late.yaml"
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-late.yaml.reason)" "'agus.pratama' no longer holds role admin"
        capture ctl approve "$req2" --key "$KEY_SUPERADMIN" --to agus.pratama --out fwd.yaml
        cp fwd.yaml "$AKSES_SPOOL/drop/"
        wait_until quarantined "fwd.yaml"
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-fwd.yaml.reason)" "cannot forward to 'agus.pratama'"
        assert_contains "$(ldap_admin ldapsearch -LLL -b "uid=agus.pratama,$base_people" -s base pwdAccountLockedTime)" "pwdAccountLockedTime: 000001010000Z"
        assert_eq "" "$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "cn=admin,ou=roles,$LDAP_BASE" -s base member | grep -F "uid=agus.pratama" || true)" "removed from the admin role group"

        # 5. A forged appointment: signed by a key outside the root of trust.
        "$AKSESCTL" keygen --id budi.santoso --out impostor >/dev/null
        appoint_request superadmin-appoint dewi.lestari forged.yaml 2>/dev/null || true
        "$AKSESCTL" keygen --id dewi.lestari --out dewi >/dev/null
        sed -e "s/rina.wulandari/dewi.lestari/" -e "s|key: \"ed25519:.*\"|key: \"$(cat dewi.pub)\"|" \
            "$REPO/conf/examples/superadmin-appoint.yaml" >forged.yaml
        fg=$(ctl submit forged.yaml)
        wait_until step_is "$fg" penunjukan
        ctl approve "$fg" --key impostor.key --out forged-disp.yaml >/dev/null
        cp forged-disp.yaml "$AKSES_SPOOL/drop/"
        wait_until quarantined "forged-disp.yaml"
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-forged-disp.yaml.reason)" "bad signature"
        assert_eq penunjukan "$(show_field "$fg" step)" "the forged appointment did not proceed"
        stop_daemon

        # Appointees are named by their letters' names, not just their ids.
        assert_contains "$(cat "$AKSES_SPOOL/outbox/$req.serah-terima.txt")" "Agus Pratama, A.Md."
        assert_contains "$(ctl report --from "$(date +%Y-%m-%d)" --to "$(date +%Y-%m-%d)")" "Rina Wulandari, S.Kom."

        events=$(journal_of_test -o export | sed -n 's/^AKSES_EVENT=//p' | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
        assert_contains "$events" "ACTOR_APPOINTED=2"
        assert_contains "$events" "ACTOR_REMOVED=1"
        assert_contains "$events" "CREDENTIAL_ROTATED=1"
        ! journal_of_test -o export | grep -qF "$(cat new.pw)" || fail "the rotated password reached the journal"

        # 6. The archive: intact, then each kind of tampering is named.
        capture ctl verify-archive
        assert_eq 0 "$RC" "verify-archive: $OUT"
        # 2 period reports at start, then 4 Procedure 1 records with their 4 reports, and the SKPD report
        assert_contains "$OUT" "OK: 11 records"
        archive="$AKSES_SPOOL/archive.log"
        cp "$archive" intact.log
        sed -i '3s/ 20/ 21/' "$archive"     # its time, one century on
        capture ctl verify-archive
        assert_eq 1 "$RC" "a changed record is found"
        assert_contains "$OUT" "record 3"
        cp intact.log "$archive"
        sed -i '2d' "$archive"
        capture ctl verify-archive
        assert_eq 1 "$RC" "a removed record is found"
        assert_contains "$OUT" "record 2"
        cp intact.log "$archive"
        awk 'NR == 2 { held = $0; next } NR == 3 { print; print held; next } { print }' intact.log >"$archive"
        capture ctl verify-archive
        assert_eq 1 "$RC" "reordered records are found"
        assert_contains "$OUT" "record 2"
        cp intact.log "$archive"
}

test_separation_of_duties() {
        fresh_spool
        sed -i 's/^reports:/separation_of_duties: true\nreports:/' "$AKSES_POLICY"
        ctl check-policy >/dev/null || fail "$(ctl check-policy 2>&1)"
        start_daemon
        # rina (a Super Admin in this policy) may not approve her own entry as an Admin.
        appoint_request admin-appoint rina.wulandari self.yaml
        id=$(ctl submit self.yaml)
        wait_until step_is "$id" entri
        ctl approve "$id" --key "$KEY_SUPERADMIN" --out self-disp.yaml >/dev/null
        cp self-disp.yaml "$AKSES_SPOOL/drop/"
        wait_until quarantined "self-disp.yaml"
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-self-disp.yaml.reason)" "may not dispose of their own appointment"
        stop_daemon
}

test_admin_update_and_superadmin_revocation() {
        fresh_spool
        policy_without_appointees
        start_daemon
        appoint_request superadmin-appoint rina.wulandari sa.yaml
        sa=$(ctl submit sa.yaml)
        wait_until step_is "$sa" penunjukan
        approve_as "$sa" "$KEY_KABID"
        wait_done "$sa"
        appoint_request admin-appoint agus.pratama ad.yaml
        ad=$(ctl submit ad.yaml)
        wait_until step_is "$ad" entri
        approve_as "$ad" "$KEY_SUPERADMIN"
        wait_done "$ad"

        # The Admin's letter changes his e-mail and his signing key.
        "$AKSESCTL" keygen --id agus.pratama --out agus-new >/dev/null
        sed -e "s|email: \"agus.pratama@kominfo.example.go.id\"|email: \"agus@kominfo.example.go.id\"\n  key: \"$(cat agus-new.pub)\"|" \
            "$REPO/conf/examples/admin-update.yaml" >up.yaml
        grep -q 'key: "ed25519' up.yaml || fail "test request has no new key"
        up=$(ctl submit up.yaml)
        wait_until step_is "$up" pemutakhiran
        approve_as "$up" "$KEY_SUPERADMIN"
        wait_done "$up"
        entry=$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "uid=agus.pratama,ou=people,$LDAP_BASE" -s base mail aksesdSigningKey)
        assert_contains "$entry" "mail: agus@kominfo.example.go.id"
        assert_contains "$entry" "aksesdSigningKey: $(cat agus-new.pub)"
        # The old key no longer signs for him; the new one does.
        req=$(ctl submit "$REPO/conf/examples/skpd-access.yaml")
        wait_until step_is "$req" verifikasi
        approve_as "$req" "$KEY_KABID"
        wait_until step_is "$req" disposisi
        approve_as "$req" "$KEY_SUPERADMIN" --to agus.pratama
        wait_until step_is "$req" aktivasi
        ctl approve "$req" --key "$KEY_ADMIN" --out old-key.yaml >/dev/null
        cp old-key.yaml "$AKSES_SPOOL/drop/"
        wait_until quarantined old-key.yaml
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-old-key.yaml.reason)" "bad signature"
        approve_as "$req" agus-new.key
        wait_done "$req"

        # The Kepala Bidang revokes the Super Admin: her dispositions stop at once.
        sed "s/rina.wulandari/rina.wulandari/" "$REPO/conf/examples/superadmin-revoke.yaml" >rv.yaml
        rv=$(ctl submit rv.yaml)
        wait_until step_is "$rv" pencabutan
        approve_as "$rv" "$KEY_KABID"
        wait_done "$rv"
        req2=$(sed "s/198703152011012004/198808082012081015/" "$REPO/conf/examples/skpd-access.yaml" >r2.yaml; ctl submit r2.yaml)
        wait_until step_is "$req2" verifikasi
        approve_as "$req2" "$KEY_KABID"
        wait_until step_is "$req2" disposisi
        ctl approve "$req2" --key "$KEY_SUPERADMIN" --to agus.pratama --out revoked.yaml >/dev/null
        cp revoked.yaml "$AKSES_SPOOL/drop/"
        wait_until quarantined revoked.yaml
        assert_contains "$(cat "$AKSES_SPOOL"/quarantine/*-revoked.yaml.reason)" "'rina.wulandari' no longer holds role super_admin"

        # The Admin becomes the Super Admin: he leaves the admin group.
        sed -e "s/rina.wulandari/agus.pratama/" -e "s|key: \"ed25519:.*\"|key: \"$(cat agus-new.pub)\"|" \
            "$REPO/conf/examples/superadmin-appoint.yaml" >promote.yaml
        pr=$(ctl submit promote.yaml)
        wait_until step_is "$pr" penunjukan
        approve_as "$pr" "$KEY_KABID"
        wait_done "$pr"
        agus="uid=agus.pratama,ou=people,$LDAP_BASE"
        assert_contains "$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "cn=super_admin,ou=roles,$LDAP_BASE" -s base member)" "member: $agus"
        assert_eq "" "$(ldap_admin ldapsearch -LLL -o ldif-wrap=no -b "cn=admin,ou=roles,$LDAP_BASE" -s base member | grep -F "$agus" || true)" "left the admin group"
        stop_daemon
        assert_contains "$(journal_of_test AKSES_EVENT=ACTOR_UPDATED -o cat)" "agus.pratama"
        assert_contains "$(journal_of_test AKSES_EVENT=ACTOR_REMOVED -o cat)" "rina.wulandari no longer holds role super_admin"
}
