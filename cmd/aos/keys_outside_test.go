package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSigningKey_OutsideTheHome keeps the evidence signing key out of the
// home: write access to the home then cannot sign a forged checkpoint.
func TestSigningKey_OutsideTheHome(t *testing.T) {
	dir := t.TempDir()
	home, keyFile := filepath.Join(dir, "home"), filepath.Join(dir, "vault", "signing.key")
	os.MkdirAll(filepath.Dir(keyFile), 0o700)
	in := &instance{home: home}
	if code, out, errs := in.aos(t, "", "init", "--signing-key", keyFile); code != 0 {
		t.Fatalf("init --signing-key: exit %d\n%s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(home, signingKeyFile)); err == nil {
		t.Fatal("init --signing-key wrote the signing key into the home")
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signing key file: %v %v", fi, err)
	}
	skey, _ := os.ReadFile(keyFile)
	for _, name := range []string{dbFile, checkpointFile, publicKeyFile, ownerTokenFile} {
		b, _ := os.ReadFile(filepath.Join(home, name))
		if strings.Contains(string(b), strings.TrimSpace(string(skey))) {
			t.Fatalf("%s holds the signing key", name)
		}
	}

	t.Run("serve without the key refuses with a hint", func(t *testing.T) {
		code, _, errs := in.aos(t, "", "serve", "--listen", "127.0.0.1:0")
		if code != 1 || !strings.Contains(errs, "the evidence signing key is not in") ||
			!strings.Contains(errs, "aos: hint: it is kept outside the home: pass --signing-key FILE or set AOS_SIGNING_KEY") {
			t.Fatalf("serve without the key: exit %d\n%s", code, errs)
		}
	})
	t.Run("serve with another key refuses", func(t *testing.T) {
		other := filepath.Join(dir, "other.key")
		in2 := &instance{home: filepath.Join(dir, "home2")}
		in2.must(t, "", "init", "--signing-key", other)
		code, _, errs := in.aos(t, "", "serve", "--listen", "127.0.0.1:0", "--signing-key", other)
		if code != 1 || !strings.Contains(errs, "not the one whose public key is in the home") {
			t.Fatalf("serve with another instance's key: exit %d\n%s", code, errs)
		}
	})
	t.Run("serve with --signing-key works and verify needs only the public key", func(t *testing.T) {
		srv := startInstance(t, home, "--signing-key", keyFile)
		srv.must(t, "", "agent", "add", "scout")
		srv.stop()
		if out := in.must(t, "", "evidence", "verify"); !strings.Contains(out, "ok:") {
			t.Fatalf("verify: %s", out)
		}
	})
	t.Run("AOS_SIGNING_KEY works too", func(t *testing.T) {
		t.Setenv("AOS_SIGNING_KEY", strings.TrimSpace(string(skey)))
		srv := startInstance(t, home)
		srv.must(t, "", "agent", "add", "scout2")
		srv.stop()
	})
}

// TestVerify_CheckpointFileMissing: without the instance's checkpoint file,
// verify fails and says so, unless the weaker check is asked for by name.
func TestVerify_CheckpointFileMissing(t *testing.T) {
	in := startInstance(t, "")
	in.must(t, "", "agent", "add", "scout")
	in.stop()
	if err := os.Remove(filepath.Join(in.home, checkpointFile)); err != nil {
		t.Fatal(err)
	}
	code, out, errs := in.aos(t, "", "evidence", "verify")
	if code != 1 || !strings.Contains(errs, "the checkpoint file") || !strings.Contains(errs, "is missing") ||
		!strings.Contains(errs, "--no-checkpoint-file") {
		t.Fatalf("verify without the checkpoint file: exit %d\n%s%s", code, out, errs)
	}
	out = in.must(t, "", "evidence", "verify", "--no-checkpoint-file")
	if !strings.Contains(out, "ok:") || !strings.Contains(out, "without the checkpoint file") {
		t.Fatalf("verify --no-checkpoint-file: %s", out)
	}
	if code, _, errs := in.aos(t, "", "evidence", "verify", "--no-checkpoint-file", "--checkpoint-file", "x"); code != 2 {
		t.Fatalf("both flags: exit %d %s", code, errs)
	}
}

// TestServe_RefusesACutTail: a store whose newest entries were cut with
// their checkpoints (a rollback to an older copy) is older than the
// instance's checkpoint file; serve refuses it.
func TestServe_RefusesACutTail(t *testing.T) {
	in := startInstance(t, "")
	in.must(t, "", "agent", "add", "scout")
	in.stop()
	old := filepath.Join(t.TempDir(), "old")
	copyDir(t, in.home, old)
	in = startInstance(t, in.home)
	in.must(t, "", "agent", "add", "later")
	in.stop()
	// The old database, with today's checkpoint file.
	for _, f := range []string{dbFile, dbFile + "-wal", dbFile + "-shm"} {
		os.Remove(filepath.Join(in.home, f))
		if b, err := os.ReadFile(filepath.Join(old, f)); err == nil {
			os.WriteFile(filepath.Join(in.home, f), b, 0o600)
		}
	}
	serveMustRefuse(t, in.home)
}
