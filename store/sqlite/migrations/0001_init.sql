-- The initial schema. Times are UTC text in the fixed-width layout
-- 2006-01-02T15:04:05.000000000Z, so they round-trip to the nanosecond and
-- sort as text. Domain tables are STRICT; the evidence tables are deliberately
-- plain so that tests can tamper with them in SQL.

CREATE TABLE principals (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       TEXT NOT NULL CHECK (kind IN ('owner', 'agent', 'auditor')),
	name       TEXT NOT NULL CHECK (name <> ''),
	department TEXT NOT NULL DEFAULT '',
	token_hash BLOB, -- NULL when the principal has no token
	created_at TEXT NOT NULL,
	removed_at TEXT
) STRICT;

-- Names are unique per kind among principals not removed, so a removed
-- agent's name can be given to a new agent.
CREATE UNIQUE INDEX principals_active_name ON principals (kind, name) WHERE removed_at IS NULL;
-- A token identifies at most one active principal.
CREATE UNIQUE INDEX principals_active_token ON principals (token_hash) WHERE removed_at IS NULL;

CREATE TABLE connections (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	name                TEXT NOT NULL UNIQUE CHECK (name <> ''),
	type                TEXT NOT NULL,
	base_url            TEXT NOT NULL DEFAULT '',
	auth                TEXT NOT NULL DEFAULT '',
	holds_customer_data INTEGER NOT NULL DEFAULT 0 CHECK (holds_customer_data IN (0, 1)),
	config              BLOB,
	created_at          TEXT NOT NULL,
	disconnected_at     TEXT
) STRICT;

CREATE TABLE credentials (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	connection_id   INTEGER NOT NULL REFERENCES connections (id),
	version         INTEGER NOT NULL,
	sealed          BLOB,
	status          TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'exposed')),
	fingerprint     TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	rotated_at      TEXT,
	last_used_at    TEXT,
	rotation_period INTEGER NOT NULL DEFAULT 0, -- nanoseconds
	UNIQUE (connection_id, version)
) STRICT;

-- At most one version per connection is active.
CREATE UNIQUE INDEX credentials_one_active ON credentials (connection_id) WHERE status = 'active';

CREATE TABLE grants (
	id            TEXT PRIMARY KEY CHECK (id <> ''),
	connection_id INTEGER NOT NULL REFERENCES connections (id),
	scope         TEXT NOT NULL,
	access        TEXT NOT NULL CHECK (access IN ('read', 'write')),
	grantee       TEXT NOT NULL DEFAULT '',
	expires_at    TEXT,
	mission       TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	revoked_at    TEXT,
	revoked_by    TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX grants_created ON grants (created_at, id);
CREATE INDEX grants_connection ON grants (connection_id);
CREATE INDEX grants_mission ON grants (mission) WHERE mission <> '';

CREATE TABLE settings (
	key   TEXT PRIMARY KEY CHECK (key <> ''),
	value TEXT NOT NULL
) STRICT;

-- The evidence log. idx is the entry's index in the Merkle tree.
CREATE TABLE evidence_entries (
	idx         INTEGER PRIMARY KEY CHECK (idx >= 0),
	leaf        BLOB NOT NULL,
	salt        BLOB,
	payload     BLOB,
	redacted_at TEXT
);

-- Stored hashes of the tree, by tlog storage index.
CREATE TABLE evidence_hashes (
	id   INTEGER PRIMARY KEY CHECK (id >= 0),
	hash BLOB NOT NULL
);

-- Signed checkpoints (C2SP signed notes), by tree size.
CREATE TABLE evidence_checkpoints (
	size   INTEGER PRIMARY KEY CHECK (size >= 0),
	signed BLOB NOT NULL
);

-- The log head: exactly one row, the number of entries appended.
CREATE TABLE evidence_head (
	size INTEGER NOT NULL CHECK (size >= 0)
);
INSERT INTO evidence_head (size) VALUES (0);
