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
              src/policy.c src/request.c src/disposition.c src/state.c src/chain.c src/journal.c src/spool.c src/daemon.c src/ldapdn.c src/directory.c src/activate.c src/executor.c src/registry.c src/appoint.c src/report1.c src/audit.c src/password.c src/handover.c src/provision.c src/archive.c
CORE_OBJS  := $(CORE_SRCS:src/%.c=$(BUILD)/obj/%.o)

UNIT_TESTS := test_ydoc test_policy test_request test_keys test_corpus test_chain test_password test_handover test_provision test_archive
UNIT_BINS  := $(UNIT_TESTS:%=$(BUILD)/tests/%)

.PHONY: all check check-unit check-integration check-asan deps demo install uninstall clean

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

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/aksesd $(DESTDIR)$(PREFIX)/sbin/aksesd
	install -m 0755 $(BUILD)/aksesctl $(DESTDIR)$(PREFIX)/bin/aksesctl
	install -d $(DESTDIR)$(PREFIX)/share/aksesd/schema $(DESTDIR)$(PREFIX)/share/aksesd/examples
	install -m 0644 schema/aksesd.schema schema/aksesd.ldif $(DESTDIR)$(PREFIX)/share/aksesd/schema/
	install -m 0644 conf/policy.example.yaml conf/examples/*.yaml $(DESTDIR)$(PREFIX)/share/aksesd/examples/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 docs/aksesd-policy.5 docs/aksesd-request.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/aksesd
	[ -e $(DESTDIR)$(SYSCONFDIR)/aksesd/policy.yaml ] || \
	    install -m 0640 conf/policy.example.yaml $(DESTDIR)$(SYSCONFDIR)/aksesd/policy.yaml

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/aksesd $(DESTDIR)$(PREFIX)/bin/aksesctl
	rm -rf $(DESTDIR)$(PREFIX)/share/aksesd
	rm -f $(DESTDIR)$(PREFIX)/share/man/man5/aksesd-policy.5 $(DESTDIR)$(PREFIX)/share/man/man5/aksesd-request.5

clean:
	rm -rf build build-asan
