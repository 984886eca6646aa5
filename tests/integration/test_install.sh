# shellcheck shell=bash
# Installation (issue [6]): `make install` into a DESTDIR, the layout and
# modes, the unit (systemd-analyze verify and security), the man pages,
# the installed programs, sysusers.d and tmpfiles.d applied to the DESTDIR
# and the permissions they give, reinstall and uninstall, and `make run`.
#
# Nothing is rebuilt: make is told the binaries of $BUILD are up to date
# (-o), so that an install from the ASan build installs those, and a source
# tree being edited meanwhile is not compiled with other flags.
#
# (The runner calls each test where bash ignores set -e: every check that
# matters ends in `|| fail`.)

# make_install DESTDIR [make arguments...]
make_install() {
        local root=$1
        shift
        make -s -C "$REPO" -o "$BUILD/aksesd" -o "$BUILD/aksesctl" install \
                DESTDIR="$root" PREFIX=/usr SYSCONFDIR=/etc BUILD="$BUILD" "$@" >"$WORK/install.log" 2>&1 ||
                fail "make install: $(cat "$WORK/install.log")"
}

make_uninstall() {
        local root=$1
        shift
        make -s -C "$REPO" uninstall DESTDIR="$root" PREFIX=/usr SYSCONFDIR=/etc BUILD="$BUILD" "$@" \
                >"$WORK/uninstall.log" 2>&1 || fail "make uninstall: $(cat "$WORK/uninstall.log")"
}

# Every file install puts under DESTDIR with PREFIX=/usr SYSCONFDIR=/etc, as
# "MODE PATH", except the policy.
installed_files() {
        local f
        echo "755 usr/sbin/aksesd"
        echo "755 usr/bin/aksesctl"
        echo "644 lib/systemd/system/aksesd.service"
        echo "644 usr/lib/sysusers.d/aksesd.conf"
        echo "644 usr/lib/tmpfiles.d/aksesd.conf"
        echo "644 usr/lib/systemd/catalog/aksesd.catalog"
        echo "644 usr/share/bash-completion/completions/aksesctl"
        echo "644 usr/share/man/man1/aksesctl.1"
        echo "644 usr/share/man/man5/aksesd-policy.5"
        echo "644 usr/share/man/man5/aksesd-request.5"
        echo "644 usr/share/man/man8/aksesd.8"
        echo "644 usr/share/aksesd/schema/aksesd.schema"
        echo "644 usr/share/aksesd/schema/aksesd.ldif"
        echo "644 usr/share/aksesd/examples/policy.example.yaml"
        for f in "$REPO"/conf/examples/*.yaml; do
                echo "644 usr/share/aksesd/examples/$(basename "$f")"
        done
}

# The exposure level `systemd-analyze security --offline=true` gives FILE,
# e.g. 1.2.
exposure() {
        systemd-analyze security --offline=true "$1" 2>&1 |
                sed -n 's/^.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]\).*$/\1/p'
}

# The commands `aksesctl --help` lists, one per line.
usage_commands() {
        "$AKSESCTL" --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' | sort -u
}

test_install_lays_out_every_file_with_its_mode() {
        root="$WORK/root"
        before=$(stat -c %Y "$BUILD/aksesd" "$BUILD/aksesctl")
        make_install "$root"
        assert_eq "$before" "$(stat -c %Y "$BUILD/aksesd" "$BUILD/aksesctl")" "binaries untouched by install"
        installed_files | while read -r mode path; do
                [ -f "$root/$path" ] || fail "$path was not installed"
                assert_eq "$mode" "$(stat -c %a "$root/$path")" "mode of $path"
        done || exit 1
        cmp -s "$BUILD/aksesd" "$root/usr/sbin/aksesd" || fail "the installed aksesd is not $BUILD/aksesd"
        cmp -s "$BUILD/aksesctl" "$root/usr/bin/aksesctl" || fail "the installed aksesctl is not $BUILD/aksesctl"
        assert_eq 750 "$(stat -c %a "$root/etc/aksesd")" "mode of etc/aksesd"
        assert_eq 640 "$(stat -c %a "$root/etc/aksesd/policy.yaml")" "mode of the policy"
        cmp -s "$REPO/conf/policy.example.yaml" "$root/etc/aksesd/policy.yaml" ||
                fail "the policy is not the example"
        unit="$root/lib/systemd/system/aksesd.service"
        grep -qx 'ExecStart=/usr/sbin/aksesd --policy /etc/aksesd/policy.yaml' "$unit" ||
                fail "ExecStart of the installed unit: $(grep ExecStart= "$unit")"
        grep -qx 'LoadCredential=bind.pw:/etc/aksesd/bind.pw' "$unit" || fail "LoadCredential of the installed unit"
        # Nothing else: every regular file installed is in the list above.
        extra=$(cd "$root" && find . -type f ! -path ./etc/aksesd/policy.yaml | sed 's|^\./||' | sort |
                comm -23 - <(installed_files | cut -d' ' -f2 | sort))
        assert_eq "" "$extra" "files installed but not expected"
}

test_install_honours_prefix_and_sysconfdir() {
        root="$WORK/root"
        make_install "$root" PREFIX=/usr/local SYSCONFDIR=/opt/etc
        for f in usr/local/sbin/aksesd usr/local/bin/aksesctl usr/local/lib/systemd/system/aksesd.service \
                 usr/local/lib/sysusers.d/aksesd.conf usr/local/lib/tmpfiles.d/aksesd.conf \
                 usr/local/lib/systemd/catalog/aksesd.catalog usr/local/share/man/man8/aksesd.8 \
                 usr/local/share/bash-completion/completions/aksesctl usr/local/share/aksesd/schema/aksesd.schema \
                 opt/etc/aksesd/policy.yaml; do
                [ -f "$root/$f" ] || fail "$f was not installed"
        done
        [ ! -e "$root/usr/sbin" ] && [ ! -e "$root/etc" ] && [ ! -e "$root/lib" ] || fail "files outside PREFIX"
        unit="$root/usr/local/lib/systemd/system/aksesd.service"
        grep -qx 'ExecStart=/usr/local/sbin/aksesd --policy /opt/etc/aksesd/policy.yaml' "$unit" ||
                fail "ExecStart: $(grep ExecStart= "$unit")"
        grep -qx 'LoadCredential=bind.pw:/opt/etc/aksesd/bind.pw' "$unit" || fail "LoadCredential: $(grep LoadCredential= "$unit")"
        tmpfiles="$root/usr/local/lib/tmpfiles.d/aksesd.conf"
        grep -qE '^d /opt/etc/aksesd +0750 root +aksesd' "$tmpfiles" || fail "tmpfiles.d: $(grep etc/ "$tmpfiles")"
        ! grep -qE '^[a-zA-Z+]+ +/etc/' "$tmpfiles" || fail "tmpfiles.d still names /etc: $(grep etc/ "$tmpfiles")"
        make_uninstall "$root" PREFIX=/usr/local SYSCONFDIR=/opt/etc
        left=$(cd "$root" && find . -type f | sort)
        assert_eq "./opt/etc/aksesd/policy.yaml" "$left" "files left after uninstall"
}

test_installed_unit_verifies() {
        root="$WORK/root"
        make_install "$root"
        # Offline, the unit's ExecStart= must name a file that exists and the
        # Documentation= man pages must be found: point the one at the
        # installed binary and man at the installed pages.
        mkdir -p check
        sed "s|^ExecStart=/usr/sbin/aksesd |ExecStart=$root/usr/sbin/aksesd |" \
                "$root/lib/systemd/system/aksesd.service" >check/aksesd.service
        grep -q "^ExecStart=$root/usr/sbin/aksesd --policy" check/aksesd.service || fail "ExecStart not rewritten"
        capture env MANPATH="$root/usr/share/man" systemd-analyze verify check/aksesd.service
        assert_eq "0 " "$RC $OUT" "systemd-analyze verify"
        # The man pages of Documentation= are the installed ones.
        for page in 'aksesd(8)' 'aksesctl(1)' 'aksesd-policy(5)' 'aksesd-request(5)'; do
                grep -q "^Documentation=.*man:$page" check/aksesd.service || fail "Documentation= lacks $page"
                path=$(MANPATH="$root/usr/share/man" man -w "$page" 2>/dev/null) || fail "man -w $page"
                assert_contains "$path" "$root/usr/share/man/" "where $page was found"
        done
}

test_unit_has_the_required_settings() {
        unit="$REPO/systemd/aksesd.service"
        for line in Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' WatchdogSec=30s Restart=on-failure \
                    User=aksesd Group=aksesd LoadCredential=bind.pw:/etc/aksesd/bind.pw LogRateLimitIntervalSec=0 \
                    NoNewPrivileges=yes CapabilityBoundingSet= ProtectSystem=strict \
                    ReadWritePaths=/var/spool/aksesd ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
                    DevicePolicy=closed ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes \
                    ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes ProtectProc=invisible \
                    ProcSubset=pid 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' RestrictNamespaces=yes \
                    LockPersonality=yes MemoryDenyWriteExecute=yes RestrictRealtime=yes RestrictSUIDSGID=yes \
                    RemoveIPC=yes KeyringMode=private SystemCallFilter=@system-service SystemCallArchitectures=native; do
                grep -qxF -- "$line" "$unit" || fail "the unit lacks the line $line"
        done
        # The owners of dropped files must stay visible to the owner check,
        # and the directory servers reachable.
        ! grep -qE '^PrivateUsers=' "$unit" || fail "PrivateUsers= is set"
        ! grep -qE '^PrivateNetwork=' "$unit" || fail "PrivateNetwork= is set"
        ! grep -qxE 'IPAddressDeny=(any|0\.0\.0\.0/0)' "$unit" || grep -q '^IPAddressAllow=' "$unit" ||
                fail "every IP address denied and none allowed"
        ! grep -qE '^(AmbientCapabilities|CapabilityBoundingSet)=.*CAP_' "$unit" || fail "the unit grants capabilities"
}

test_security_exposure_is_at_most_1_3() {
        root="$WORK/root"
        make_install "$root"
        for f in "$REPO/systemd/aksesd.service" "$root/lib/systemd/system/aksesd.service"; do
                level=$(exposure "$f")
                [ -n "$level" ] || fail "no exposure level for $f: $(systemd-analyze security --offline=true "$f" 2>&1 | tail -3)"
                echo "exposure of $f: $level"
                awk -v l="$level" 'BEGIN { exit !(l + 0 <= 1.3) }' || fail "exposure of $f is $level, above 1.3"
        done
}

test_man_pages_render() {
        root="$WORK/root"
        make_install "$root"
        for page in man1/aksesctl.1 man5/aksesd-policy.5 man5/aksesd-request.5 man8/aksesd.8; do
                capture env MANWIDTH=80 man -l "$root/usr/share/man/$page"
                assert_eq 0 "$RC" "man -l $page"
                [ "$(printf '%s\n' "$OUT" | wc -l)" -gt 20 ] || fail "man -l $page printed almost nothing"
        done
        for page in "$REPO/docs/aksesd.8" "$REPO/docs/aksesctl.1"; do
                capture groff -man -Tutf8 -ww -z "$page"
                assert_eq "0 " "$RC $OUT" "groff warnings for $page"
                long=$(MANWIDTH=80 man -l "$page" 2>/dev/null | awk 'length > 80')
                assert_eq "" "$long" "lines wider than 80 columns in $page"
        done
}

test_man_page_and_completion_cover_every_command() {
        cmds=$(usage_commands)
        [ "$(printf '%s\n' "$cmds" | wc -l)" -ge 11 ] || fail "aksesctl --help lists too few commands: $cmds"
        for c in $cmds; do
                grep -q "^\.SS \"$(printf '%s' "$c" | sed 's/-/\\\\-/g')" "$REPO/docs/aksesctl.1" ||
                        fail "aksesctl.1 has no section for '$c'"
                grep -qE "(^|[ '])$c( |'|$)" "$REPO/contrib/bash-completion/aksesctl" ||
                        fail "the bash completion does not know '$c'"
        done
        # The completion itself, loaded in a bash of its own.
        capture bash -c '
                PATH='"$BUILD"':$PATH
                . '"$REPO"'/contrib/bash-completion/aksesctl
                c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _aksesctl; echo "${COMPREPLY[*]}"; }
                c aksesctl ch
                c aksesctl list --role s
                c aksesctl report --format ""
                c aksesctl handover ""'
        assert_eq 0 "$RC" "bash completion: $OUT"
        assert_eq "check-policy check-request
super_admin
text csv html
open" "$OUT" "completions"
}

test_installed_programs_check_the_policy() {
        root="$WORK/root"
        make_install "$root"
        capture "$root/usr/bin/aksesctl" --policy "$AKSES_POLICY" check-policy
        assert_eq "0 OK" "$RC $OUT" "installed aksesctl check-policy"
        capture "$root/usr/sbin/aksesd" --policy "$AKSES_POLICY" --check
        assert_eq "0 configuration OK" "$RC $OUT" "installed aksesd --check"
        capture "$root/usr/bin/aksesctl" --policy "$root/etc/aksesd/policy.yaml" check-policy
        assert_eq "0 OK" "$RC $OUT" "installed aksesctl on the installed policy"
}

test_reinstall_keeps_a_modified_policy() {
        root="$WORK/root"
        make_install "$root"
        printf '# changed by the site\n' >>"$root/etc/aksesd/policy.yaml"
        cp "$root/etc/aksesd/policy.yaml" policy.before
        make_install "$root"
        cmp -s policy.before "$root/etc/aksesd/policy.yaml" || fail "a second install overwrote the policy"
}

test_uninstall_removes_all_but_the_policy() {
        root="$WORK/root"
        make_install "$root"
        printf '# changed by the site\n' >>"$root/etc/aksesd/policy.yaml"
        cp "$root/etc/aksesd/policy.yaml" policy.before
        make_uninstall "$root"
        installed_files | while read -r _ path; do
                [ ! -e "$root/$path" ] || fail "$path is still there after uninstall"
        done || exit 1
        [ ! -e "$root/usr/share/aksesd" ] || fail "share/aksesd is still there"
        cmp -s policy.before "$root/etc/aksesd/policy.yaml" || fail "uninstall removed or changed the policy"
        left=$(cd "$root" && find . -type f)
        assert_eq "./etc/aksesd/policy.yaml" "$left" "files left after uninstall"
}

# sysusers.d and tmpfiles.d applied to a DESTDIR: the users, groups, owners
# and modes of aksesd(8) PERMISSIONS, and what each group can then do.
test_sysusers_and_tmpfiles_give_the_documented_permissions() {
        command -v unshare >/dev/null && command -v setpriv >/dev/null || fail "unshare and setpriv are needed"
        # Outside $WORK (0700 on the way): other users must be able to get here.
        root=$(mktemp -d /tmp/aksesd-install.XXXXXX)
        trap 'rm -rf "$root"' EXIT
        chmod 0755 "$root"
        make_install "$root"
        capture systemd-sysusers --root="$root"
        assert_eq 0 "$RC" "systemd-sysusers: $OUT"
        uid=$(awk -F: '$1 == "aksesd" { print $3 }' "$root/etc/passwd")
        home=$(awk -F: '$1 == "aksesd" { print $6 }' "$root/etc/passwd")
        gid() { awk -F: -v g="$1" '$1 == g { print $3 }' "$root/etc/group"; }
        g_aksesd=$(gid aksesd) g_submit=$(gid aksesd-submit) g_admin=$(gid aksesd-admin)
        [ -n "$uid" ] && [ -n "$g_aksesd" ] && [ -n "$g_submit" ] && [ -n "$g_admin" ] || fail "users: $(cat "$root/etc/group")"
        assert_eq /var/spool/aksesd "$home" "aksesd's home"
        grep -qx "aksesd-submit:x:$g_submit:aksesd" "$root/etc/group" || fail "aksesd is not in aksesd-submit"
        # tmpfiles resolves the ACL's group names with NSS: show it the
        # DESTDIR's files, in a mount namespace of its own.
        capture unshare -m sh -c 'mount --bind "$1/etc/passwd" /etc/passwd && mount --bind "$1/etc/group" /etc/group &&
                                  systemd-tmpfiles --root="$1" --create' sh "$root"
        assert_eq 0 "$RC" "systemd-tmpfiles: $OUT"
        assert_eq "" "$(printf '%s\n' "$OUT" | grep -i 'fail\|ignor' || true)" "systemd-tmpfiles complaints"
        s=/var/spool/aksesd
        while read -r path want; do
                assert_eq "$want" "$(stat -c '%a %u:%g' "$root$path")" "mode and owner of $path"
        done <<EOF || exit 1
/etc/aksesd 750 0:$g_aksesd
/etc/aksesd/policy.yaml 640 0:$g_aksesd
$s 750 $uid:$g_aksesd
$s/drop 3770 $uid:$g_submit
$s/work 750 $uid:$g_aksesd
$s/open 750 $uid:$g_aksesd
$s/closed 750 $uid:$g_aksesd
$s/quarantine 750 $uid:$g_aksesd
$s/actors 750 $uid:$g_aksesd
$s/outbox 2750 $uid:$g_admin
$s/reports 2750 $uid:$g_admin
$s/vault 700 $uid:$g_aksesd
$s/drop/.seq 660 $uid:$g_submit
EOF
        spool="$root$s"
        someone=64123         # a user in no group of aksesd
        as() { local u=$1 g=$2; shift 2; setpriv --reuid="$u" --regid="$u" --groups="$g" "$@"; }
        # A submitter enters the spool (the ACL) and drops a file; it comes in
        # with the group aksesd-submit, and aksesd reads it through that group.
        as "$someone" "$g_submit" sh -c 'umask 027; printf "x\n" >"$1/drop/.r.yaml" && mv "$1/drop/.r.yaml" "$1/drop/r.yaml"' \
                sh "$spool" || fail "a member of aksesd-submit cannot drop a file"
        assert_eq "640 $someone:$g_submit" "$(stat -c '%a %u:%g' "$spool/drop/r.yaml")" "a dropped file"
        as "$uid" "$g_aksesd,$g_submit" cat "$spool/drop/r.yaml" >/dev/null || fail "aksesd cannot read a dropped file"
        # The installed aksesctl, run by a member of aksesd-submit, takes an
        # id from drop/.seq and drops the request (policy: the fixture's,
        # with this spool, readable here).
        sed "s|^\\( *path:\\).*|\\1 \"$spool\"|" "$AKSES_POLICY" >"$root/policy.yaml"
        chmod 0644 "$root/policy.yaml"
        cp "$REPO/conf/examples/skpd-access.yaml" "$root/request.yaml"
        chmod 0644 "$root/request.yaml"
        id=$(as "$someone" "$g_submit" "$root/usr/bin/aksesctl" --policy "$root/policy.yaml" submit "$root/request.yaml") ||
                fail "aksesctl submit by a member of aksesd-submit: $id"
        assert_eq "640 $someone:$g_submit" "$(stat -c '%a %u:%g' "$spool/drop/$id.yaml")" "the submitted file"
        assert_eq "660 $uid:$g_submit" "$(stat -c '%a %u:%g' "$spool/drop/.seq")" "drop/.seq after a submission"
        ! as "$someone" "$g_submit" ls "$spool" >/dev/null 2>&1 || fail "a submitter can list the spool"
        ! as "$someone" "$g_submit" ls "$spool/open" >/dev/null 2>&1 || fail "a submitter can list open/"
        # Others cannot even enter; aksesd-admin enters but cannot drop.
        ! as "$someone" 64123 stat "$spool/drop" >/dev/null 2>&1 || fail "anybody can enter the spool"
        ! as "$someone" "$g_admin" sh -c 'printf x >"$1/drop/.a"' sh "$spool" 2>/dev/null || fail "aksesd-admin can drop files"
        # What aksesd writes into outbox/ and reports/ is aksesd-admin's to read;
        # a password file written 0600 is not.
        as "$uid" "$g_aksesd,$g_submit" sh -c 'umask 027; printf form >"$1/outbox/R.serah-terima.txt" &&
                printf pw >"$1/outbox/R.password" && chmod 600 "$1/outbox/R.password" &&
                printf report >"$1/reports/R.laporan.txt"' sh "$spool" || fail "aksesd cannot write its documents"
        as "$someone" "$g_admin" cat "$spool/outbox/R.serah-terima.txt" "$spool/reports/R.laporan.txt" >/dev/null ||
                fail "aksesd-admin cannot read the handover form and the report"
        ! as "$someone" "$g_admin" cat "$spool/outbox/R.password" >/dev/null 2>&1 || fail "aksesd-admin can read a 0600 password file"
        ! as "$someone" "$g_submit" cat "$spool/outbox/R.serah-terima.txt" >/dev/null 2>&1 || fail "a submitter can read outbox/"
        # The spool's group reads state, not the vault.
        as "$someone" "$g_aksesd" ls "$spool/open" >/dev/null || fail "the group aksesd cannot list open/"
        ! as "$someone" "$g_aksesd" ls "$spool/vault" >/dev/null 2>&1 || fail "the group aksesd can list the vault"
        # The catalog installed is one journalctl accepts.
        capture journalctl --root="$root" --update-catalog
        assert_eq 0 "$RC" "journalctl --update-catalog: $OUT"
        capture journalctl --root="$root" --list-catalog
        assert_contains "$OUT" " aksesd: " "the installed catalog"
}

test_make_run_starts_aksesd_and_cleans_up() {
        command -v setsid >/dev/null || fail "setsid is needed"
        # make run in a session of its own, so that Ctrl-C can be played as
        # a SIGINT to its whole process group.
        setsid make -s -C "$REPO" -o "$BUILD/aksesd" -o "$BUILD/aksesctl" run BUILD="$BUILD" >run.log 2>&1 &
        pid=$!
        echo "$pid" >>"$WORK/../aksesd.pid"
        trap 'kill -INT -- -"$pid" 2>/dev/null' EXIT
        for _ in $(seq 300); do
                grep -q 'aksesd started' run.log && break
                kill -0 "$pid" 2>/dev/null || fail "make run ended: $(cat run.log)"
                sleep 0.1
        done
        grep -q 'aksesd started' run.log || fail "aksesd did not start: $(cat run.log)"
        dir=$(sed -n 's|^make run: setting up \(/tmp/aksesd-run\.[A-Za-z0-9]*\) .*|\1|p' run.log)
        [ -n "$dir" ] && [ -d "$dir" ] || fail "no environment directory in: $(cat run.log)"
        for v in LDAP_URI AKSES_POLICY AKSES_SPOOL KEY_KABID KEY_SUPERADMIN KEY_ADMIN; do
                grep -q "^  export $v=" run.log || fail "make run did not print $v"
        done
        for c in ' submit ' 'KEY_KABID' 'KEY_SUPERADMIN' 'KEY_ADMIN' ' show ' 'handover open' 'ldapwhoami'; do
                grep -qF -- "$c" run.log || fail "make run did not print a command with '$c'"
        done
        kill -INT -- -"$pid"
        # make may end before its shell has cleaned up: wait for both.
        for _ in $(seq 300); do
                ! kill -0 "$pid" 2>/dev/null && [ ! -e "$dir" ] && break
                sleep 0.1
        done
        ! kill -0 "$pid" 2>/dev/null || fail "make run did not stop on SIGINT"
        trap - EXIT
        grep -q 'stopping on signal' run.log || fail "aksesd was not stopped by the signal: $(tail -5 run.log)"
        [ ! -e "$dir" ] || fail "$dir was not removed"
        ! pgrep -f "slapd.*$dir" >/dev/null || fail "slapd of $dir still runs"
}
