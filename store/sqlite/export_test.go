package sqlite

// Queries whose plans the external tests check.
var (
	PendingByDigest         = pendingByDigest
	CountPendingOfRequester = countPendingOfRequester
)
