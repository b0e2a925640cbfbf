-- The initial schema, mirroring sqlite/migrations/0001_init.sql. Times are
-- timestamptz (microsecond precision). Names and IDs that listings sort by
-- use the "C" collation, so that they sort by bytes as in SQLite whatever the
-- database's locale. The evidence tables have no extra constraints, so that
-- tests can tamper with them in SQL.

CREATE TABLE principals (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind       text COLLATE "C" NOT NULL CHECK (kind IN ('owner', 'agent', 'auditor')),
	name       text COLLATE "C" NOT NULL CHECK (name <> ''),
	department text NOT NULL DEFAULT '',
	token_hash bytea, -- NULL when the principal has no token
	created_at timestamptz NOT NULL,
	removed_at timestamptz
);

-- Names are unique per kind among principals not removed, so a removed
-- agent's name can be given to a new agent.
CREATE UNIQUE INDEX principals_active_name ON principals (kind, name) WHERE removed_at IS NULL;
-- A token identifies at most one active principal.
CREATE UNIQUE INDEX principals_active_token ON principals (token_hash) WHERE removed_at IS NULL;

CREATE TABLE connections (
	id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name                text COLLATE "C" NOT NULL UNIQUE CHECK (name <> ''),
	type                text NOT NULL,
	base_url            text NOT NULL DEFAULT '',
	auth                text NOT NULL DEFAULT '',
	holds_customer_data boolean NOT NULL DEFAULT false,
	config              bytea,
	created_at          timestamptz NOT NULL,
	disconnected_at     timestamptz
);

CREATE TABLE credentials (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	connection_id   bigint NOT NULL REFERENCES connections (id),
	version         bigint NOT NULL,
	sealed          bytea,
	status          text NOT NULL CHECK (status IN ('active', 'revoked', 'exposed')),
	fingerprint     text NOT NULL DEFAULT '',
	created_at      timestamptz NOT NULL,
	rotated_at      timestamptz,
	last_used_at    timestamptz,
	rotation_period bigint NOT NULL DEFAULT 0, -- nanoseconds
	UNIQUE (connection_id, version)
);

-- At most one version per connection is active.
CREATE UNIQUE INDEX credentials_one_active ON credentials (connection_id) WHERE status = 'active';

CREATE TABLE grants (
	id            text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
	connection_id bigint NOT NULL REFERENCES connections (id),
	scope         text NOT NULL,
	access        text NOT NULL CHECK (access IN ('read', 'write')),
	grantee       text NOT NULL DEFAULT '',
	expires_at    timestamptz,
	mission       text NOT NULL DEFAULT '',
	created_at    timestamptz NOT NULL,
	revoked_at    timestamptz,
	revoked_by    text NOT NULL DEFAULT ''
);

CREATE INDEX grants_created ON grants (created_at, id);
CREATE INDEX grants_connection ON grants (connection_id);
CREATE INDEX grants_mission ON grants (mission) WHERE mission <> '';

CREATE TABLE settings (
	key   text PRIMARY KEY CHECK (key <> ''),
	value text NOT NULL
);

-- The evidence log. idx is the entry's index in the Merkle tree.
CREATE TABLE evidence_entries (
	idx         bigint PRIMARY KEY CHECK (idx >= 0),
	leaf        bytea NOT NULL,
	salt        bytea,
	payload     bytea,
	redacted_at timestamptz
);

-- Stored hashes of the tree, by tlog storage index.
CREATE TABLE evidence_hashes (
	id   bigint PRIMARY KEY CHECK (id >= 0),
	hash bytea NOT NULL
);

-- Signed checkpoints (C2SP signed notes), by tree size.
CREATE TABLE evidence_checkpoints (
	size   bigint PRIMARY KEY CHECK (size >= 0),
	signed bytea NOT NULL
);

-- The log head: exactly one row, the number of entries appended. Every
-- Update locks this row first (SELECT ... FOR UPDATE), which serialises
-- writers across every process sharing the database.
CREATE TABLE evidence_head (
	size bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO evidence_head (size) VALUES (0);
