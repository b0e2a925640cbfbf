package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/evidence"
	"github.com/aos-dev/aos/store/postgres"
	"github.com/aos-dev/aos/store/sqlite"
	"github.com/aos-dev/aos/vault"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/mod/sumdb/note"
)

// Files in the home folder. Secrets are written with mode 0600.
const (
	dbFile         = "aos.db"
	masterKeyFile  = "master.key"
	signingKeyFile = "signing.key"
	publicKeyFile  = "public.key"
	ownerTokenFile = "owner.token"
	serverURLFile  = "server.url"
	checkpointFile = "checkpoints.log"
)

// home is an instance's folder.
type home struct{ dir string }

// resolveHome picks the home: --home, else $AOS_HOME, else
// $XDG_DATA_HOME/aos, else ~/.local/share/aos.
func resolveHome(e *env) (*home, error) {
	dir := e.home
	if dir == "" {
		dir = e.getenv("AOS_HOME")
	}
	if dir == "" {
		if x := e.getenv("XDG_DATA_HOME"); x != "" {
			dir = filepath.Join(x, "aos")
		} else {
			h, err := os.UserHomeDir()
			if err != nil {
				return nil, withHint(errors.New("cannot find a home folder"), "pass --home DIR or set AOS_HOME")
			}
			dir = filepath.Join(h, ".local", "share", "aos")
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return &home{dir: abs}, nil
}

func (h *home) path(name string) string { return filepath.Join(h.dir, name) }

// exists reports whether the home holds an instance: the public key is
// written last by init, and always into the home (the signing key may live
// elsewhere).
func (h *home) exists() bool {
	_, err := os.Stat(h.path(publicKeyFile))
	return err == nil
}

func (h *home) read(name string) (string, error) {
	b, err := os.ReadFile(h.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", withHint(fmt.Errorf("no instance in %s (%s is missing)", h.dir, name),
			"run `aos init` or `aos serve`, or point --home at an instance")
	}
	return strings.TrimSpace(string(b)), err
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// masterKey loads the master key: $AOS_MASTER_KEY, else the key file.
func (h *home) masterKey(e *env) (vault.Secret, error) {
	s := e.getenv("AOS_MASTER_KEY")
	if s == "" {
		var err error
		if s, err = h.read(masterKeyFile); err != nil {
			return vault.Secret{}, err
		}
	}
	k, err := vault.ParseKey(s)
	if err != nil {
		return vault.Secret{}, withHint(err, "the master key is written by `aos init`; check $AOS_MASTER_KEY or "+h.path(masterKeyFile))
	}
	return k, nil
}

// signingKeyFlag registers --signing-key on fs.
func signingKeyFlag(fs *pflag.FlagSet) *string {
	return fs.String("signing-key", "", "file holding the evidence signing key, kept outside the home (or $AOS_SIGNING_KEY)")
}

// signingKey reads the evidence signing key: --signing-key FILE, else
// $AOS_SIGNING_KEY, else signing.key in the home.
func (h *home) signingKey(e *env, keyFile string) (string, error) {
	if keyFile != "" {
		b, err := os.ReadFile(keyFile)
		if err != nil {
			return "", withHint(fmt.Errorf("cannot read the signing key: %v", err), "--signing-key names the file `aos init --signing-key` wrote")
		}
		return strings.TrimSpace(string(b)), nil
	}
	if k := e.getenv("AOS_SIGNING_KEY"); k != "" {
		return strings.TrimSpace(k), nil
	}
	b, err := os.ReadFile(h.path(signingKeyFile))
	if errors.Is(err, fs.ErrNotExist) && h.exists() {
		return "", withHint(fmt.Errorf("the evidence signing key is not in %s", h.dir),
			"it is kept outside the home: pass --signing-key FILE or set AOS_SIGNING_KEY")
	}
	if err != nil {
		return "", withHint(fmt.Errorf("no instance in %s (%s is missing)", h.dir, signingKeyFile),
			"run `aos init` or `aos serve`, or point --home at an instance")
	}
	return strings.TrimSpace(string(b)), nil
}

// signer loads the evidence signing key and its verifier, the public key in
// the home, and checks that they are a pair.
func (h *home) signer(e *env, keyFile string) (note.Signer, note.Verifier, error) {
	skey, err := h.signingKey(e, keyFile)
	if err != nil {
		return nil, nil, err
	}
	vkey, err := h.read(publicKeyFile)
	if err != nil {
		return nil, nil, err
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, nil, withHint(errors.New("the evidence signing key is malformed"), "check --signing-key, $AOS_SIGNING_KEY or "+h.path(signingKeyFile))
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, fmt.Errorf("public key: %v", err)
	}
	if got, err := evidence.VerifierKeyOf(skey); err != nil || got != vkey {
		return nil, nil, withHint(errors.New("the evidence signing key is not the one whose public key is in the home"),
			"check --signing-key, $AOS_SIGNING_KEY or "+h.path(signingKeyFile))
	}
	return s, v, nil
}

// checkpointPath is the checkpoint file: --checkpoint-file, else
// $AOS_CHECKPOINT_FILE, else checkpoints.log in the home.
func (h *home) checkpointPath(e *env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := e.getenv("AOS_CHECKPOINT_FILE"); p != "" {
		return p
	}
	return h.path(checkpointFile)
}

// initResult says what initialise created.
type initResult struct {
	ownerToken string
	publicKey  string
}

// initialise creates an instance: keys, owner token, store and the first
// evidence entry. It never overwrites an existing instance.
func initialise(ctx context.Context, e *env, h *home, storeURL, checkpoints, keyFile string) (res *initResult, err error) {
	if h.exists() {
		return nil, withHint(fmt.Errorf("an instance already exists in %s", h.dir), "aos init never overwrites one; use another --home")
	}
	if err := os.MkdirAll(h.dir, 0o700); err != nil {
		return nil, err
	}
	if storeURL == "" {
		if _, err := os.Stat(h.path(dbFile)); err == nil {
			return nil, withHint(fmt.Errorf("%s exists but the instance keys are missing", h.path(dbFile)),
				"restore the keys from backup, or move the database away")
		}
	}
	// Whatever this creates is removed again if init does not complete, so
	// that a failed init can simply be run again.
	var created []string
	defer func() {
		if err != nil {
			for _, f := range created {
				os.Remove(f)
			}
		}
	}()
	st, err := openStore(h, storeURL)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if storeURL == "" {
		created = append(created, h.path(dbFile), h.path(dbFile)+"-wal", h.path(dbFile)+"-shm")
	}
	if err := emptyStore(ctx, st); err != nil {
		return nil, err
	}
	skey, vkey, keyDest, err := newSigningKey(e, keyFile)
	if err != nil {
		return nil, err
	}
	name := strings.SplitN(vkey, "+", 2)[0]
	token := aos.NewToken(aos.OwnerTokenPrefix)
	type file struct {
		path, data string
		mode       os.FileMode
	}
	var files []file
	if e.getenv("AOS_MASTER_KEY") == "" {
		files = append(files, file{h.path(masterKeyFile), vault.FormatKey(vault.GenerateKey()) + "\n", 0o600})
	}
	files = append(files, file{h.path(ownerTokenFile), token + "\n", 0o600})
	if keyDest == "" {
		keyDest = h.path(signingKeyFile)
	}
	if keyDest != "-" {
		files = append(files, file{keyDest, skey + "\n", 0o600})
	}
	storeRec, err := storeRecord(storeURL)
	if err != nil {
		return nil, err
	}
	files = append(files, file{h.path(storeFile), storeRec + "\n", 0o600})
	// Last: the public key's presence marks a complete instance.
	files = append(files, file{h.path(publicKeyFile), vkey + "\n", 0o644})
	for _, f := range files {
		if err := writeNew(f.path, f.data, f.mode); err != nil {
			return nil, err
		}
		created = append(created, f.path)
	}
	log, err := openLog(e, h, st, checkpoints, keyFile)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	master, err := h.masterKey(e)
	if err != nil {
		return nil, err
	}
	v, err := vault.New(master)
	if err != nil {
		return nil, err
	}
	check, err := v.KeyCheck()
	if err != nil {
		return nil, err
	}
	owner := &aos.Principal{Kind: aos.Owner, Name: "owner", TokenHash: aos.HashToken(token)}
	_, err = log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		owner.CreatedAt = time.Now().UTC()
		if err := tx.CreatePrincipal(ctx, owner); err != nil {
			return nil, err
		}
		if err := tx.PutSetting(ctx, keyCheckSetting, base64.StdEncoding.EncodeToString(check)); err != nil {
			return nil, err
		}
		return []aos.Record{{Kind: "instance.init", Actor: "owner", Subject: name,
			Attrs: map[string]string{"public_key": vkey}}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &initResult{ownerToken: token, publicKey: vkey}, nil
}

// emptyStore fails if the store already holds an instance: a second
// replica shares the first one's keys and token, not new ones.
func emptyStore(ctx context.Context, st aos.Store) error {
	var n int64
	err := st.View(ctx, func(tx aos.Tx) (err error) {
		n, err = tx.LogSize(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		return withHint(errors.New("the store already holds an instance"),
			"to run another replica of it, copy that instance's home folder (its keys and owner token) and serve from the copy")
	}
	return nil
}

// keyCheckSetting holds a blob sealed under the master key at init.
const keyCheckSetting = "vault.key_check"

// checkMasterKey fails when the store was initialised under another master
// key: every credential would fail to open, one call at a time.
func checkMasterKey(ctx context.Context, st aos.Store, v *vault.Vault) error {
	var enc string
	err := st.View(ctx, func(tx aos.Tx) (err error) {
		enc, err = tx.Setting(ctx, keyCheckSetting)
		return err
	})
	if aos.ErrorCode(err) == aos.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	check, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || !v.KeyMatches(check) {
		return withHint(errors.New("the master key is not the one this instance's credentials were sealed with"),
			"check $AOS_MASTER_KEY, or the master.key file in the home")
	}
	return nil
}

// openStore opens the instance's store: SQLite in the home unless storeURL
// names another (sqlite:PATH, or postgres://… shared by replicas).
func openStore(h *home, storeURL string) (aos.Store, error) {
	if path, ok := sqlitePath(h, storeURL); ok {
		return sqlite.Open(path)
	}
	if !strings.HasPrefix(storeURL, "postgres://") && !strings.HasPrefix(storeURL, "postgresql://") {
		return nil, withHint(fmt.Errorf("unsupported store %q", redactURL(storeURL)), "use postgres://… or sqlite:PATH (default: SQLite in the home)")
	}
	st, err := postgres.Open(context.Background(), storeURL)
	if err != nil {
		msg := err.Error()
		if u, perr := url.Parse(storeURL); perr == nil {
			if pw, ok := u.User.Password(); ok && pw != "" {
				msg = strings.ReplaceAll(msg, pw, "[redacted]")
			}
		}
		return nil, withHint(fmt.Errorf("cannot open the PostgreSQL store %s", redactURL(storeURL)), msg)
	}
	return st, nil
}

// sqlitePath is the SQLite file a store URL names ("" or sqlite:PATH; the
// home's file by default), and false for any other store.
func sqlitePath(h *home, storeURL string) (string, bool) {
	if storeURL != "" && !strings.HasPrefix(storeURL, "sqlite:") {
		return "", false
	}
	if path := strings.TrimPrefix(storeURL, "sqlite:"); path != "" {
		return path, true
	}
	return h.path(dbFile), true
}

// redactURL hides the password of a store URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "[unparseable store URL]"
	}
	return u.Redacted()
}

// newSigningKey picks the new instance's evidence signing key: the one in
// $AOS_SIGNING_KEY or in an existing --signing-key file (dest "-": nothing
// to write), else a new one, to be written to the --signing-key file or,
// with dest "", into the home.
func newSigningKey(e *env, keyFile string) (skey, vkey, dest string, err error) {
	existing := e.getenv("AOS_SIGNING_KEY")
	if keyFile != "" {
		b, err := os.ReadFile(keyFile)
		switch {
		case err == nil:
			existing = strings.TrimSpace(string(b))
		case errors.Is(err, fs.ErrNotExist):
			existing, dest = "", keyFile
		default:
			return "", "", "", err
		}
	}
	if existing != "" {
		vkey, err := evidence.VerifierKeyOf(existing)
		if err != nil {
			return "", "", "", withHint(errors.New("the evidence signing key given is malformed"),
				"give a key written by `aos init --signing-key FILE`, or none to make a new one")
		}
		return existing, vkey, "-", nil
	}
	skey, vkey, err = evidence.GenerateKey("aos-" + aos.NewID(""))
	return skey, vkey, dest, err
}

func openLog(e *env, h *home, st aos.Store, checkpoints, keyFile string, opts ...func(*evidence.Config)) (*evidence.Log, error) {
	signer, verifier, err := h.signer(e, keyFile)
	if err != nil {
		return nil, err
	}
	cfg := evidence.Config{
		Store: st, Signer: signer, Verifier: verifier, Origin: signer.Name(),
		CheckpointFile: h.checkpointPath(e, checkpoints), Now: time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return evidence.New(cfg)
}

func init() { register(newInitCmd) }

func newInitCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create an instance in the home; never overwrites one",
		Long: `Create an instance in the home: master key, evidence signing key, owner token
and store (SQLite in the home, unless --store or $AOS_STORE names PostgreSQL).
The home records its store: every later command uses it. aos serve runs init
on an empty home by itself.`,
		Example: `  aos init
  aos init --home /srv/aos --store postgres://aos@db/aos
  aos init --signing-key /secure/aos-signing.key   # keep the evidence signing key outside the home`,
		Args: noArgs,
	}
	storeURL := cmd.Flags().String("store", "", "store URL (default: SQLite in the home; or $AOS_STORE)")
	checkpoints := cmd.Flags().String("checkpoint-file", "", "file that keeps a copy of the signed checkpoints the store keeps")
	keyFile := signingKeyFlag(cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		h, err := resolveHome(e)
		if err != nil {
			return err
		}
		if *storeURL == "" {
			*storeURL = e.getenv("AOS_STORE")
		}
		res, err := initialise(cmd.Context(), e, h, *storeURL, *checkpoints, *keyFile)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "initialised an instance in %s\n", h.dir)
		rec, _ := storeRecord(*storeURL)
		fmt.Fprintf(e.stdout, "store: %s (recorded in %s)\n", describeStore(rec), h.path(storeFile))
		fmt.Fprintf(e.stdout, "owner token: %s (mode 0600)\n", h.path(ownerTokenFile))
		fmt.Fprintf(e.stdout, "evidence public key: %s\n", res.publicKey)
		return nil
	}
	return cmd
}
