# shellcheck shell=bash
# The journald message catalog systemd/aksesd.catalog: journalctl accepts
# it, and it explains every event src/journal.c defines, no more, no less.

# Every MESSAGE_ID in src/journal.c, one per line, sorted.
journal_c_ids() {
        grep -oE '"[0-9a-f]{32}"' "$REPO/src/journal.c" | tr -d '"' | sort
}

# Every MESSAGE_ID with an entry in the catalog file, one per line, sorted.
catalog_ids() {
        grep -E '^-- [0-9a-f]{32}$' "$REPO/systemd/aksesd.catalog" | cut -c4- | sort
}

test_journal_c_defines_one_id_per_event() {
        ids=$(journal_c_ids)
        events=$(grep -cE '^\s+\[EV_[A-Z_]+\]\s+=' "$REPO/src/journal.c")
        [ "$events" -gt 0 ] || fail "no events found in src/journal.c"
        assert_eq "$events" "$(echo "$ids" | wc -l)" "MESSAGE_IDs in src/journal.c"
        assert_eq "" "$(echo "$ids" | uniq -d)" "MESSAGE_IDs used twice in src/journal.c"
}

test_journalctl_lists_every_message_id() {
        root="$WORK/root"
        mkdir -p "$root/usr/lib/systemd/catalog"
        cp "$REPO/systemd/aksesd.catalog" "$root/usr/lib/systemd/catalog/"
        capture journalctl --root="$root" --update-catalog
        assert_eq 0 "$RC" "journalctl --update-catalog: $OUT"
        [ -s "$root/var/lib/systemd/catalog/database" ] || fail "no catalog database was written"
        capture journalctl --root="$root" --list-catalog
        assert_eq 0 "$RC" "journalctl --list-catalog: $OUT"
        listed=$OUT
        n=0
        for id in $(journal_c_ids); do
                line=$(printf '%s\n' "$listed" | grep "^$id " || true)
                [ -n "$line" ] || fail "MESSAGE_ID $id of src/journal.c is not in the catalog"
                assert_contains "$line" "$id aksesd: " "catalog entry of $id"
                n=$((n + 1))
        done
        assert_eq "$n" "$(printf '%s\n' "$listed" | grep -c ' aksesd: ')" "aksesd entries listed"
}

test_catalog_has_no_stale_or_duplicate_entries() {
        assert_eq "$(journal_c_ids)" "$(catalog_ids)" "MESSAGE_IDs of the catalog vs src/journal.c"
}

test_every_entry_has_the_headers() {
        # Each entry: the -- line, then Subject, Defined-By, Support,
        # Documentation, a blank line and some text.  (mawk: no {n} in regexps.)
        out=$(awk '
                /^-- [0-9a-f]+$/ && length($2) == 32 { if (id && !ok) print id; id = $2; state = 1; ok = 0; next }
                !id || /^#/ { next }
                state == 1 { if ($0 !~ /^Subject: ./) { print id " Subject"; id = "" } else state = 2; next }
                state == 2 { if ($0 != "Defined-By: aksesd") { print id " Defined-By"; id = "" } else state = 3; next }
                state == 3 { if ($0 !~ /^Support: ./) { print id " Support"; id = "" } else state = 4; next }
                state == 4 { if ($0 !~ /^Documentation: man:aksesd\(8\)/) { print id " Documentation"; id = "" } else state = 5; next }
                state == 5 { if ($0 != "") { print id " blank line"; id = "" } else state = 6; next }
                state == 6 && /[^ ]/ { ok = 1 }
                END { if (id && !ok) print id }
        ' "$REPO/systemd/aksesd.catalog")
        assert_eq "" "$out" "catalog entries with a missing or misplaced header or no text"
}

test_design_documents_every_message_id() {
        for id in $(journal_c_ids); do
                grep -q "$id" "$REPO/docs/DESIGN.md" || fail "MESSAGE_ID $id is not in docs/DESIGN.md"
        done
}
