-- Approvals and what the approval points keep track of: the money ledger for
-- the rolling weekly cap, the fingerprints of customer data seen coming out of
-- systems of record, and the flows of customer data. Times are stored as in
-- 0001_init.sql; lists and facts are JSON text.

-- A held call (or redaction). The names and IDs it refers to (requester,
-- connection, grant, evidence entries) are kept as the caller wrote them, with
-- no foreign key: an approval records what was held, and a redaction has no
-- connection at all.
CREATE TABLE approvals (
	id                 TEXT PRIMARY KEY CHECK (id <> ''),
	kind               TEXT NOT NULL CHECK (kind IN ('call', 'redaction')),
	points             TEXT NOT NULL, -- JSON array of approval points
	status             TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'executed', 'failed')),
	requester          TEXT NOT NULL DEFAULT '',
	requester_id       INTEGER NOT NULL DEFAULT 0,
	connection         TEXT NOT NULL DEFAULT '',
	connection_id      INTEGER NOT NULL DEFAULT 0,
	grant_id           TEXT NOT NULL DEFAULT '',
	credential_version INTEGER NOT NULL DEFAULT 0,
	operation          TEXT NOT NULL DEFAULT '',
	access             TEXT NOT NULL DEFAULT '',
	resource           TEXT NOT NULL DEFAULT '',
	summary            TEXT NOT NULL DEFAULT '',
	facts              TEXT NOT NULL, -- JSON object (aos.Facts)
	reasons            TEXT NOT NULL, -- JSON array of strings
	request            BLOB, -- sealed by the vault
	digest             TEXT NOT NULL DEFAULT '',
	redact_entry       INTEGER NOT NULL DEFAULT 0,
	purpose            TEXT NOT NULL DEFAULT '',
	recommendation     TEXT NOT NULL DEFAULT '',
	alternatives       TEXT NOT NULL, -- JSON array of strings
	created_at         TEXT NOT NULL,
	expires_at         TEXT NOT NULL,
	decided_at         TEXT,
	decider            TEXT NOT NULL DEFAULT '',
	reason             TEXT NOT NULL DEFAULT '',
	executed_at        TEXT,
	result             BLOB, -- sealed by the vault
	result_status      INTEGER NOT NULL DEFAULT 0,
	error              TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX approvals_created ON approvals (created_at, id);
-- For the inbox (pending) and the expiry sweep (pending, expired by now).
CREATE INDEX approvals_status ON approvals (status, expires_at);

-- Money that moved, in US cents. Rows are only ever added; two identical
-- moves are two rows.
CREATE TABLE spends (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	at          TEXT NOT NULL,
	amount_usd  INTEGER NOT NULL CHECK (amount_usd >= 0),
	connection  TEXT NOT NULL DEFAULT '',
	approval_id TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX spends_at ON spends (at);

-- Keyed hashes of customer data, one row per value and connection it came
-- out of. The value itself is never kept.
CREATE TABLE fingerprints (
	mac           BLOB NOT NULL CHECK (length(mac) > 0),
	connection_id INTEGER NOT NULL REFERENCES connections (id),
	category      TEXT NOT NULL,
	first_seen    TEXT NOT NULL,
	last_seen     TEXT NOT NULL,
	PRIMARY KEY (mac, connection_id)
) STRICT, WITHOUT ROWID;

-- Customer data moving from a source to a destination. source and
-- destination are names as the caller wrote them; entry is the evidence entry
-- that recorded the flow.
CREATE TABLE flows (
	id          TEXT PRIMARY KEY CHECK (id <> ''),
	source      TEXT NOT NULL,
	destination TEXT NOT NULL,
	categories  TEXT NOT NULL, -- JSON array of strings
	count       INTEGER NOT NULL DEFAULT 0,
	at          TEXT NOT NULL,
	approval_id TEXT NOT NULL DEFAULT '',
	entry       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX flows_at ON flows (at, id);
