package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The home records its store in storeFile (mode 0600: a PostgreSQL URL
// may hold a password), written by init. Every later command opens that
// store and no other: forgetting --store must never start a fresh, empty
// store beside an instance whose state lives elsewhere.
const (
	storeFile = "store"
	// homeStore is the record of a home whose store is its own aos.db, so
	// that a copy of the home (a replica, a backup restored elsewhere)
	// uses the copy's file.
	homeStore = "sqlite"
)

// storeRecord is how a store URL ("" for SQLite in the home, sqlite:PATH,
// postgres://…) is written into the home.
func storeRecord(storeURL string) (string, error) {
	path, ok := strings.CutPrefix(storeURL, "sqlite:")
	switch {
	case storeURL == "" || ok && path == "":
		return homeStore, nil
	case ok:
		abs, err := filepath.Abs(path)
		return "sqlite:" + abs, err
	}
	return storeURL, nil
}

// storeURLOf is the store URL of a record, as openStore takes it.
func storeURLOf(record string) string {
	if record == homeStore {
		return ""
	}
	return record
}

// describeStore names a store record for people: never its password.
func describeStore(record string) string {
	if record == homeStore {
		return "SQLite in the home"
	}
	if p, ok := strings.CutPrefix(record, "sqlite:"); ok {
		return "SQLite at " + p
	}
	return redactURL(record)
}

// instanceStore is the store URL of the instance in h: the one its home
// records. given is --store (or $AOS_STORE); if set it must name that same
// store. A recorded SQLite file that is missing is an error, never a new
// store. A home made before homes recorded their store uses given, else its
// aos.db if it has one.
func (h *home) instanceStore(given string) (string, error) {
	b, err := os.ReadFile(h.path(storeFile))
	if errors.Is(err, fs.ErrNotExist) {
		if given != "" {
			return given, nil
		}
		if _, err := os.Stat(h.path(dbFile)); err != nil {
			return "", withHint(fmt.Errorf("%s records no store and holds no %s", h.dir, dbFile),
				"pass the instance's store with --store URL")
		}
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the home's store record: %w", errors.Unwrap(err))
	}
	rec := strings.TrimSpace(string(b))
	if given != "" {
		want, err := storeRecord(given)
		if err != nil {
			return "", err
		}
		if want != rec {
			return "", withHint(fmt.Errorf("--store (or $AOS_STORE) names %s, but this home's store is %s", describeStore(want), describeStore(rec)),
				"leave out --store and $AOS_STORE to use the home's store; to move the instance to another store on purpose, copy its data there and write the new URL into "+h.path(storeFile))
		}
	}
	url := storeURLOf(rec)
	if path, ok := sqlitePath(h, url); ok {
		if _, err := os.Stat(path); err != nil {
			return "", withHint(fmt.Errorf("this home's store %s is missing", path),
				"restore it from a backup; aos never starts a new store for an existing instance")
		}
	}
	return url, nil
}
