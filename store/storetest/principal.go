package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
)

var principalCases = []testCase{
	{"CreateAndLookup", testPrincipalCreateAndLookup},
	{"LookupMissing", testPrincipalLookupMissing},
	{"DuplicateName", testPrincipalDuplicateName},
	{"ListByName", testPrincipalList},
	{"Remove", testPrincipalRemove},
	{"ReuseRemovedName", testPrincipalReuseRemovedName},
}

func newAgent(name string) *aos.Principal {
	return &aos.Principal{Kind: aos.Agent, Name: name, Department: "sales",
		TokenHash: []byte("hash of " + name), CreatedAt: minute(1)}
}

func checkPrincipal(t *testing.T, got, want *aos.Principal) {
	t.Helper()
	if got == nil {
		t.Fatalf("principal %s %q: got nil", want.Kind, want.Name)
	}
	if got.ID != want.ID || got.Kind != want.Kind || got.Name != want.Name || got.Department != want.Department {
		t.Errorf("principal = {ID:%d Kind:%s Name:%q Department:%q}, want {ID:%d Kind:%s Name:%q Department:%q}",
			got.ID, got.Kind, got.Name, got.Department, want.ID, want.Kind, want.Name, want.Department)
	}
	checkBytes(t, want.Name+" TokenHash", got.TokenHash, want.TokenHash)
	checkTime(t, want.Name+" CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTimePtr(t, want.Name+" RemovedAt", got.RemovedAt, want.RemovedAt)
}

func testPrincipalCreateAndLookup(t *testing.T, s aos.Store) {
	owner := &aos.Principal{Kind: aos.Owner, Name: "owner", TokenHash: []byte("owner hash"), CreatedAt: minute(0)}
	agent := newAgent("scout")
	auditor := &aos.Principal{Kind: aos.Auditor, Name: "scout", TokenHash: []byte("auditor hash"), CreatedAt: minute(2)}
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, p := range []*aos.Principal{owner, agent, auditor} {
			if err := tx.CreatePrincipal(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if owner.ID == 0 || agent.ID == 0 || auditor.ID == 0 ||
		owner.ID == agent.ID || agent.ID == auditor.ID || owner.ID == auditor.ID {
		t.Fatalf("IDs %d, %d, %d: want distinct and non-zero", owner.ID, agent.ID, auditor.ID)
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, want := range []*aos.Principal{owner, agent, auditor} {
			got, err := tx.PrincipalByName(ctx, want.Kind, want.Name)
			if err != nil {
				t.Fatalf("PrincipalByName(%s, %q): %v", want.Kind, want.Name, err)
			}
			checkPrincipal(t, got, want)
			got, err = tx.PrincipalByTokenHash(ctx, want.TokenHash)
			if err != nil {
				t.Fatalf("PrincipalByTokenHash(%q): %v", want.TokenHash, err)
			}
			checkPrincipal(t, got, want)
		}
		return nil
	})
}

func testPrincipalLookupMissing(t *testing.T, s aos.Store) {
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		return tx.CreatePrincipal(ctx, newAgent("scout"))
	})
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.PrincipalByName(ctx, aos.Agent, "nobody")
		wantCode(t, "PrincipalByName(unknown name)", err, aos.ENotFound)
		_, err = tx.PrincipalByName(ctx, aos.Auditor, "scout")
		wantCode(t, "PrincipalByName(other kind)", err, aos.ENotFound)
		_, err = tx.PrincipalByTokenHash(ctx, []byte("unknown hash"))
		wantCode(t, "PrincipalByTokenHash(unknown)", err, aos.ENotFound)
		return nil
	})
}

func testPrincipalDuplicateName(t *testing.T, s aos.Store) {
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		return tx.CreatePrincipal(ctx, newAgent("scout"))
	})
	err := s.Update(t.Context(), func(tx aos.Tx) error {
		p := newAgent("scout")
		p.TokenHash = []byte("another hash")
		return tx.CreatePrincipal(t.Context(), p)
	})
	wantCode(t, "CreatePrincipal(duplicate agent name)", err, aos.EConflict)
	// The same name is free for another kind.
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		return tx.CreatePrincipal(ctx, &aos.Principal{Kind: aos.Auditor, Name: "scout",
			TokenHash: []byte("auditor hash"), CreatedAt: minute(3)})
	})
}

func testPrincipalList(t *testing.T, s aos.Store) {
	var agents []*aos.Principal
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, name := range []string{"carol", "alice", "bob", "dave"} {
			p := newAgent(name)
			if err := tx.CreatePrincipal(ctx, p); err != nil {
				return err
			}
			agents = append(agents, p)
		}
		owner := &aos.Principal{Kind: aos.Owner, Name: "owner", TokenHash: []byte("owner hash"), CreatedAt: minute(0)}
		if err := tx.CreatePrincipal(ctx, owner); err != nil {
			return err
		}
		return tx.RemovePrincipal(ctx, agents[3].ID, minute(9)) // dave
	})
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		list, err := tx.ListPrincipals(ctx, aos.Agent)
		if err != nil {
			return err
		}
		want := []*aos.Principal{agents[1], agents[2], agents[0]} // alice, bob, carol
		if len(list) != len(want) {
			t.Fatalf("ListPrincipals(agent) returned %d principals, want %d", len(list), len(want))
		}
		for i := range want {
			checkPrincipal(t, list[i], want[i])
		}
		all, err := tx.ListPrincipals(ctx, "")
		if err != nil {
			return err
		}
		var names []string
		for _, p := range all {
			names = append(names, p.Name)
		}
		if got, want := names, []string{"alice", "bob", "carol", "owner"}; !slices.Equal(got, want) {
			t.Errorf("ListPrincipals(\"\") = %q, want %q", got, want)
		}
		return nil
	})
}

func testPrincipalRemove(t *testing.T, s aos.Store) {
	p := newAgent("scout")
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		if err := tx.CreatePrincipal(ctx, p); err != nil {
			return err
		}
		return tx.RemovePrincipal(ctx, p.ID, minute(5))
	})
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.PrincipalByName(ctx, aos.Agent, "scout")
		wantCode(t, "PrincipalByName(removed)", err, aos.ENotFound)
		_, err = tx.PrincipalByTokenHash(ctx, p.TokenHash)
		wantCode(t, "PrincipalByTokenHash(removed)", err, aos.ENotFound)
		list, err := tx.ListPrincipals(ctx, aos.Agent)
		if err != nil {
			return err
		}
		if len(list) != 0 {
			t.Errorf("ListPrincipals after removal returned %d principals, want 0", len(list))
		}
		return nil
	})
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.RemovePrincipal(t.Context(), p.ID, minute(6)) })
	wantCode(t, "RemovePrincipal(already removed)", err, aos.ENotFound)
	err = s.Update(t.Context(), func(tx aos.Tx) error { return tx.RemovePrincipal(t.Context(), p.ID+1000, minute(6)) })
	wantCode(t, "RemovePrincipal(unknown ID)", err, aos.ENotFound)
}

func testPrincipalReuseRemovedName(t *testing.T, s aos.Store) {
	old := newAgent("scout")
	renewed := newAgent("scout")
	renewed.TokenHash = []byte("new hash")
	renewed.Department = "support"
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		if err := tx.CreatePrincipal(ctx, old); err != nil {
			return err
		}
		return tx.RemovePrincipal(ctx, old.ID, minute(5))
	})
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		return tx.CreatePrincipal(ctx, renewed)
	})
	if renewed.ID == old.ID {
		t.Fatalf("new agent got the removed agent's ID %d", old.ID)
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.PrincipalByName(ctx, aos.Agent, "scout")
		if err != nil {
			return err
		}
		checkPrincipal(t, got, renewed)
		_, err = tx.PrincipalByTokenHash(ctx, old.TokenHash)
		wantCode(t, "PrincipalByTokenHash(removed agent's token)", err, aos.ENotFound)
		return nil
	})
}
