package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
)

var grantCases = []testCase{
	{"CreateAndLookup", testGrantCreateAndLookup},
	{"LookupMissing", testGrantLookupMissing},
	{"DuplicateID", testGrantDuplicateID},
	{"UnknownConnection", testGrantUnknownConnection},
	{"Update", testGrantUpdate},
	{"UpdateMissing", testGrantUpdateMissing},
	{"ListOrder", testGrantListOrder},
	{"ListFilter", testGrantListFilter},
}

func newGrant(id string, c *aos.Connection, createdMinute int) *aos.Grant {
	return &aos.Grant{ID: id, ConnectionID: c.ID, Scope: "contacts/*", Access: aos.Read,
		CreatedAt: minute(createdMinute)}
}

func checkGrant(t *testing.T, got, want *aos.Grant, connection string) {
	t.Helper()
	if got == nil {
		t.Fatalf("grant %s: got nil", want.ID)
	}
	if got.ID != want.ID || got.ConnectionID != want.ConnectionID || got.Connection != connection ||
		got.Scope != want.Scope || got.Access != want.Access || got.Grantee != want.Grantee ||
		got.GranteeID != want.GranteeID || got.Mission != want.Mission || got.RevokedBy != want.RevokedBy {
		t.Errorf("grant = {ID:%s ConnectionID:%d Connection:%q Scope:%q Access:%s Grantee:%q GranteeID:%d Mission:%q RevokedBy:%q}, "+
			"want {ID:%s ConnectionID:%d Connection:%q Scope:%q Access:%s Grantee:%q GranteeID:%d Mission:%q RevokedBy:%q}",
			got.ID, got.ConnectionID, got.Connection, got.Scope, got.Access, got.Grantee, got.GranteeID, got.Mission, got.RevokedBy,
			want.ID, want.ConnectionID, connection, want.Scope, want.Access, want.Grantee, want.GranteeID, want.Mission, want.RevokedBy)
	}
	checkTime(t, want.ID+" CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTimePtr(t, want.ID+" ExpiresAt", got.ExpiresAt, want.ExpiresAt)
	checkTimePtr(t, want.ID+" RevokedAt", got.RevokedAt, want.RevokedAt)
}

func createGrants(t *testing.T, s aos.Store, gs ...*aos.Grant) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, g := range gs {
			if err := tx.CreateGrant(ctx, g); err != nil {
				return err
			}
		}
		return nil
	})
}

func grantIDs(gs []*aos.Grant) []string {
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	return ids
}

func testGrantCreateAndLookup(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	open := newGrant("g-open", crm, 1)
	narrow := newGrant("g-narrow", crm, 2)
	narrow.Access = aos.Write
	narrow.Grantee = "agent:scout"
	narrow.GranteeID = 1 << 40
	narrow.Mission = "launch"
	narrow.ExpiresAt = new(minute(60))
	narrow.Connection = "ignored: the store fills it in"
	createGrants(t, s, open, narrow)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, want := range []*aos.Grant{open, narrow} {
			got, err := tx.GrantByID(ctx, want.ID)
			if err != nil {
				return err
			}
			checkGrant(t, got, want, "crm")
		}
		return nil
	})
}

func testGrantLookupMissing(t *testing.T, s aos.Store) {
	createGrants(t, s, newGrant("g1", createConnection(t, s, "crm"), 1))
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.GrantByID(ctx, "g2")
		wantCode(t, "GrantByID(unknown)", err, aos.ENotFound)
		return nil
	})
}

func testGrantDuplicateID(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	createGrants(t, s, newGrant("g1", crm, 1))
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.CreateGrant(t.Context(), newGrant("g1", crm, 2)) })
	wantCode(t, "CreateGrant(duplicate ID)", err, aos.EConflict)
}

func testGrantUnknownConnection(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	g := newGrant("g1", crm, 1)
	g.ConnectionID = crm.ID + 1000
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.CreateGrant(t.Context(), g) })
	wantCode(t, "CreateGrant(unknown connection)", err, aos.ENotFound)
}

func testGrantUpdate(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	g := newGrant("g1", crm, 1)
	g.ExpiresAt = new(minute(60))
	createGrants(t, s, g)

	g.Scope = "contacts/42"
	g.Access = aos.Write
	g.Grantee = "department:sales"
	g.Mission = "q3"
	g.ExpiresAt = nil
	g.RevokedAt = new(minute(30))
	g.RevokedBy = "agent:scout"
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateGrant(ctx, g) })
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.GrantByID(ctx, "g1")
		if err != nil {
			return err
		}
		checkGrant(t, got, g, "crm")
		return nil
	})
}

func testGrantUpdateMissing(t *testing.T, s aos.Store) {
	g := newGrant("g1", createConnection(t, s, "crm"), 1)
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.UpdateGrant(t.Context(), g) })
	wantCode(t, "UpdateGrant(unknown ID)", err, aos.ENotFound)
}

func testGrantListOrder(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	// Created out of order; two share a creation time and sort by ID.
	createGrants(t, s,
		newGrant("g-late", crm, 9),
		newGrant("g-b", crm, 5),
		newGrant("g-a", crm, 5),
		newGrant("g-early", crm, 1),
	)
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		list, err := tx.ListGrants(ctx, aos.GrantFilter{})
		if err != nil {
			return err
		}
		if got, want := grantIDs(list), []string{"g-early", "g-a", "g-b", "g-late"}; !slices.Equal(got, want) {
			t.Errorf("ListGrants = %q, want %q", got, want)
		}
		for _, g := range list {
			if g.Connection != "crm" {
				t.Errorf("ListGrants: grant %s has Connection %q, want %q", g.ID, g.Connection, "crm")
			}
		}
		return nil
	})
}

func testGrantListFilter(t *testing.T, s aos.Store) {
	crm := createConnection(t, s, "crm")
	mail := createConnection(t, s, "mail")
	crmLaunch := newGrant("g1", crm, 1)
	crmLaunch.Mission = "launch"
	crmPlain := newGrant("g2", crm, 2)
	mailLaunch := newGrant("g3", mail, 3)
	mailLaunch.Mission = "launch"
	crmRevoked := newGrant("g4", crm, 4)
	crmRevoked.Mission = "launch"
	crmRevoked.RevokedAt = new(minute(5))
	crmRevoked.RevokedBy = "owner"
	createGrants(t, s, crmLaunch, crmPlain, mailLaunch, crmRevoked)

	tests := []struct {
		name   string
		filter aos.GrantFilter
		want   []string
	}{
		{"All", aos.GrantFilter{}, []string{"g1", "g2", "g3"}},
		{"IncludeRevoked", aos.GrantFilter{IncludeRevoked: true}, []string{"g1", "g2", "g3", "g4"}},
		{"Connection", aos.GrantFilter{ConnectionID: crm.ID}, []string{"g1", "g2"}},
		{"Mission", aos.GrantFilter{Mission: "launch"}, []string{"g1", "g3"}},
		{"ConnectionAndMission", aos.GrantFilter{ConnectionID: crm.ID, Mission: "launch"}, []string{"g1"}},
		{"MissionIncludeRevoked", aos.GrantFilter{Mission: "launch", IncludeRevoked: true}, []string{"g1", "g3", "g4"}},
		{"UnknownMission", aos.GrantFilter{Mission: "none"}, nil},
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, tt := range tests {
			list, err := tx.ListGrants(ctx, tt.filter)
			if err != nil {
				return err
			}
			if got := grantIDs(list); !slices.Equal(got, tt.want) {
				t.Errorf("%s: ListGrants(%+v) = %q, want %q", tt.name, tt.filter, got, tt.want)
			}
		}
		for _, g := range []*aos.Grant{mailLaunch, crmRevoked} {
			got, err := tx.GrantByID(ctx, g.ID)
			if err != nil {
				return err
			}
			checkGrant(t, got, g, map[int64]string{crm.ID: "crm", mail.ID: "mail"}[g.ConnectionID])
		}
		return nil
	})
}
