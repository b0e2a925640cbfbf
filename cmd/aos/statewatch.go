package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aos-dev/aos/evidence"
)

// watchState proves the store's state against the evidence log every
// interval while the server runs, so that a store changed under a running
// server is caught without waiting for a restart. A store found changed is
// sent on tampered, once; a store that cannot be read is only logged (calls
// fail closed on their own then).
func watchState(ctx context.Context, log *evidence.Log, every time.Duration, logger *slog.Logger, tampered chan<- error) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := log.CheckState(ctx)
		switch {
		case err == nil || ctx.Err() != nil:
		case errors.Is(err, evidence.ErrTampered):
			logger.Error("the store was changed outside aos; stopping", "err", err)
			tampered <- err
			return
		default:
			logger.Warn("could not prove the store's state", "err", err)
		}
	}
}
