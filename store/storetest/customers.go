package storetest

import (
	"context"
	"testing"

	"github.com/aos-dev/aos"
)

var customerReadCases = []testCase{
	{"WindowByAgentAndConnection", testCustomerReadsWindow},
	{"Negative", testCustomerReadsNegative},
}

func testCustomerReadsWindow(t *testing.T, s aos.Store) {
	update(t, s, func(ctx context.Context, tx aos.Tx) error {
		for _, r := range []aos.CustomerRead{
			{AgentID: 1, ConnectionID: 7, At: minute(1), Customers: 40},
			{AgentID: 1, ConnectionID: 7, At: minute(2), Customers: 40},
			{AgentID: 1, ConnectionID: 7, At: minute(3), Customers: 40}, // identical reads count twice
			{AgentID: 1, ConnectionID: 7, At: minute(3), Customers: 0},
			{AgentID: 2, ConnectionID: 7, At: minute(3), Customers: 500}, // another agent
			{AgentID: 1, ConnectionID: 8, At: minute(3), Customers: 500}, // another connection
		} {
			if err := tx.AddCustomerRead(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tt := range []struct {
		since int
		want  int64
	}{{0, 120}, {1, 80}, {2, 40}, {3, 0}} {
		view(t, s, func(ctx context.Context, tx aos.Tx) error {
			got, err := tx.CustomerReadsSince(ctx, 1, 7, minute(tt.since))
			if err != nil {
				return err
			}
			if got != tt.want {
				t.Errorf("CustomerReadsSince(agent 1, connection 7, minute %d) = %d, want %d (strictly after)", tt.since, got, tt.want)
			}
			return nil
		})
	}
}

func testCustomerReadsNegative(t *testing.T, s aos.Store) {
	err := s.Update(context.Background(), func(tx aos.Tx) error {
		return tx.AddCustomerRead(context.Background(), aos.CustomerRead{AgentID: 1, ConnectionID: 1, At: minute(1), Customers: -1})
	})
	wantCode(t, "AddCustomerRead(negative)", err, aos.EBadRequest)
}
