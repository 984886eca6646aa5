# aksesd - access provisioning daemon for the SOP "Pengendalian Hak Akses Data".
#
#   make            build build/aksesd and build/aksesctl
#   make check      install missing packages, build, run unit and integration
#                   tests, then all of them again under ASan+UBSan
#   make demo       install missing packages, build, run the demo end to end
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR    ?=
BUILD      ?= build

CC         ?= cc
PKGS       := ldap lber libsodium yaml-0.1 libsystemd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARNINGS   := -Wall -Wextra -Werror -Wshadow -Wconversion -Wstrict-prototypes \
              -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS     ?= -O2 -g
ALL_CFLAGS := -std=c17 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(EXTRA_CFLAGS) $(PKG_CFLAGS) \
              -DDEFAULT_POLICY='"$(SYSCONFDIR)/aksesd/policy.yaml"'
LDFLAGS    ?=
ALL_LDFLAGS := $(LDFLAGS) $(EXTRA_LDFLAGS)

# The core: everything but the two main programs.
CORE_SRCS  := src/arena.c src/diag.c src/ydoc.c src/ycheck.c src/fileio.c src/keys.c \
              src/policy.c src/request.c src/disposition.c src/state.c src/chain.c src/journal.c src/spool.c src/daemon.c src/ldapdn.c src/directory.c src/activate.c src/executor.c src/registry.c src/appoint.c src/report1.c src/audit.c src/password.c src/handover.c src/provision.c src/archive.c src/period.c
CORE_OBJS  := $(CORE_SRCS:src/%.c=$(BUILD)/obj/%.o)

UNIT_TESTS := test_ydoc test_policy test_request test_keys test_corpus test_chain test_password test_handover test_provision test_archive test_period
UNIT_BINS  := $(UNIT_TESTS:%=$(BUILD)/tests/%)

.PHONY: bench all check check-unit check-integration check-asan deps demo install uninstall clean run

all: $(BUILD)/aksesd $(BUILD)/aksesctl

$(BUILD)/obj/%.o: src/%.c src/*.h | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libaksesd.a: $(CORE_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/aksesd: $(BUILD)/obj/aksesd.o $(BUILD)/libaksesd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/aksesctl: $(BUILD)/obj/aksesctl.o $(BUILD)/libaksesd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libaksesd.a src/*.h | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(BUILD)/libaksesd.a $(ALL_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

deps:
	tests/env/install-deps

# Unit tests run from the repository root so they find their corpus.
check-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

check-integration: all
	BUILD=$(BUILD) tests/integration/run

# The same tests again, built with AddressSanitizer and UBSan.
check-asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	        LDFLAGS="-fsanitize=address,undefined" check-unit check-integration

check: deps
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) check-integration
	$(MAKE) check-asan
	@echo "make check: all tests passed"

demo: deps all
	tests/demo/demo

# Figures, not assertions: idle RSS, intake rate, latency, throughput.
bench: all
	BUILD=$(abspath $(BUILD)) tests/bench/bench

# Where `make install` puts things; each can be set on the command line.
# PREFIX=/usr puts the unit in /lib/systemd/system, as Debian's systemd.pc
# says; any other PREFIX keeps everything under it (systemd also reads
# /usr/local/lib/systemd/system, sysusers.d, tmpfiles.d and catalog).
install uninstall: SBINDIR ?= $(PREFIX)/sbin
install uninstall: BINDIR ?= $(PREFIX)/bin
install uninstall: MANDIR ?= $(PREFIX)/share/man
install uninstall: UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
install uninstall: SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
install uninstall: TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
install uninstall: CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
install uninstall: BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

# Installs what is built in $(BUILD) (`make install BUILD=build-asan` takes
# those binaries; nothing is rebuilt when they are up to date).  The unit
# and the tmpfiles.d file name /usr/sbin/aksesd and /etc/aksesd: rewritten
# here to SBINDIR and SYSCONFDIR.  An existing policy is never overwritten.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/aksesd $(DESTDIR)$(SBINDIR)/aksesd
	install -m 0755 $(BUILD)/aksesctl $(DESTDIR)$(BINDIR)/aksesctl
	install -d $(DESTDIR)$(PREFIX)/share/aksesd/schema $(DESTDIR)$(PREFIX)/share/aksesd/examples
	install -m 0644 schema/aksesd.schema schema/aksesd.ldif $(DESTDIR)$(PREFIX)/share/aksesd/schema/
	install -m 0644 conf/policy.example.yaml conf/examples/*.yaml $(DESTDIR)$(PREFIX)/share/aksesd/examples/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 docs/aksesctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 docs/aksesd-policy.5 docs/aksesd-request.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 docs/aksesd.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(CATALOGDIR) \
	           $(DESTDIR)$(BASHCOMPDIR)
	sed -e 's|/usr/sbin/aksesd|$(SBINDIR)/aksesd|g' -e 's|/etc/aksesd/|$(SYSCONFDIR)/aksesd/|g' \
	    systemd/aksesd.service >$(DESTDIR)$(UNITDIR)/aksesd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/aksesd.service
	install -m 0644 systemd/aksesd.sysusers $(DESTDIR)$(SYSUSERSDIR)/aksesd.conf
	sed -e 's|^\([a-zA-Z+]*[[:space:]]*\)/etc/aksesd|\1$(SYSCONFDIR)/aksesd|' \
	    systemd/aksesd.tmpfiles >$(DESTDIR)$(TMPFILESDIR)/aksesd.conf
	chmod 0644 $(DESTDIR)$(TMPFILESDIR)/aksesd.conf
	install -m 0644 systemd/aksesd.catalog $(DESTDIR)$(CATALOGDIR)/aksesd.catalog
	install -m 0644 contrib/bash-completion/aksesctl $(DESTDIR)$(BASHCOMPDIR)/aksesctl
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/aksesd
	[ -e $(DESTDIR)$(SYSCONFDIR)/aksesd/policy.yaml ] || \
	    install -m 0640 conf/policy.example.yaml $(DESTDIR)$(SYSCONFDIR)/aksesd/policy.yaml
	@echo "Installed.  Then, as root: systemd-sysusers aksesd.conf; systemd-tmpfiles --create aksesd.conf;"
	@echo "journalctl --update-catalog; systemctl daemon-reload; edit $(SYSCONFDIR)/aksesd/policy.yaml, write"
	@echo "the bind password to $(SYSCONFDIR)/aksesd/bind.pw; systemctl enable --now aksesd (see aksesd(8))."

# Removes what install added, except the policy (and $(SYSCONFDIR)/aksesd).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/aksesd $(DESTDIR)$(BINDIR)/aksesctl
	rm -rf $(DESTDIR)$(PREFIX)/share/aksesd
	rm -f $(DESTDIR)$(MANDIR)/man1/aksesctl.1 $(DESTDIR)$(MANDIR)/man8/aksesd.8 \
	      $(DESTDIR)$(MANDIR)/man5/aksesd-policy.5 $(DESTDIR)$(MANDIR)/man5/aksesd-request.5
	rm -f $(DESTDIR)$(UNITDIR)/aksesd.service $(DESTDIR)$(SYSUSERSDIR)/aksesd.conf \
	      $(DESTDIR)$(TMPFILESDIR)/aksesd.conf $(DESTDIR)$(CATALOGDIR)/aksesd.catalog \
	      $(DESTDIR)$(BASHCOMPDIR)/aksesctl

# aksesd in the foreground (--verbose) on a throwaway environment of the
# tests (tests/env/fixture in a mktemp directory: slapd, keys, policy,
# spool); prints what to try from another shell.  Ctrl-C stops aksesd,
# then slapd, and removes the directory.
run: all
	@dir=$$(mktemp -d /tmp/aksesd-run.XXXXXX) || exit 1; \
	trap 'trap - EXIT INT TERM HUP; "$(CURDIR)/tests/env/slapd-down" "$$dir/env" >/dev/null 2>&1; \
	      rm -rf "$$dir"; echo "make run: stopped; $$dir removed"' EXIT; \
	trap 'exit 130' INT TERM HUP; \
	ctl="$(abspath $(BUILD))/aksesctl"; \
	echo "make run: setting up $$dir (slapd, keys, policy, spool) ..."; \
	if ! AKSESCTL="$$ctl" "$(CURDIR)/tests/env/fixture" "$$dir/env" >"$$dir/fixture.env" 2>"$$dir/fixture.log"; then \
	        cat "$$dir/fixture.log" >&2; echo "make run: tests/env/fixture failed" >&2; exit 1; \
	fi; \
	set -a; . "$$dir/fixture.env"; set +a; \
	echo; echo "The environment (also in $$dir/fixture.env):"; \
	sed 's/^/  export /' "$$dir/fixture.env"; \
	echo; echo "From another shell, Procedure 2 end to end:"; \
	echo "  set -a; . $$dir/fixture.env; set +a"; \
	echo "  ID=\$$($$ctl submit $(CURDIR)/conf/examples/skpd-access.yaml)"; \
	echo "  $$ctl approve \"\$$ID\" --key \"\$$KEY_KABID\" --note Lengkap          # Kepala Bidang verifies"; \
	echo "  $$ctl approve \"\$$ID\" --key \"\$$KEY_SUPERADMIN\" --to \"\$$ADMIN_ID\"   # Super Admin dispositions to an Admin"; \
	echo "  $$ctl approve \"\$$ID\" --key \"\$$KEY_ADMIN\"                       # Admin activates"; \
	echo "  sleep 2; $$ctl show \"\$$ID\"   # status done: activated, handed over, reported"; \
	echo "  $$ctl list"; \
	echo "  (umask 077; $$ctl handover open \"\$$AKSES_SPOOL/outbox/\$$ID.password\" | tr -d '\\\\n' >$$dir/initial.pw)"; \
	echo "  DN=\$$(ldapsearch -LLL -x -H \"\$$LDAP_URI\" -D \"\$$LDAP_BIND_DN\" -y \"\$$LDAP_BIND_PW_FILE\" \\"; \
	echo "       -b \"ou=people,\$$LDAP_BASE\" \"(aksesdRequestId=\$$ID)\" 1.1 | sed -n 's/^dn: //p')"; \
	echo "  ldapwhoami -x -H \"\$$LDAP_URI\" -D \"\$$DN\" -y $$dir/initial.pw"; \
	echo "  journalctl AKSES_REQUEST_ID=\"\$$ID\""; \
	echo; echo "aksesd runs below; Ctrl-C stops it and removes everything."; echo; \
	"$(abspath $(BUILD))/aksesd" --policy "$$AKSES_POLICY" --verbose

clean:
	rm -rf build build-asan
