package evidence

import "time"

// Observer is told of every batch the log commits, or fails to. Its
// methods run on the committer and must be quick and must not block.
type Observer interface {
	// Batch reports one commit: the writers (Record calls) and entries
	// it held, the time it took, and the store's error if it failed.
	Batch(requests, entries int, took time.Duration, err error)
}

func (l *Log) observeBatch(requests, entries int, start time.Time, err error) {
	if l.observer != nil {
		l.observer.Batch(requests, entries, time.Since(start), err)
	}
}
