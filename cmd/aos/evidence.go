package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/httpapi"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"
)

func init() { register(newEvidenceCmd) }

func newEvidenceCmd(e *env) *cobra.Command {
	return group(&cobra.Command{
		Use:   "evidence",
		Short: "Read, export, verify and redact the evidence trail",
		Example: `  aos evidence log --tail 50
  aos evidence export trail.jsonl
  aos evidence verify
  aos evidence redact 42 --reason "customer asked for erasure"`,
	}, newEvidenceLogCmd(e), newEvidenceExportCmd(e), newEvidenceVerifyCmd(e), newEvidenceRedactCmd(e))
}

func newEvidenceLogCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log",
		Short: "The newest entries of the evidence trail",
		Example: `  aos evidence log
  aos evidence log --tail 100 --json`,
		Args: noArgs,
	}
	tail := cmd.Flags().Int("tail", 20, "how many of the newest entries to show")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if *tail < 0 {
			return usagef("--tail must not be negative")
		}
		c, err := newClient(e)
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
	return cmd
}

func newEvidenceExportCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export [FILE]",
		Short: "Export the whole evidence trail as JSON lines (to FILE, or stdout)",
		Long: `Export the whole evidence trail, as JSON lines (one entry, checkpoint or
commitment per line), to FILE (mode 0600) or standard output. The export is
JSON already; with FILE, --json prints a summary of what was written.`,
		Example: `  aos evidence export trail.jsonl
  aos evidence export > trail.jsonl
  aos evidence verify --file trail.jsonl --public-key "$(cat ~/.local/share/aos/public.key)"`,
		Args: maxArgs(1),
	}
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, pos []string) error {
		ctx := cmd.Context()
		c, err := newClient(e)
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
		if *asJSON {
			st, err := os.Stat(pos[0])
			if err != nil {
				return err
			}
			return printJSON(e.stdout, map[string]any{"file": pos[0], "bytes": st.Size()})
		}
		fmt.Fprintf(e.stderr, "exported the evidence trail to %s\n", pos[0])
		return nil
	}
	return cmd
}

// evidenceVerify re-derives the whole log offline, from the home's store
// (or --store) and checkpoint file, or from an export.
func newEvidenceVerifyCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-derive and check the whole evidence trail offline; exit 1 naming the first bad entry",
		Long: `Verify the evidence trail offline: every entry, the Merkle tree, every signed
checkpoint, and that the stored state is the state the log builds. It reads the
home's store (the one aos init recorded), or an export with --file.`,
		Example: `  aos evidence verify
  aos evidence verify --json
  aos evidence verify --file trail.jsonl --public-key "$(cat ~/.local/share/aos/public.key)"`,
		Args: noArgs,
	}
	fs := cmd.Flags()
	storeURL := fs.String("store", "", "store URL; must be the one the home records (default: that one; or $AOS_STORE)")
	file := fs.String("file", "", "verify this export instead of the store")
	pubKey := fs.String("public-key", "", "evidence public key (default: the home's public.key)")
	checkpoints := fs.String("checkpoint-file", "", "checkpoint file (default: $AOS_CHECKPOINT_FILE or the home's)")
	noCheckpoints := fs.Bool("no-checkpoint-file", false, "verify without the checkpoint file: a cut tail of the store then goes unnoticed")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if *noCheckpoints && *checkpoints != "" {
			return usagef("--checkpoint-file and --no-checkpoint-file exclude each other")
		}
		var h *home
		var err error
		if *file == "" || *pubKey == "" {
			if h, err = resolveHome(e); err != nil {
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
			url, err := h.instanceStore(*storeURL)
			if err != nil {
				return err
			}
			st, err := openStoreReadOnly(h, url)
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
			if n := len(rep.Unanswered); n > 0 {
				fmt.Fprintf(e.stdout, "note: %d authorised calls have no outcome in the log (in flight, or the outcome was lost in a stop or crash), the first at entry %d\n", n, rep.Unanswered[0])
			}
		}
		return nil
	}
	return cmd
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

func newEvidenceRedactCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "redact ENTRY --reason TEXT",
		Short: "Ask to remove an entry's content: held as an audit-edit until the owner approves",
		Example: `  aos evidence redact 42 --reason "customer asked for erasure"
  aos approve ap_0123456789ab`,
		Args: exactArgs(1, "ENTRY"),
	}
	reason := cmd.Flags().String("reason", "", "why the content must go (required)")
	asJSON := jsonFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, pos []string) error {
		entry, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || entry < 0 {
			return usagef("ENTRY must be an entry number")
		}
		if strings.TrimSpace(*reason) == "" {
			return usagef("--reason is required")
		}
		c, err := newClient(e)
		if err != nil {
			return err
		}
		var a aos.Approval
		if err := c.do(cmd.Context(), "POST", "/v1/owner/evidence/redact", httpapi.RedactRequest{Entry: entry, Reason: *reason}, &a); err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e.stdout, a)
		}
		fmt.Fprintf(e.stdout, "%s\n", a.ID)
		fmt.Fprintf(e.stderr, "held as an audit-edit: nothing is removed until `aos approve %s`\n", a.ID)
		return nil
	}
	return cmd
}
