package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/store/storecheck"
)

// AddSpend records money that moved. Every call adds a row, so two identical
// moves count twice. It returns EBadRequest for a negative amount: a refund
// or discount is money moving too, recorded as a positive amount, and a
// negative one would lift the rolling cap.
func (t *tx) AddSpend(ctx context.Context, s aos.Spend) error {
	if err := t.writable("add spend", storecheck.Spend(s)); err != nil {
		return err
	}
	var enc encoder
	args := []any{enc.time("at", s.At), s.AmountUSD, s.Connection, s.ApprovalID}
	if enc.err != nil {
		return enc.err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO spends (at, amount_usd, connection, approval_id)
		VALUES (?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: add spend: %w", err)
	}
	return nil
}

// SpentSince returns the sum, in US cents, of the spends with At strictly
// after since: a spend exactly at since is outside the window. It returns 0
// when there are none.
func (t *tx) SpentSince(ctx context.Context, since time.Time) (int64, error) {
	var enc encoder
	after := enc.time("since", since)
	if enc.err != nil {
		return 0, enc.err
	}
	var sum int64
	err := t.tx.QueryRowContext(ctx, `SELECT coalesce(sum(amount_usd), 0) FROM spends WHERE at > ?`, after).Scan(&sum)
	if err != nil {
		return 0, fmt.Errorf("sqlite: spent since: %w", err)
	}
	return sum, nil
}
