package storetest

import (
	"context"
	"maps"
	"testing"

	"github.com/aos-dev/aos"
)

// stateCases cover the listings that verify reads to compare the stored
// state with the state the evidence log builds.
var stateCases = []testCase{
	{"AllPrincipalsIncludesRemoved", testAllPrincipals},
	{"ListSettings", testListSettings},
}

func testAllPrincipals(t *testing.T, s aos.Store) {
	owner := &aos.Principal{Kind: aos.Owner, Name: "owner", TokenHash: []byte("owner hash"), CreatedAt: minute(0)}
	gone, scout := newAgent("gone"), newAgent("scout")
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, p := range []*aos.Principal{owner, gone, scout} {
			if err := tx.CreatePrincipal(ctx, p); err != nil {
				return err
			}
		}
		return tx.RemovePrincipal(ctx, gone.ID, minute(5))
	})
	removedAt := minute(5)
	gone.RemovedAt = &removedAt
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		ps, err := tx.AllPrincipals(ctx)
		if err != nil {
			return err
		}
		want := []*aos.Principal{owner, gone, scout}
		if len(ps) != len(want) {
			t.Fatalf("AllPrincipals returned %d principals, want %d (removed ones too)", len(ps), len(want))
		}
		for i := range want {
			checkPrincipal(t, ps[i], want[i])
		}
		return nil
	})
}

func testListSettings(t *testing.T, s aos.Store) {
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.ListSettings(ctx)
		if err != nil {
			return err
		}
		if len(got) != 0 {
			t.Errorf("ListSettings on an empty store = %v, want none", got)
		}
		return nil
	})
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for k, v := range map[string]string{"caps": "1", "empty": "", "vault.key_check": "abc"} {
			if err := tx.PutSetting(ctx, k, v); err != nil {
				return err
			}
		}
		return tx.PutSetting(ctx, "caps", "2")
	})
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.ListSettings(ctx)
		if err != nil {
			return err
		}
		want := map[string]string{"caps": "2", "empty": "", "vault.key_check": "abc"}
		if !maps.Equal(got, want) {
			t.Errorf("ListSettings = %v, want %v", got, want)
		}
		return nil
	})
}
