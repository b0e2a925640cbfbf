package secinfra

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// ExposedReport is what the exposed-key runbook did, what it found and
// what is left for a person at the provider.
type ExposedReport struct {
	Connection string `json:"connection"`
	// Version is the credential version declared exposed, now or by an
	// earlier run (AlreadyExposed).
	Version        int  `json:"exposed_version"`
	AlreadyExposed bool `json:"already_exposed,omitempty"`
	// Provider is what the provider's API answered about the exposed key.
	Provider []ProviderAnswer `json:"provider"`
	// Unsettled are the authorisation entries of calls made with the key
	// before it was revoked that had not ended within the settle window
	// (see SettleWindow): their replica may still be waiting for the
	// upstream, or died before recording the outcome.
	Unsettled []int64 `json:"unsettled_calls,omitempty"`
	// Rotated is the new active version, when a new secret was given and
	// accepted; RotateError says why it was not.
	Rotated     int    `json:"rotated_version,omitempty"`
	RotateError string `json:"rotate_error,omitempty"`
	Stale
	// Done lists every step taken, in order; Left what a person still has
	// to do.
	Done []string `json:"done"`
	Left []string `json:"left"`
}

// ProviderAnswer is one question put to the provider about the exposed
// key: revoke it (Action "revoke") or check whether it still works
// ("check"). Outcome is revoked, not_revoked, dead, live or error.
type ProviderAnswer struct {
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
}

// Stale is what the stale check found after a key was declared exposed.
type Stale struct {
	// Duplicates are other connections whose live credential is the same
	// secret (by the vault's keyed fingerprint).
	Duplicates []Duplicate `json:"duplicates"`
	// FailedApprovals are the held calls that would have run on an exposed
	// version: they were failed now, as approval_stale.
	FailedApprovals []string `json:"failed_approvals"`
	// GrantsWithoutCredential are the active grants on the connection,
	// when it is left without a live credential: their calls are refused
	// (not_granted) until a new key is rotated in.
	GrantsWithoutCredential []string `json:"grants_without_credential"`
}

// Duplicate is a connection holding the exposed secret.
type Duplicate struct {
	Connection string `json:"connection"`
	Version    int    `json:"version"`
}

// Clean reports whether nothing stale remains.
func (s *Stale) Clean() bool {
	return len(s.Duplicates) == 0 && len(s.GrantsWithoutCredential) == 0
}

// Exposed runs the exposed-key runbook on connection name:
//
//  1. Revoke: the active credential is marked exposed. From the moment
//     Exposed returns, no call is authorised with it on any replica (the
//     gateway reads the active credential in the authorising transaction),
//     and none is sent with it: the gateway reads the version's status
//     again right before sending. Then it waits until every call
//     authorised with the key before has recorded its outcome, on
//     whichever replica runs it, read from the shared evidence log (at most
//     SettleWindow; those still open are reported), and for the sends of
//     this process (Drain), so no request carrying the key is still being
//     answered when Exposed returns.
//  2. Ask the provider: revoke the key through its API where the connector
//     can (connector.KeyRevoker), then check it is dead where it can
//     (connector.KeyChecker). Each answer is evidence.
//  3. Rotate, when secret is given (owner only): see owner.RotateCredential.
//  4. Confirm nothing stale remains (see Stale): held calls sealed under an
//     exposed version are failed now, duplicates and grants left without a
//     live credential are reported.
//
// Any principal may declare a key exposed: it only takes access away;
// rotating needs the owner, and a non-owner giving a secret is refused
// before anything changes. Running it again on a connection whose key is
// already exposed repeats steps 2 to 4 for that version.
// Errors: ENotFound, EForbidden.
func (k *Keys) Exposed(ctx context.Context, actor *aos.Principal, name string, secret vault.Secret) (*ExposedReport, error) {
	if actor == nil {
		return nil, aos.Errorf(aos.EForbidden, "declaring a key exposed needs a principal")
	}
	if !secret.IsZero() && actor.Kind != aos.Owner {
		return nil, aos.Errorf(aos.EForbidden, "only the owner may rotate in a new credential; declare the key exposed without one")
	}
	rep := &ExposedReport{Connection: name, Provider: []ProviderAnswer{}, Done: []string{}, Left: []string{}}
	cred, revokedAt, err := k.Owner.ExposeCredential(ctx, actor, name)
	switch {
	case aos.ErrorCode(err) == aos.ENotFound:
		if cred, err = k.lastExposed(ctx, name); err != nil {
			return nil, err
		}
		rep.AlreadyExposed = true
		rep.Done = append(rep.Done, fmt.Sprintf("version %d was already declared exposed and revoked", cred.Version))
	case err != nil:
		return nil, err
	default:
		rep.Done = append(rep.Done, fmt.Sprintf("revoked version %d (fingerprint %s): no call is authorised or sent with it from now on", cred.Version, cred.Fingerprint))
	}
	rep.Version = cred.Version
	if k.Drain != nil {
		if err := k.Drain(ctx, cred.ConnectionID, cred.Version); err != nil {
			return nil, err
		}
	}
	if !rep.AlreadyExposed {
		open, err := k.settle(ctx, name, cred.Version, revokedAt, *cred.RotatedAt, k.settleWindow())
		if err != nil {
			return nil, err
		}
		rep.Unsettled = open
		if len(open) == 0 {
			rep.Done = append(rep.Done, "waited for the calls authorised with it before, on every replica, to end")
		}
	}
	conn, err := k.Owner.Connection(ctx, name)
	if err != nil {
		return nil, err
	}
	k.askProvider(ctx, actor, conn, cred, rep)
	if !secret.IsZero() {
		rot, err := k.Owner.RotateCredential(ctx, actor, name, secret)
		if err != nil {
			rep.RotateError = aos.ErrorMessage(err)
			rep.Done = append(rep.Done, "did not rotate: "+rep.RotateError)
		} else {
			rep.Rotated = rot.Credential.Version
			rep.Done = append(rep.Done, fmt.Sprintf("rotated in version %d (fingerprint %s): calls use it from now on", rot.Credential.Version, rot.Credential.Fingerprint))
		}
	}
	if err := k.staleCheck(ctx, actor, conn, rep); err != nil {
		return nil, err
	}
	rep.Left = append(rep.Left, leftToDo(conn, rep)...)
	return rep, nil
}

// lastExposed returns the newest exposed version of connection name.
func (k *Keys) lastExposed(ctx context.Context, name string) (*aos.Credential, error) {
	var found *aos.Credential
	err := k.Owner.Store.View(ctx, func(tx aos.Tx) error {
		c, err := tx.ConnectionByName(ctx, name)
		if err != nil {
			return err
		}
		creds, err := tx.ListCredentials(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, cr := range creds {
			if cr.Status == aos.CredentialExposed {
				found = cr
			}
		}
		return nil
	})
	if err == nil && found == nil {
		err = aos.Errorf(aos.ENotFound, "connection %s has no active credential to declare exposed", name)
	}
	return found, err
}

// askProvider revokes the exposed key through the provider's API and
// checks it is dead, where the connector can, and records each answer.
func (k *Keys) askProvider(ctx context.Context, actor *aos.Principal, c *aos.Connection, cred *aos.Credential, rep *ExposedReport) {
	kn, err := k.Owner.Connectors.Lookup(c.Type)
	if err != nil {
		return
	}
	revoker, canRevoke := kn.(connector.KeyRevoker)
	checker, canCheck := kn.(connector.KeyChecker)
	if !canRevoke && !canCheck {
		return
	}
	secret, err := k.Owner.Vault.Open(cred.Sealed, vault.CredentialAAD(c.ID, cred.Version))
	if err != nil {
		rep.Provider = append(rep.Provider, ProviderAnswer{Action: "open", Outcome: "error", Detail: "the exposed credential could not be opened"})
		return
	}
	echo := secret.EchoRedactor("[redacted]")
	safe := func(s string) string {
		s, _ = echo.RedactString(s)
		return s
	}
	timeout := k.ProviderTimeout
	if timeout <= 0 {
		timeout = DefaultProviderTimeout
	}
	ask := func(action string, f func(context.Context) (string, string)) {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		outcome, detail := f(pctx)
		cancel()
		a := ProviderAnswer{Action: action, Outcome: outcome, Detail: safe(detail)}
		rep.Provider = append(rep.Provider, a)
		payload, _ := json.Marshal(map[string]string{"detail": a.Detail})
		_, err := k.Owner.Log.Record(ctx, func(aos.Tx) ([]aos.Record, error) {
			return []aos.Record{{Kind: "credential.provider", Actor: actor.Ref(), Subject: c.Name, Attrs: map[string]string{
				"credential_version": strconv.Itoa(cred.Version), "action": action, "outcome": outcome,
			}, Payload: payload}}, nil
		})
		if err != nil {
			rep.Done = append(rep.Done, fmt.Sprintf("the provider's answer to %s could not be recorded: %s", action, aos.ErrorMessage(err)))
		}
	}
	if canRevoke {
		ask("revoke", func(ctx context.Context) (string, string) {
			detail, err := revoker.RevokeKey(ctx, c, secret)
			if err != nil {
				return "not_revoked", aos.ErrorMessage(err)
			}
			return "revoked", detail
		})
	}
	if canCheck {
		ask("check", func(ctx context.Context) (string, string) {
			live, detail, err := checker.CheckKey(ctx, c, secret)
			switch {
			case err != nil:
				return "error", aos.ErrorMessage(err)
			case live:
				return "live", detail
			}
			return "dead", detail
		})
	}
	for _, a := range rep.Provider {
		rep.Done = append(rep.Done, fmt.Sprintf("asked %s to %s the exposed key: %s (%s)", c.Type, a.Action, a.Outcome, a.Detail))
	}
}

// staleCheck fails the held calls sealed under an exposed version of c
// and finds duplicates of the exposed secrets and grants left without a
// live credential, in one recorded transaction.
func (k *Keys) staleCheck(ctx context.Context, actor *aos.Principal, c *aos.Connection, rep *ExposedReport) error {
	var st Stale
	_, err := k.Owner.Log.Record(ctx, func(tx aos.Tx) ([]aos.Record, error) {
		st = Stale{Duplicates: []Duplicate{}, FailedApprovals: []string{}, GrantsWithoutCredential: []string{}}
		now := k.now()
		creds, err := tx.ListCredentials(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		exposedFP := map[string]bool{}
		exposedVersion := map[int]bool{}
		live := false
		for _, cr := range creds {
			switch cr.Status {
			case aos.CredentialExposed:
				exposedFP[cr.Fingerprint], exposedVersion[cr.Version] = true, true
			case aos.CredentialActive:
				live = true
			}
		}
		conns, err := tx.ListConnections(ctx)
		if err != nil {
			return nil, err
		}
		for _, other := range conns {
			if other.ID == c.ID || !other.Connected() {
				continue
			}
			oc, err := tx.ActiveCredential(ctx, other.ID)
			if aos.ErrorCode(err) == aos.ENotFound {
				continue
			} else if err != nil {
				return nil, err
			}
			if exposedFP[oc.Fingerprint] {
				st.Duplicates = append(st.Duplicates, Duplicate{Connection: other.Name, Version: oc.Version})
			}
		}
		var recs []aos.Record
		held, err := tx.ListApprovals(ctx, aos.ApprovalFilter{Statuses: []aos.ApprovalStatus{aos.ApprovalPending, aos.ApprovalApproved}})
		if err != nil {
			return nil, err
		}
		for _, a := range held {
			if a.Kind != aos.ApprovalCall || a.ConnectionID != c.ID || !exposedVersion[a.CredentialVersion] || a.ExecutedAt != nil {
				continue // another connection, a live version, or under way (its send is guarded)
			}
			reason := fmt.Sprintf("credential version %d of %s was declared exposed; the held call would run on a revoked key", a.CredentialVersion, c.Name)
			rec, err := approval.Withdraw(ctx, tx, actor.Ref(), a, reason, now)
			if err != nil {
				return nil, err
			}
			recs = append(recs, rec)
			st.FailedApprovals = append(st.FailedApprovals, a.ID)
		}
		if !live && c.Connected() {
			grants, err := tx.ListGrants(ctx, aos.GrantFilter{ConnectionID: c.ID})
			if err != nil {
				return nil, err
			}
			for _, g := range grants {
				if g.Active(now) {
					st.GrantsWithoutCredential = append(st.GrantsWithoutCredential, g.ID)
				}
			}
		}
		attrs := map[string]string{
			"exposed_version":           strconv.Itoa(rep.Version),
			"duplicates":                strconv.Itoa(len(st.Duplicates)),
			"failed_approvals":          strconv.Itoa(len(st.FailedApprovals)),
			"grants_without_credential": strconv.Itoa(len(st.GrantsWithoutCredential)),
		}
		for i, d := range st.Duplicates {
			attrs["duplicate_"+strconv.Itoa(i)] = d.Connection
		}
		recs = append(recs, aos.Record{Kind: "credential.stale_check", Actor: actor.Ref(), Subject: c.Name, Attrs: attrs})
		return recs, nil
	})
	if err != nil {
		return err
	}
	if len(st.FailedApprovals) > 0 && k.Changed != nil {
		k.Changed()
	}
	rep.Stale = st
	rep.Done = append(rep.Done, fmt.Sprintf("checked for stale access: %d held call(s) failed, %d other connection(s) with the same secret, %d grant(s) without a live credential",
		len(st.FailedApprovals), len(st.Duplicates), len(st.GrantsWithoutCredential)))
	return nil
}

// leftToDo is what a person still has to do after the runbook.
func leftToDo(c *aos.Connection, rep *ExposedReport) []string {
	var left []string
	revoked, dead, live := false, false, false
	for _, a := range rep.Provider {
		revoked = revoked || a.Action == "revoke" && a.Outcome == "revoked"
		dead = dead || a.Action == "check" && a.Outcome == "dead"
		live = live || a.Action == "check" && a.Outcome == "live"
	}
	switch {
	case live:
		left = append(left, fmt.Sprintf("%s still accepts the exposed key (version %d): revoke or roll it at the provider now", c.Type, rep.Version))
	case !revoked && !dead:
		left = append(left, fmt.Sprintf("revoke or roll the exposed key (version %d, fingerprint shown by `aos keys`) at the %s provider: aos could not confirm it is dead", rep.Version, c.Type))
	}
	if n := len(rep.Unsettled); n > 0 {
		left = append(left, fmt.Sprintf("%d call(s) made with the exposed key before it was revoked had not ended within %s (evidence entries %v): check the provider's logs for them", n, SettleWindow, rep.Unsettled))
	}
	if rep.Rotated == 0 && len(rep.GrantsWithoutCredential) > 0 {
		left = append(left, fmt.Sprintf("create a new key at the provider and run `aos keys rotate %s`: until then %d grant(s) on %s are refused", c.Name, len(rep.GrantsWithoutCredential), c.Name))
	}
	for _, d := range rep.Duplicates {
		left = append(left, fmt.Sprintf("connection %s holds the same secret (version %d): run `aos keys exposed %s`", d.Connection, d.Version, d.Connection))
	}
	return left
}
