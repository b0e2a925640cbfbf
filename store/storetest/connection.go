package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/aos-dev/aos"
)

var connectionCases = []testCase{
	{"CreateAndLookup", testConnectionCreateAndLookup},
	{"LookupMissing", testConnectionLookupMissing},
	{"DuplicateName", testConnectionDuplicateName},
	{"Update", testConnectionUpdate},
	{"UpdateMissing", testConnectionUpdateMissing},
	{"UpdateToTakenName", testConnectionUpdateToTakenName},
	{"ListByName", testConnectionList},
}

func newConnection(name string) *aos.Connection {
	return &aos.Connection{Name: name, Type: "http", BaseURL: "https://" + name + ".example",
		Auth: "header:X-Api-Key", HoldsCustomerData: true,
		Config: []byte(`{"operations":[{"name":"GET"}]}`), CreatedAt: minute(1)}
}

// createConnection stores a new connection with the name and returns it.
func createConnection(t *testing.T, s aos.Store, name string) *aos.Connection {
	t.Helper()
	c := newConnection(name)
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.CreateConnection(ctx, c) })
	return c
}

func checkConnection(t *testing.T, got, want *aos.Connection) {
	t.Helper()
	if got == nil {
		t.Fatalf("connection %q: got nil", want.Name)
	}
	if got.ID != want.ID || got.Name != want.Name || got.Type != want.Type || got.BaseURL != want.BaseURL ||
		got.Auth != want.Auth || got.HoldsCustomerData != want.HoldsCustomerData {
		t.Errorf("connection = {ID:%d Name:%q Type:%q BaseURL:%q Auth:%q HoldsCustomerData:%v}, "+
			"want {ID:%d Name:%q Type:%q BaseURL:%q Auth:%q HoldsCustomerData:%v}",
			got.ID, got.Name, got.Type, got.BaseURL, got.Auth, got.HoldsCustomerData,
			want.ID, want.Name, want.Type, want.BaseURL, want.Auth, want.HoldsCustomerData)
	}
	checkBytes(t, want.Name+" Config", got.Config, want.Config)
	checkTime(t, want.Name+" CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTimePtr(t, want.Name+" DisconnectedAt", got.DisconnectedAt, want.DisconnectedAt)
}

func testConnectionCreateAndLookup(t *testing.T, s aos.Store) {
	c := createConnection(t, s, "crm")
	plain := &aos.Connection{Name: "repo", Type: "github", CreatedAt: minute(2)}
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.CreateConnection(ctx, plain) })
	if c.ID == 0 || plain.ID == 0 || c.ID == plain.ID {
		t.Fatalf("IDs %d, %d: want distinct and non-zero", c.ID, plain.ID)
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, want := range []*aos.Connection{c, plain} {
			got, err := tx.ConnectionByName(ctx, want.Name)
			if err != nil {
				return err
			}
			checkConnection(t, got, want)
		}
		return nil
	})
}

func testConnectionLookupMissing(t *testing.T, s aos.Store) {
	createConnection(t, s, "crm")
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		_, err := tx.ConnectionByName(ctx, "nothing")
		wantCode(t, "ConnectionByName(unknown)", err, aos.ENotFound)
		return nil
	})
}

func testConnectionDuplicateName(t *testing.T, s aos.Store) {
	c := createConnection(t, s, "crm")
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.CreateConnection(t.Context(), newConnection("crm")) })
	wantCode(t, "CreateConnection(duplicate)", err, aos.EConflict)

	// A disconnected connection keeps its name.
	c.DisconnectedAt = new(minute(5))
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateConnection(ctx, c) })
	err = s.Update(t.Context(), func(tx aos.Tx) error { return tx.CreateConnection(t.Context(), newConnection("crm")) })
	wantCode(t, "CreateConnection(name of a disconnected connection)", err, aos.EConflict)
}

func testConnectionUpdate(t *testing.T, s aos.Store) {
	c := createConnection(t, s, "crm")
	c.BaseURL = "https://crm.internal.example"
	c.Auth = "bearer"
	c.HoldsCustomerData = false
	c.Config = []byte(`{"operations":[]}`)
	c.DisconnectedAt = new(minute(7))
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateConnection(ctx, c) })
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.ConnectionByName(ctx, "crm")
		if err != nil {
			return err
		}
		checkConnection(t, got, c)
		return nil
	})

	// Reconnecting clears DisconnectedAt.
	c.DisconnectedAt = nil
	update(t, s, func(ctx context.Context, tx aos.Tx) error { return tx.UpdateConnection(ctx, c) })
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		got, err := tx.ConnectionByName(ctx, "crm")
		if err != nil {
			return err
		}
		checkConnection(t, got, c)
		if !got.Connected() {
			t.Errorf("reconnected connection is not Connected")
		}
		return nil
	})
}

func testConnectionUpdateMissing(t *testing.T, s aos.Store) {
	c := createConnection(t, s, "crm")
	missing := newConnection("other")
	missing.ID = c.ID + 1000
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.UpdateConnection(t.Context(), missing) })
	wantCode(t, "UpdateConnection(unknown ID)", err, aos.ENotFound)
}

func testConnectionUpdateToTakenName(t *testing.T, s aos.Store) {
	createConnection(t, s, "crm")
	mail := createConnection(t, s, "mail")
	mail.Name = "crm"
	err := s.Update(t.Context(), func(tx aos.Tx) error { return tx.UpdateConnection(t.Context(), mail) })
	wantCode(t, "UpdateConnection(to a taken name)", err, aos.EConflict)
}

func testConnectionList(t *testing.T, s aos.Store) {
	for _, name := range []string{"stripe", "crm", "mail"} {
		createConnection(t, s, name)
	}
	view(t, s, func(ctx context.Context, tx aos.Tx) error {
		list, err := tx.ListConnections(ctx)
		if err != nil {
			return err
		}
		var names []string
		for _, c := range list {
			names = append(names, c.Name)
		}
		if want := []string{"crm", "mail", "stripe"}; !slices.Equal(names, want) {
			t.Errorf("ListConnections = %q, want %q", names, want)
		}
		return nil
	})
}
