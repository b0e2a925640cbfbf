package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aos-dev/aos"
)

var credentialCases = []testCase{
	{"CreateAndList", testCredentialCreateAndList},
	{"Active", testCredentialActive},
	{"OneActivePerConnection", testCredentialOneActive},
	{"DuplicateVersion", testCredentialDuplicateVersion},
	{"UnknownConnection", testCredentialUnknownConnection},
	{"Update", testCredentialUpdate},
	{"UpdateMissing", testCredentialUpdateMissing},
	{"Inspection", testCredentialInspection},
}

func newCredential(connectionID int64, version int, status aos.CredentialStatus) *aos.Credential {
	return &aos.Credential{ConnectionID: connectionID, Version: version, Status: status,
		Sealed: []byte{0, 1, 2, 0xff, byte(version)}, Fingerprint: "fp-" + string(rune('a'+version)),
		CreatedAt: minute(version), RotationPeriod: aos.DefaultRotationPeriod}
}

func checkCredential(t *testing.T, got, want *aos.Credential) {
	t.Helper()
	if got == nil {
		t.Fatalf("credential version %d: got nil", want.Version)
	}
	if got.ID != want.ID || got.ConnectionID != want.ConnectionID || got.Version != want.Version ||
		got.Status != want.Status || got.Fingerprint != want.Fingerprint || got.RotationPeriod != want.RotationPeriod {
		t.Errorf("credential = {ID:%d ConnectionID:%d Version:%d Status:%s Fingerprint:%q RotationPeriod:%v}, "+
			"want {ID:%d ConnectionID:%d Version:%d Status:%s Fingerprint:%q RotationPeriod:%v}",
			got.ID, got.ConnectionID, got.Version, got.Status, got.Fingerprint, got.RotationPeriod,
			want.ID, want.ConnectionID, want.Version, want.Status, want.Fingerprint, want.RotationPeriod)
	}
	checkBytes(t, "Sealed", got.Sealed, want.Sealed)
	checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTimePtr(t, "RotatedAt", got.RotatedAt, want.RotatedAt)
	checkTimePtr(t, "LastUsedAt", got.LastUsedAt, want.LastUsedAt)
	checkBreadth(t, got.Breadth, want.Breadth)
	checkTimePtr(t, "InspectedAt", got.InspectedAt, want.InspectedAt)
	if got.InspectError != want.InspectError {
		t.Errorf("credential version %d: InspectError = %q, want %q", want.Version, got.InspectError, want.InspectError)
	}
}

// checkBreadth reports an error unless got and want are both nil or hold
// the same facts; nil and empty lists are alike.
func checkBreadth(t *testing.T, got, want *aos.CredentialInfo) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("Breadth = %+v, want %+v", got, want)
	case got.Kind != want.Kind || got.AccountWide != want.AccountWide || got.CanWrite != want.CanWrite ||
		!slices.Equal(got.Scopes, want.Scopes) || !slices.Equal(got.Resources, want.Resources):
		t.Errorf("Breadth = %+v, want %+v", *got, *want)
	}
}

func createCredentials(t *testing.T, s aos.Store, creds ...*aos.Credential) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, c := range creds {
			if err := tx.CreateCredential(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func testCredentialCreateAndList(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	mail := createConnection(t, s, "mail")
	v2 := newCredential(crm.ID, 2, aos.CredentialRevoked)
	v2.RotatedAt = new(minute(10))
	v2.LastUsedAt = new(minute(9))
	v1 := newCredential(crm.ID, 1, aos.CredentialExposed)
	v3 := newCredential(crm.ID, 3, aos.CredentialActive)
	v3.RotationPeriod = 30 * 24 * time.Hour
	v3.Breadth = &aos.CredentialInfo{Kind: "restricted key", Scopes: []string{"charges:read"}, Resources: []string{"charges"}}
	v3.InspectedAt = new(minute(3))
	v1.InspectedAt = new(minute(1))
	v1.InspectError = "upstream_error: the upstream refused the key (401)"
	other := newCredential(mail.ID, 1, aos.CredentialActive)
	createCredentials(t, s, v2, v1, v3, other)
	if v1.ID == 0 || v2.ID == 0 || v3.ID == 0 || v1.ID == v2.ID || v2.ID == v3.ID || v1.ID == v3.ID {
		t.Fatalf("IDs %d, %d, %d: want distinct and non-zero", v1.ID, v2.ID, v3.ID)
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		list, err := tx.ListCredentials(ctx, crm.ID)
		if err != nil {
			return err
		}
		want := []*aos.Credential{v1, v2, v3}
		if len(list) != len(want) {
			t.Fatalf("ListCredentials returned %d credentials, want %d", len(list), len(want))
		}
		for i := range want {
			checkCredential(t, list[i], want[i])
		}
		none, err := tx.ListCredentials(ctx, crm.ID+mail.ID+1000)
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("ListCredentials(unknown connection) returned %d credentials, want 0", len(none))
		}
		return nil
	})
}

func testCredentialActive(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.ActiveCredential(ctx, crm.ID)
		wantCode(t, "ActiveCredential(none yet)", err, aos.ENotFound)
		return nil
	})
	v1 := newCredential(crm.ID, 1, aos.CredentialActive)
	createCredentials(t, s, v1)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.ActiveCredential(ctx, crm.ID)
		if err != nil {
			return err
		}
		checkCredential(t, got, v1)
		return nil
	})

	// Rotation: the old version is revoked, then the new one created.
	v2 := newCredential(crm.ID, 2, aos.CredentialActive)
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		v1.Status = aos.CredentialRevoked
		v1.RotatedAt = new(minute(20))
		if err := tx.UpdateCredential(ctx, v1); err != nil {
			return err
		}
		return tx.CreateCredential(ctx, v2)
	})
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.ActiveCredential(ctx, crm.ID)
		if err != nil {
			return err
		}
		checkCredential(t, got, v2)
		return nil
	})

	v2.Status = aos.CredentialExposed
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateCredential(ctx, v2) })
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.ActiveCredential(ctx, crm.ID)
		wantCode(t, "ActiveCredential(all revoked or exposed)", err, aos.ENotFound)
		return nil
	})
}

func testCredentialOneActive(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	v1 := newCredential(crm.ID, 1, aos.CredentialActive)
	createCredentials(t, s, v1)
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		return tx.CreateCredential(t.Context(), newCredential(crm.ID, 2, aos.CredentialActive))
	})
	wantCode(t, "CreateCredential(second active version)", err, aos.EConflict)

	v2 := newCredential(crm.ID, 2, aos.CredentialRevoked)
	createCredentials(t, s, v2)
	v2.Status = aos.CredentialActive
	err = s.Update(t.Context(), func(tx aos.Tx) error { return tx.UpdateCredential(t.Context(), v2) })
	wantCode(t, "UpdateCredential(to a second active version)", err, aos.EConflict)
}

func testCredentialDuplicateVersion(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	createCredentials(t, s, newCredential(crm.ID, 1, aos.CredentialRevoked))
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		return tx.CreateCredential(t.Context(), newCredential(crm.ID, 1, aos.CredentialActive))
	})
	wantCode(t, "CreateCredential(duplicate version)", err, aos.EConflict)
}

func testCredentialUnknownConnection(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		return tx.CreateCredential(t.Context(), newCredential(crm.ID+1000, 1, aos.CredentialActive))
	})
	wantCode(t, "CreateCredential(unknown connection)", err, aos.ENotFound)
}

func testCredentialUpdate(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	c := newCredential(crm.ID, 1, aos.CredentialActive)
	createCredentials(t, s, c)

	c.LastUsedAt = new(minute(30))
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateCredential(ctx, c) })
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.ActiveCredential(ctx, crm.ID)
		if err != nil {
			return err
		}
		checkCredential(t, got, c)
		return nil
	})

	c.Status = aos.CredentialExposed
	c.RotatedAt = new(minute(40))
	c.LastUsedAt = new(minute(39))
	c.RotationPeriod = 7 * 24 * time.Hour
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateCredential(ctx, c) })
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		list, err := tx.ListCredentials(ctx, crm.ID)
		if err != nil {
			return err
		}
		if len(list) != 1 {
			t.Fatalf("ListCredentials returned %d credentials, want 1", len(list))
		}
		checkCredential(t, list[0], c)
		return nil
	})
}

func testCredentialUpdateMissing(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	c := newCredential(crm.ID, 1, aos.CredentialRevoked)
	c.ID = 1000
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.UpdateCredential(t.Context(), c) })
	wantCode(t, "UpdateCredential(unknown ID)", err, aos.ENotFound)
}

// testCredentialInspection checks that what an inspection learned (breadth,
// time, error) round-trips through create and update, and that nil stays
// nil: a credential never inspected is not one inspected as empty.
func testCredentialInspection(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	never := newCredential(crm.ID, 1, aos.CredentialRevoked)
	wide := newCredential(crm.ID, 2, aos.CredentialActive)
	wide.Breadth = &aos.CredentialInfo{Kind: "secret key", Scopes: []string{"livemode:true", "balance:read"},
		Resources: []string{"*"}, AccountWide: true, CanWrite: true}
	wide.InspectedAt = new(minute(2))
	createCredentials(t, s, never, wide)
	check := func(what string) {
		t.Helper()
		view(t, s, func(ctx context.Context, tx aos.Tx) error {
			list, err := tx.ListCredentials(ctx, crm.ID)
			if err != nil {
				return err
			}
			if len(list) != 2 {
				t.Fatalf("%s: ListCredentials returned %d credentials, want 2", what, len(list))
			}
			checkCredential(t, list[0], never)
			checkCredential(t, list[1], wide)
			active, err := tx.ActiveCredential(ctx, crm.ID)
			if err != nil {
				return err
			}
			checkCredential(t, active, wide)
			return nil
		})
	}
	check("after create")

	// A first inspection of the old version, which fails; the new one is
	// re-inspected, found narrower: the breadth is replaced, not merged.
	never.InspectedAt = new(minute(5))
	never.InspectError = "upstream_error: the upstream did not answer"
	wide.Breadth = &aos.CredentialInfo{Kind: "restricted key"}
	wide.InspectedAt = new(minute(6))
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		if err := tx.UpdateCredential(ctx, never); err != nil {
			return err
		}
		return tx.UpdateCredential(ctx, wide)
	})
	check("after inspection")

	// A failed re-inspection clears the breadth: nil again, with the error.
	wide.Breadth = nil
	wide.InspectError = "upstream_error: refused (401)"
	wide.InspectedAt = new(minute(7))
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateCredential(ctx, wide) })
	check("after a failed re-inspection")
}
