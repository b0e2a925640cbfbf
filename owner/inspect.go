package owner

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// DefaultInspectTimeout bounds how long connecting waits for the upstream to
// say what a new credential allows.
const DefaultInspectTimeout = 10 * time.Second

// Connected is what ConnectAndInspect or ReconnectAndInspect did.
type Connected struct {
	Connection *aos.Connection
	// Grant is the first grant; nil after a connect without a scope, and
	// after a reconnect, whose grants come back.
	Grant *aos.Grant
	// Credential is the new credential version, with what its inspection
	// learned (Breadth, InspectedAt, InspectError) when its connector can
	// inspect credentials.
	Credential *aos.Credential
	// Warnings are for the owner: a credential broader than the grants
	// that use it, an inspection that failed or could not be recorded.
	Warnings []string
}

// checkCredential lets a connector that can (connector.CredentialChecker)
// refuse a malformed credential before it is sealed. Its error goes to the
// owner as it is. A nil k checks nothing.
func checkCredential(k connector.Connector, c *aos.Connection, secret vault.Secret) error {
	if ch, ok := k.(connector.CredentialChecker); ok {
		return ch.CheckCredential(c, secret)
	}
	return nil
}

// inspect asks a connector that can (connector.Inspector) what the
// credential cred of connection c really allows, records the answer on
// the credential with a credential.inspect evidence record, and returns
// the owner's warnings. It runs after the connection is committed: it
// contacts the upstream, which never happens inside a store transaction,
// and nothing it meets undoes the connect.
func (s *Service) inspect(ctx context.Context, actor *aos.Principal, k connector.Connector,
	c *aos.Connection, cred *aos.Credential, secret vault.Secret) []string {
	in, ok := k.(connector.Inspector)
	if !ok {
		return nil
	}
	// The connection exists now; what its credential allows is recorded
	// even if the owner's request goes away meanwhile.
	ctx = context.WithoutCancel(ctx)
	info, failure := s.runInspect(ctx, in, c, secret)
	at := s.now()
	var (
		stored *aos.Credential
		grants []*aos.Grant
		excess aos.CredentialExcess
	)
	_, err := s.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		var err error
		if stored, err = credentialByID(ctx, tx, cred); err != nil {
			return nil, err
		}
		if grants, err = activeGrants(ctx, tx, c.ID, at); err != nil {
			return nil, err
		}
		excess = info.Excess(grants, k.Covers)
		stored.Breadth, stored.InspectedAt, stored.InspectError = info, &at, failure
		if err := tx.UpdateCredential(ctx, stored); err != nil {
			return nil, err
		}
		return []aos.Record{inspectRecord(actor, c, stored, excess)}, nil
	})
	var warnings []string
	if failure != "" {
		warnings = append(warnings, "the credential could not be inspected, so what it really allows is unknown ("+failure+")")
	}
	if err != nil {
		s.logger().Error("recording a credential inspection", "connection", c.Name,
			"credential_version", cred.Version, "err", err)
		cred.Breadth, cred.InspectedAt, cred.InspectError = info, &at, failure
		return append(warnings, "what the credential allows could not be recorded ("+aos.ErrorMessage(err)+"); it is shown here only")
	}
	*cred = *stored
	if w := breadthWarning(info, excess, grants); w != "" {
		warnings = append(warnings, w)
	}
	return warnings
}

// runInspect calls Inspect with the service's timeout and returns what the
// credential allows, or the caller-safe code and message of the failure.
// A connector that overruns its deadline or panics does not hold up or
// bring down the connect.
func (s *Service) runInspect(ctx context.Context, in connector.Inspector, c *aos.Connection, secret vault.Secret) (*aos.CredentialInfo, string) {
	timeout := s.InspectTimeout
	if timeout <= 0 {
		timeout = DefaultInspectTimeout
	}
	ictx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		info *aos.CredentialInfo
		err  error
	}
	done := make(chan result, 1) // the goroutine never blocks, even once abandoned
	conn := *c                   // the connector may still read it after a timeout
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: aos.Errorf(aos.EInternal, "the %s connector failed while inspecting the credential", conn.Type)}
			}
		}()
		info, err := in.Inspect(ictx, &conn, secret)
		done <- result{info, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ictx.Done():
		select {
		case r = <-done: // it answered just in time
		default:
			r.err = ictx.Err()
		}
	}
	switch {
	case r.err == nil && r.info == nil:
		r.err = aos.Errorf(aos.EInternal, "the %s connector said nothing about the credential", c.Type)
	case r.err == nil:
		return scrubInfo(r.info, secret), ""
	case errors.Is(ictx.Err(), context.DeadlineExceeded):
		return nil, aos.EUpstream + ": the upstream did not say what the credential allows within " + timeout.String()
	}
	if aos.ErrorCode(r.err) == aos.EInternal {
		s.logger().Warn("inspecting a credential", "connection", c.Name, "type", c.Type, "err", scrub(r.err.Error(), secret))
	}
	return nil, scrub(aos.ErrorCode(r.err)+": "+aos.ErrorMessage(r.err), secret)
}

// credentialByID reads the current state of cred, which may have changed
// since it was created (its last use, say), so that recording the
// inspection overwrites nothing else.
func credentialByID(ctx context.Context, tx aos.Tx, cred *aos.Credential) (*aos.Credential, error) {
	creds, err := tx.ListCredentials(ctx, cred.ConnectionID)
	if err != nil {
		return nil, err
	}
	for _, c := range creds {
		if c.ID == cred.ID {
			return c, nil
		}
	}
	return nil, aos.Errorf(aos.ENotFound, "credential version %d not found", cred.Version)
}

// activeGrants returns the grants on a connection that are active at now:
// those that use its credential.
func activeGrants(ctx context.Context, tx aos.Tx, connectionID int64, now time.Time) ([]*aos.Grant, error) {
	gs, err := tx.ListGrants(ctx, aos.GrantFilter{ConnectionID: connectionID})
	if err != nil {
		return nil, err
	}
	var active []*aos.Grant
	for _, g := range gs {
		if g.Active(now) {
			active = append(active, g)
		}
	}
	return active, nil
}

// inspectRecord is the evidence of an inspection of cred, successful (its
// breadth) or not (its error).
func inspectRecord(actor *aos.Principal, c *aos.Connection, cred *aos.Credential, excess aos.CredentialExcess) aos.Record {
	attrs := map[string]string{"connection": c.Name, "credential_version": strconv.Itoa(cred.Version)}
	if b := cred.Breadth; b != nil {
		attrs["kind"] = b.Kind
		attrs["account_wide"] = strconv.FormatBool(b.AccountWide)
		attrs["can_write"] = strconv.FormatBool(b.CanWrite)
		if excess.Broader() {
			attrs["broader_than_grants"] = "true"
		}
	} else {
		attrs["error"] = cred.InspectError
	}
	return aos.Record{Kind: "credential.inspect", Actor: actor.Ref(), Subject: c.Name, Attrs: attrs}
}

// minScrubbed is the shortest secret scrub looks for: shorter ones would
// match ordinary words.
const minScrubbed = 4

// scrub removes the secret from text a connector wrote, in case one broke
// its promise never to include it. It also makes the text valid UTF-8, so
// the evidence trail can carry it, and replaces control characters, so
// that upstream-chosen names (a team, an app) cannot steer the owner's
// terminal.
func scrub(text string, secret vault.Secret) string {
	raw := string(secret.Reveal())
	for _, v := range []string{raw, strings.TrimSpace(raw)} {
		if len(v) >= minScrubbed {
			text = strings.ReplaceAll(text, v, "[redacted]")
		}
	}
	text, _ = secret.EchoRedactor("[redacted]").RedactString(text) // its base64, URL and JSON forms
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(text, "\uFFFD"))
}

// scrubInfo returns a copy of info with every string scrubbed.
func scrubInfo(info *aos.CredentialInfo, secret vault.Secret) *aos.CredentialInfo {
	out := *info
	out.Kind = scrub(info.Kind, secret)
	out.Scopes = scrubAll(info.Scopes, secret)
	out.Resources = scrubAll(info.Resources, secret)
	return &out
}

func scrubAll(list []string, secret vault.Secret) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = scrub(s, secret)
	}
	return out
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}
