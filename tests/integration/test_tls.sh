# TLS to the directory (directory.tls): StartTLS and LDAPS with the server's
# certificate verified against a CA file, against a real slapd.  The
# fixture's slapd speaks plain LDAP only, so each test brings up a second
# slapd of its own with a throwaway CA (SLAPD_TLS=1 tests/env/slapd-up) in
# $WORK/tls-slapd, points a copy of the test policy at it, and stops it again
# at the end (and from an EXIT trap when a test fails half-way).
#
# That slapd logs at level "stats" (to the journal, tag slapd), so a test can
# tell from the server's side what aksesd did: every BIND result line
# carries the connection's ssf (0 = plain), every connection starts with an
# ACCEPT line naming the listener.  (A client that rejects the certificate
# shows as "TLS established" then "closed (connection lost)": with TLS 1.3
# the server's half of the handshake is over before the client checks.)

# request_with NIP [sed expression]: the example request for another NIP.
request_with() {
        sed "s/198703152011012004/$1/${2:+; $2}" "$REPO/conf/examples/skpd-access.yaml" >"req-$1.yaml"
        echo "req-$1.yaml"
}

# approve_all ID: the Kepala Bidang, the Super Admin (to the Admin), the Admin.
# (Every step that matters ends in `|| fail`: the runner calls a test where
# bash ignores set -e, so only fail/exit stops it.)
approve_all() {
        wait_until step_is "$1" verifikasi
        ctl approve "$1" --key "$KEY_KABID" --note "Lengkap" >/dev/null || fail "approval by $KABID_ID"
        wait_until step_is "$1" disposisi
        ctl approve "$1" --key "$KEY_SUPERADMIN" --to "$ADMIN_ID" >/dev/null || fail "disposition by $SUPERADMIN_ID"
        wait_until step_is "$1" aktivasi
        ctl approve "$1" --key "$KEY_ADMIN" >/dev/null || fail "approval by $ADMIN_ID"
}

# ------------------------------------------------------- the TLS directory

# tls_down: stops the test's daemon (if it runs) and its TLS slapd.  Quiet
# and idempotent; also the EXIT trap.
tls_down() {
        if [ -n "${DPID:-}" ] && kill -0 "$DPID" 2>/dev/null; then stop_daemon; fi
        if [ -n "${TLS_DIR:-}" ]; then "$REPO/tests/env/slapd-down" "$TLS_DIR" >/dev/null 2>&1 || true; fi
}

# tls_up: a slapd with TLS in $WORK/tls-slapd, with the groups of the
# policy's profiles.  Sets TLS_URI, TLS_LDAPS_URI, TLS_CA, TLS_ADMIN_DN,
# TLS_ADMIN_PW_FILE, TLS_BIND_PW_FILE, TLS_DIR.
tls_up() {
        TLS_DIR="$WORK/tls-slapd"
        trap tls_down EXIT
        SLAPD_TLS=1 SLAPD_LOGLEVEL=stats "$REPO/tests/env/slapd-up" "$TLS_DIR" >tls-slapd.env 2>tls-slapd.log ||
                fail "SLAPD_TLS=1 slapd-up: $(cat tls-slapd.log)"
        TLS_URI='' TLS_LDAPS_URI='' TLS_CA='' TLS_ADMIN_DN='' TLS_ADMIN_PW_FILE='' TLS_BIND_PW_FILE=''
        while IFS= read -r line; do
                case $line in
                LDAP_URI=*) TLS_URI=${line#*=} ;;
                LDAPS_URI=*) TLS_LDAPS_URI=${line#*=} ;;
                LDAP_TLS_CA=*) TLS_CA=${line#*=} ;;
                LDAP_ADMIN_DN=*) TLS_ADMIN_DN=${line#*=} ;;
                LDAP_ADMIN_PW_FILE=*) TLS_ADMIN_PW_FILE=${line#*=} ;;
                LDAP_BIND_PW_FILE=*) TLS_BIND_PW_FILE=${line#*=} ;;
                LDAP_BASE=*) assert_eq "$LDAP_BASE" "${line#*=}" "base of the TLS slapd" ;;
                esac
        done <tls-slapd.env
        case "$TLS_URI" in ldap://127.0.0.1:*/) ;; *) fail "no LDAP_URI from slapd-up: $(cat tls-slapd.env)" ;; esac
        case "$TLS_LDAPS_URI" in ldaps://127.0.0.1:*/) ;; *) fail "no LDAPS_URI from slapd-up: $(cat tls-slapd.env)" ;; esac
        assert_eq "$TLS_DIR/tls/ca.pem" "$TLS_CA" "LDAP_TLS_CA"
        [ "$TLS_URI" != "$LDAP_URI" ] || fail "the TLS slapd has the fixture's URI"

        # The groups of the policy's profiles, as tests/env/fixture makes them.
        local g
        for g in $(sed -n 's/^[[:space:]]*groups:[[:space:]]*\[\(.*\)\][[:space:]]*$/\1/p' "$AKSES_POLICY" |
                   tr ',' '\n' | tr -d " \t\"'" | sed '/^$/d' | sort -u); do
                tls_admin ldapadd >/dev/null <<LDIF || fail "cannot add group $g to the TLS slapd"
dn: cn=$g,ou=groups,$LDAP_BASE
objectClass: groupOfNames
cn: $g
description: Application group $g (access profiles of the aksesd policy)
member: $LDAP_BIND_DN
LDIF
        done
        [ -n "${g:-}" ] || fail "no 'groups: [...]' lines in $AKSES_POLICY"
}

# Admin operations on the TLS slapd (plain LDAP: this is the test's view).
tls_admin() { "$@" -x -H "$TLS_URI" -D "$TLS_ADMIN_DN" -y "$TLS_ADMIN_PW_FILE"; }

# tls_client CMD...: an OpenLDAP client that trusts only the TLS slapd's CA
# and insists on a valid certificate.  libldap reads LDAPTLS_* only without
# LDAPNOINIT; set inline, so the daemon never inherits them.
tls_client() { env -u LDAPNOINIT LDAPTLS_CACERT="$TLS_CA" LDAPTLS_REQCERT=demand "$@"; }

# tls_policy MODE URI CA_FILE [VERIFY]: the test policy (after fresh_spool)
# pointed at the TLS slapd; every substitution is checked.
tls_policy() {
        local mode=$1 uri=$2 ca=$3 verify=${4:-true} p="$AKSES_POLICY"
        grep -qF -- "- \"$LDAP_URI\"" "$p" || fail "the test policy has no uri line for $LDAP_URI"
        grep -q '^    mode: none$' "$p" || fail "the test policy has no 'mode: none' line"
        grep -q '^    ca_file: ' "$p" || fail "the test policy has no 'ca_file:' line"
        grep -q '^    verify: true$' "$p" || fail "the test policy has no 'verify: true' line"
        sed -i -e "s|- \"$LDAP_URI\"|- \"$uri\"|" \
               -e "s|^\\([[:space:]]*bind_password_file:\\).*|\\1 \"$TLS_BIND_PW_FILE\"|" \
               -e "s|^    mode: none\$|    mode: $mode|" \
               -e "s|^    ca_file: .*|    ca_file: \"$ca\"|" \
               -e "s|^    verify: true\$|    verify: $verify|" "$p" || fail "sed on $p"
        grep -qF -- "- \"$uri\"" "$p" || fail "uri not set in $p"
        ! grep -qF -- "$LDAP_URI" "$p" || fail "$p still names the fixture's slapd"
        grep -qF -- "bind_password_file: \"$TLS_BIND_PW_FILE\"" "$p" || fail "bind_password_file not set in $p"
        grep -qx -- "    mode: $mode" "$p" || fail "tls mode not set in $p"
        grep -qx -- "    ca_file: \"$ca\"" "$p" || fail "ca_file not set in $p"
        grep -qx -- "    verify: $verify" "$p" || fail "verify not set in $p"
        capture ctl check-policy
        assert_eq 0 "$RC" "check-policy of the TLS policy: $OUT"
}

# What the TLS slapd logged (stats) since it started.
slapd_log() {
        journalctl --sync 2>/dev/null || true
        journalctl -q -o cat -t slapd _PID="$(cat "$TLS_DIR/slapd.pid")" 2>/dev/null
}
# slapd_mark: from now on, slapd_new shows only what the TLS slapd logs next
# (slapd-up's own set-up binds, plain, are before the mark).
slapd_mark() { SLAPD_MARK=$(slapd_log | wc -l); }
slapd_new() { slapd_log | tail -n +$((SLAPD_MARK + 1)); }

# The ssf= of every bind of the service account since the mark, one a line.
# slapd logs a bind twice: 'BIND dn="..." method=128', then
# 'BIND dn="..." mech=SIMPLE bind_ssf=0 ssf=N' (N: the connection's, 0 = plain).
service_bind_ssfs() {
        local log
        log=$(slapd_new)
        { grep -F "BIND dn=\"$LDAP_BIND_DN\" mech=" <<<"$log" || true; } | sed -n 's/.* ssf=\([0-9]*\).*/\1/p'
}

# Since the mark: no plain bind of the service account, at least one encrypted.
assert_service_binds_encrypted() {
        local ssfs
        ssfs=$(service_bind_ssfs)
        [ -n "$ssfs" ] || fail "the TLS slapd logged no bind of $LDAP_BIND_DN: $(slapd_new | tail -20)"
        ! grep -qx 0 <<<"$ssfs" || fail "aksesd bound over a plain connection: $(slapd_new | grep -F BIND)"
}

# connections_to URI: connections the TLS slapd accepted on URI's port since the mark.
connections_to() {
        local port=${1##*:} log
        port=${port%/}
        log=$(slapd_new)
        grep -c "ACCEPT from IP=.* (IP=127\.0\.0\.1:$port)\$" <<<"$log" || true
}

# For wait_until: DIRECTORY_DOWN is in the journal; CONN_URI got 2+ connections.
down_journaled() { [ -n "$(journal_of_test AKSES_EVENT=DIRECTORY_DOWN -o cat)" ]; }
retried() { [ "$(connections_to "$CONN_URI")" -ge 2 ]; }

# activate NIP: a request for NIP driven through the chain to done, on the
# policy as it is; prints the id.
activate() {
        local id
        id=$(ctl submit "$(request_with "$1")") || fail "submit for $1"
        approve_all "$id"
        wait_status "$id" "done"
        printf '%s\n' "$id"
}

# assert_binds_over_tls ID NIP URI [-ZZ]: the account of the request opens
# with its handover password over TLS, verified against the TLS slapd's CA.
assert_binds_over_tls() {
        local id=$1 nip=$2 dn="uid=diskominfo.$2,ou=people,$LDAP_BASE" uri=$3
        shift 3
        ctl handover open "$AKSES_SPOOL/outbox/$id.password" >pw.nl || fail "handover open for $id"
        tr -d '\n' <pw.nl >pw
        capture tls_client ldapwhoami -x "$@" -H "$uri" -D "$dn" -y pw
        assert_eq "0 dn:$dn" "$RC $OUT" "the account binds over TLS at $uri"
        # The account is in the TLS directory, not in the fixture's.
        capture ldapsearch -LLL -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_ADMIN_PW_FILE" \
                -b "ou=people,$LDAP_BASE" "(employeeNumber=$nip)" dn
        assert_eq "0 " "$RC $OUT" "the account is not in the fixture's slapd"
}

# A CA that did not sign the TLS slapd's certificate, under the very same
# name as the one that did: only the signature tells them apart.
other_ca() {
        local subject
        subject=$(openssl x509 -in "$TLS_CA" -noout -subject -nameopt compat | sed 's/^subject=//')
        [ -n "$subject" ] || fail "cannot read the subject of $TLS_CA"
        printf '[req]\ndistinguished_name = dn\n[dn]\n[ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n' >other-ca.cnf
        OPENSSL_CONF=/dev/null openssl req -x509 -config other-ca.cnf -extensions ca \
                -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key -out other-ca.pem \
                -days 2 -subj "$subject" >other-ca.log 2>&1 || fail "openssl: $(cat other-ca.log)"
        assert_eq "$(openssl x509 -in "$TLS_CA" -noout -subject)" "$(openssl x509 -in other-ca.pem -noout -subject)" "subject of the other CA"
        ! openssl verify -CAfile other-ca.pem "$TLS_DIR/tls/server.pem" >/dev/null 2>&1 ||
                fail "the other CA verifies the server certificate"
        echo "$WORK/other-ca.pem"
}

# tree: the TLS slapd's whole tree, as the admin sees it.
tree() {
        local t
        t=$(tls_admin ldapsearch -LLL -o ldif-wrap=no -b "$LDAP_BASE" '*' '+') || fail "cannot read the TLS slapd's tree"
        grep -v '^\(entryCSN\|modifyTimestamp\|modifiersName\|contextCSN\): ' <<<"$t"
}

# ------------------------------------------------------------------- tests

test_starttls_right_ca_activates() {
        fresh_spool
        tls_up
        # The server's side of the check this test makes of aksesd.
        slapd_mark
        capture tls_client ldapwhoami -x -ZZ -H "$TLS_URI" -D "$LDAP_BIND_DN" -y "$TLS_BIND_PW_FILE"
        assert_eq "0 dn:$LDAP_BIND_DN" "$RC $OUT" "StartTLS by hand"
        ssf=$(service_bind_ssfs)
        case "$ssf" in [1-9]*) ;; *) fail "ssf slapd logs for a StartTLS bind: [$ssf]" ;; esac
        capture ldapwhoami -x -H "$TLS_URI" -D "$LDAP_BIND_DN" -y "$TLS_BIND_PW_FILE"
        assert_eq "0 dn:$LDAP_BIND_DN" "$RC $OUT" "plain bind by hand"
        assert_eq "$ssf 0" "$(service_bind_ssfs | tr '\n' ' ' | sed 's/ $//')" "ssf slapd logs for a plain bind"

        tls_policy starttls "$TLS_URI" "$TLS_CA"
        slapd_mark
        start_daemon
        id=$(activate 198703152011012004) || exit 1
        stop_daemon
        assert_service_binds_encrypted
        assert_binds_over_tls "$id" 198703152011012004 "$TLS_URI" -ZZ
        assert_contains "$(journal_of_test AKSES_REQUEST_ID="$id" -o export | sed -n 's/^AKSES_EVENT=//p' | tr '\n' ' ')" \
                "ACCOUNT_ACTIVATED"
        [ -z "$(journal_of_test AKSES_EVENT=DIRECTORY_DOWN -o cat)" ] || fail "DIRECTORY_DOWN with the right CA"
        tls_down
}

test_ldaps_right_ca_activates() {
        fresh_spool
        tls_up
        tls_policy ldaps "$TLS_LDAPS_URI" "$TLS_CA"
        slapd_mark
        start_daemon
        id=$(activate 198801012012011001) || exit 1
        stop_daemon
        assert_service_binds_encrypted
        assert_eq 0 "$(connections_to "$TLS_URI")" "connections of aksesd to the ldap:// listener"
        assert_binds_over_tls "$id" 198801012012011001 "$TLS_LDAPS_URI"
        [ -z "$(journal_of_test AKSES_EVENT=DIRECTORY_DOWN -o cat)" ] || fail "DIRECTORY_DOWN with the right CA"
        tls_down
}

# A CA that did not sign the server: no connection, so the activation waits
# as in an outage, is retried, and the directory is never written to.
wrong_ca_keeps_the_request_waiting() { # MODE NIP
        local mode=$1 nip=$2 uri
        fresh_spool
        tls_up
        if [ "$mode" = ldaps ]; then uri=$TLS_LDAPS_URI; else uri=$TLS_URI; fi
        ca=$(other_ca) || exit 1
        capture tls_client env LDAPTLS_CACERT="$ca" ldapwhoami -x -ZZ -H "$TLS_URI" -D "$LDAP_BIND_DN" -y "$TLS_BIND_PW_FILE"
        [ "$RC" -ne 0 ] || fail "ldapwhoami trusts the server with the other CA"
        before=$(tree) || exit 1
        assert_contains "$before" "dn: cn=uidnext,ou=services,$LDAP_BASE" "the tree before"

        tls_policy "$mode" "$uri" "$ca"
        slapd_mark
        start_daemon
        id=$(ctl submit "$(request_with "$nip")") || fail "submit for $nip"
        approve_all "$id"
        # (wait_until runs a command again and again: a "$(...)" in its
        # arguments would be evaluated only once, hence the functions.)
        wait_until down_journaled
        # The first attempt and a retry (after 1 s) both connected, and ended
        # in the handshake (no BIND below).
        CONN_URI=$uri
        wait_until retried
        log=$(slapd_new)
        grep -q 'TLS established' <<<"$log" || fail "no TLS handshake on the slapd: $log"
        assert_eq open "$(show_field "$id" status)" "waiting while TLS fails"
        assert_eq true "$(show_field "$id" awaiting_activation)"
        stop_daemon

        reason=$(journal_of_test AKSES_EVENT=DIRECTORY_DOWN -o export | sed -n 's/^AKSES_REASON=//p' | head -1)
        assert_contains "$reason" "$uri" "AKSES_REASON of DIRECTORY_DOWN"
        # libldap built with GnuTLS says no more of a rejected certificate
        # than "Connect error" (StartTLS) or "Can't contact LDAP server"
        # (ldaps), with the diagnostic "(unknown error code)" -- which a
        # closed port does not have.  For StartTLS aksesd names the step; for
        # ldaps only the ldaps:// URI tells the reader that TLS is involved.
        if [ "$mode" = starttls ]; then
                assert_contains "$reason" "StartTLS" "AKSES_REASON of DIRECTORY_DOWN"
        fi
        [ -z "$(journal_of_test AKSES_REQUEST_ID="$id" AKSES_EVENT=ACCOUNT_ACTIVATED -o cat)" ] || fail "activated anyway"
        log=$(slapd_new)
        ! grep -qE ' (BIND|ADD|MOD|DEL|MODRDN|SRCH|EXT oid=1\.3\.6\.1\.4\.1\.4203\.1\.11\.1) ' <<<"$log" ||
                fail "an operation of aksesd reached the slapd: $log"
        after=$(tree) || exit 1
        assert_eq "$before" "$after" "the TLS slapd's tree"
        [ ! -e "$AKSES_SPOOL/outbox/$id.password" ] || fail "a handover without an account"
        tls_down
}

test_starttls_wrong_ca_waits() {
        wrong_ca_keeps_the_request_waiting starttls 199001012015011002
}

test_ldaps_wrong_ca_waits() {
        wrong_ca_keeps_the_request_waiting ldaps 197505052000031003
}

# verify: false asks for no check at all (LDAP_OPT_X_TLS_NEVER): the same
# wrong CA is then no obstacle, and the traffic is still encrypted.
test_verify_false_ignores_the_ca() {
        fresh_spool
        tls_up
        ca=$(other_ca) || exit 1
        tls_policy starttls "$TLS_URI" "$ca" false
        slapd_mark
        start_daemon
        id=$(activate 198202022003021004) || exit 1
        stop_daemon
        assert_service_binds_encrypted
        assert_binds_over_tls "$id" 198202022003021004 "$TLS_URI" -ZZ
        tls_down
}
