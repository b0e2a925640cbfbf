package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/sqlite"
	"golang.org/x/mod/sumdb/note"
)

func cmdEvidence(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("missing subcommand: log, export or verify")
	}
	switch args[0] {
	case "log":
		return evidenceLog(ctx, e, args[1:])
	case "export":
		return evidenceExport(ctx, e, args[1:])
	case "verify":
		return evidenceVerify(ctx, e, args[1:])
	case "redact":
		return evidenceRedact(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: log, export, verify or redact", args[0])
}

func evidenceLog(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("evidence log")
	tail := fs.Int("tail", 20, "how many of the newest entries to show")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseExactly(fs.FlagSet, args, 0, ""); err != nil {
		return err
	}
	if *tail < 0 {
		return usagef("--tail must not be negative")
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	var es []aos.Entry
	if err := c.do(ctx, "GET", "/v1/owner/evidence?tail="+strconv.Itoa(*tail), nil, &es); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, es)
	}
	tw := table(e.stdout)
	fmt.Fprintln(tw, "#\tTIME\tKIND\tACTOR\tSUBJECT\tDETAILS")
	for _, en := range es {
		keys := make([]string, 0, len(en.Attrs))
		for k := range en.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+"="+en.Attrs[k])
		}
		if en.Redacted {
			kv = append(kv, "[payload redacted]")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", en.Index, en.Time.UTC().Format("2006-01-02T15:04:05Z"),
			en.Kind, en.Actor, or(en.Subject, "-"), strings.Join(kv, " "))
	}
	return tw.Flush()
}

func evidenceExport(ctx context.Context, e *env, args []string) error {
	fs := newOwnerFlags("evidence export")
	pos, err := parseArgs(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("unexpected argument %q", pos[1])
	}
	c, err := newClient(e, fs.cf)
	if err != nil {
		return err
	}
	if len(pos) == 0 || pos[0] == "-" {
		return c.do(ctx, "GET", "/v1/owner/evidence/export", nil, e.stdout)
	}
	f, err := os.OpenFile(pos[0], os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := c.do(ctx, "GET", "/v1/owner/evidence/export", nil, f); err != nil {
		f.Close()
		os.Remove(pos[0])
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "exported the evidence trail to %s\n", pos[0])
	return nil
}

// evidenceVerify re-derives the whole log offline, from the home's store
// (or --store) and checkpoint file, or from an export.
func evidenceVerify(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("evidence verify", flag.ContinueOnError)
	homeDir := homeFlag(fs)
	storeURL := fs.String("store", "", "store URL (default: the home's SQLite store; or $AOS_STORE)")
	file := fs.String("file", "", "verify this export instead of the store")
	pubKey := fs.String("public-key", "", "evidence public key (default: the home's public.key)")
	checkpoints := fs.String("checkpoint-file", "", "checkpoint file (default: $AOS_CHECKPOINT_FILE or the home's)")
	noCheckpoints := fs.Bool("no-checkpoint-file", false, "verify without the checkpoint file: a cut tail of the store then goes unnoticed")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if _, err := parseExactly(fs, args, 0, ""); err != nil {
		return err
	}
	if *noCheckpoints && *checkpoints != "" {
		return usagef("--checkpoint-file and --no-checkpoint-file exclude each other")
	}
	var h *home
	var err error
	if *file == "" || *pubKey == "" {
		if h, err = resolveHome(e, *homeDir); err != nil {
			return err
		}
	}
	vkey := *pubKey
	if vkey == "" {
		if vkey, err = h.read(publicKeyFile); err != nil {
			return withHint(err, "pass --public-key KEY")
		}
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return fmt.Errorf("public key: %v", err)
	}
	var rep *evidence.Report
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		if rep, err = evidence.VerifyExport(f, verifier); err != nil {
			return err
		}
	} else {
		if *storeURL == "" {
			*storeURL = e.getenv("AOS_STORE")
		}
		st, err := openStoreReadOnly(h, *storeURL)
		if err != nil {
			return err
		}
		defer st.Close()
		cpFile := h.checkpointPath(e, *checkpoints)
		if *noCheckpoints {
			cpFile = ""
		}
		if rep, err = evidence.Verify(ctx, st, verifier, cpFile); err != nil {
			return err
		}
	}
	if *asJSON {
		printJSON(e.stdout, rep)
	}
	if !rep.OK {
		if !*asJSON {
			for _, p := range rep.Problems {
				fmt.Fprintf(e.stdout, "FAIL %s\n", p.Message)
			}
		}
		first := rep.FirstBad()
		return errors.New("evidence does not verify: " + first.Message)
	}
	if !*asJSON {
		fmt.Fprintf(e.stdout, "ok: %d entries, %d signed checkpoints verified\n", rep.Size, rep.Checkpoints)
		if *file == "" {
			fmt.Fprintf(e.stdout, "ok: the stored state is the state the log builds (%d rows)\n", rep.StateRows)
		}
		if *noCheckpoints {
			fmt.Fprintln(e.stdout, "note: checked without the checkpoint file; entries cut from the end of the store together with their checkpoints would not show")
		}
	}
	return nil
}

// openStoreReadOnly opens the store without changing it.
func openStoreReadOnly(h *home, storeURL string) (aos.Store, error) {
	if path, ok := sqlitePath(h, storeURL); ok {
		if _, err := os.Stat(path); err != nil {
			return nil, withHint(fmt.Errorf("no store at %s", path), "point --home at an instance or pass --store")
		}
		return sqlite.OpenReadOnly(path)
	}
	return openStore(h, storeURL)
}
