# Foundation: the fixture, the private slapd, the journal, and the
# validating commands of aksesctl/aksesd against the fixture's policy.

test_fixture_prints_every_line() {
        for v in LDAP_URI LDAP_BASE LDAP_ADMIN_DN LDAP_ADMIN_PW_FILE AKSES_POLICY AKSES_SPOOL \
                 KEY_KABID KEY_SUPERADMIN KEY_ADMIN KABID_ID SUPERADMIN_ID ADMIN_ID; do
                [ -n "${!v:-}" ] || fail "fixture did not print $v"
        done
        assert_contains "$LDAP_URI" "ldap://127.0.0.1:"
        assert_eq "budi.santoso rina.wulandari agus.pratama" "$KABID_ID $SUPERADMIN_ID $ADMIN_ID" "actor ids"
        for k in "$KEY_KABID" "$KEY_SUPERADMIN" "$KEY_ADMIN" "$LDAP_ADMIN_PW_FILE"; do
                assert_eq 600 "$(stat -c %a "$k")" "mode of $k"
        done
        [ -d "$AKSES_SPOOL" ] || fail "no spool directory"
}

test_slapd_accepts_admin_and_service_binds() {
        capture ldapwhoami -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PW_FILE"
        assert_eq 0 "$RC" "admin bind"
        assert_eq "dn:$LDAP_ADMIN_DN" "$OUT"
        capture ldapwhoami -x -H "$LDAP_URI" -D "$LDAP_BIND_DN" -y "$LDAP_BIND_PW_FILE"
        assert_eq 0 "$RC" "service account bind"
        printf 'wrong' >wrong.pw
        capture ldapwhoami -x -H "$LDAP_URI" -D "$LDAP_BIND_DN" -y wrong.pw
        assert_eq 49 "$RC" "bind with a wrong password (invalidCredentials)"
}

test_slapd_has_project_schema_and_base_tree() {
        capture ldapsearch -LLL -o ldif-wrap=no -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PW_FILE" \
                -b cn=subschema -s base objectClasses
        assert_contains "$OUT" "NAME 'aksesdAccount'"
        assert_contains "$OUT" "NAME 'aksesdActor'"
        for ou in people groups roles services; do
                capture ldapsearch -LLL -o ldif-wrap=no -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PW_FILE" \
                        -b "ou=$ou,$LDAP_BASE" -s base dn
                assert_eq 0 "$RC" "ou=$ou exists"
        done
}

test_journal_is_running() {
        tag="aksesd-it-$$-$RANDOM"
        echo "probe" | systemd-cat -t "$tag"
        for _ in $(seq 50); do
                [ -n "$(journalctl -q -t "$tag" -o cat 2>/dev/null)" ] && return 0
                sleep 0.1
        done
        fail "a message written to the journal could not be read back"
}

test_check_policy_accepts_fixture_and_example() {
        capture "$AKSESCTL" --policy "$AKSES_POLICY" check-policy
        assert_eq 0 "$RC" "check-policy exit"
        assert_eq OK "$OUT"
        capture "$AKSESCTL" --policy "$REPO/conf/policy.example.yaml" check-policy
        assert_eq "0 OK" "$RC $OUT"
        capture "$AKSESD" --policy "$AKSES_POLICY" --check
        assert_eq "0 configuration OK" "$RC $OUT"
}

test_check_policy_reports_located_errors() {
        sed 's/^  base: .*/  base: "not a DN"/; s/^    nama: x//' "$AKSES_POLICY" >bad.yaml
        printf 'unexpected: 1\n' >>bad.yaml
        capture "$AKSESCTL" --policy bad.yaml check-policy
        assert_eq 1 "$RC" "exit code on an invalid policy"
        assert_contains "$OUT" "bad.yaml:"
        assert_contains "$OUT" ": directory.base: not a valid LDAP DN"
        line=$(grep -n '^unexpected:' bad.yaml | cut -d: -f1)
        assert_contains "$OUT" "bad.yaml:$line:1: unexpected: unknown field"
        capture "$AKSESD" --policy bad.yaml --check
        assert_eq 1 "$RC" "aksesd --check on an invalid policy"
}

test_check_request_examples_and_exit_codes() {
        capture "$AKSESCTL" --policy "$AKSES_POLICY" check-request "$REPO"/conf/examples/*.yaml
        assert_eq 0 "$RC" "all examples valid: $OUT"
        capture "$AKSESCTL" --policy "$AKSES_POLICY" check-request "$REPO/conf/examples/skpd-access.yaml"
        assert_eq "0 OK" "$RC $OUT"

        sed 's/nip: "198703152011012004"/nip: "19870315"/' "$REPO/conf/examples/skpd-access.yaml" >short-nip.yaml
        capture "$AKSESCTL" --policy "$AKSES_POLICY" check-request short-nip.yaml
        assert_eq 1 "$RC" "exit code on an invalid request"
        assert_eq "short-nip.yaml:11:8: applicant.nip: expected an 18-digit NIP (Nomor Induk Pegawai), found '19870315'" "$OUT"

        capture "$AKSESCTL" --policy "$AKSES_POLICY" check-request does-not-exist.yaml
        assert_eq 2 "$RC" "exit code on a missing file"
        capture "$AKSESCTL" --policy "$AKSES_POLICY" check-request
        assert_eq 2 "$RC" "exit code on a usage error"
        capture "$AKSESCTL" --policy "$AKSES_POLICY" no-such-command
        assert_eq 2 "$RC" "exit code on an unknown command"
}

test_check_request_refuses_hostile_files() {
        mkfifo fifo.yaml
        capture timeout 5 "$AKSESCTL" --policy "$AKSES_POLICY" check-request fifo.yaml
        assert_eq 1 "$RC" "a FIFO is refused, not waited on"
        assert_contains "$OUT" "fifo.yaml: file: is not a regular file (a FIFO)"
        ln -s "$REPO/conf/examples/skpd-access.yaml" link.yaml
        capture "$AKSESCTL" --policy "$AKSES_POLICY" check-request link.yaml
        assert_eq "1 link.yaml: file: is a symbolic link" "$RC $OUT"
        head -c 70000 /dev/zero | tr '\0' '#' >huge.yaml
        capture "$AKSESCTL" --policy "$AKSES_POLICY" check-request huge.yaml
        assert_eq "1 huge.yaml: file: is larger than 65536 bytes" "$RC $OUT"
        { printf 'a: '; head -c 60000 /dev/zero | tr '\0' '['; } >deep.yaml
        capture timeout 10 "$AKSESCTL" --policy "$AKSES_POLICY" check-request deep.yaml
        assert_eq 1 "$RC" "deep nesting refused quickly"
        assert_contains "$OUT" "deep.yaml:1:5: a[0]: nesting deeper than this format allows (2 levels)"
}

test_keygen_makes_a_usable_key_pair() {
        capture "$AKSESCTL" keygen --id new.admin --out ./new
        assert_eq 0 "$RC" "keygen"
        assert_eq "$(cat new.pub)" "$OUT" "printed key equals the .pub file"
        assert_eq 600 "$(stat -c %a new.key)" "secret key mode"
        capture "$AKSESCTL" keygen --id new.admin --out ./new
        assert_eq 2 "$RC" "keygen refuses to overwrite"
        capture "$AKSESCTL" keygen --id 'Bad Id' --out ./bad
        assert_eq 2 "$RC" "keygen refuses a bad id"
}
