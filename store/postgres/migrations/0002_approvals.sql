-- Approvals, the money ledger, fingerprints of customer data and flows,
-- mirroring sqlite/migrations/0002_approvals.sql. Lists and facts are JSON
-- text, kept byte for byte as encoded (jsonb would reject a \u0000 escape).

-- A held call (or redaction). The names and IDs it refers to are kept as the
-- caller wrote them, with no foreign key: an approval records what was held,
-- and a redaction has no connection at all.
CREATE TABLE approvals (
	id                 text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
	kind               text NOT NULL CHECK (kind IN ('call', 'redaction')),
	points             text NOT NULL, -- JSON array of approval points
	status             text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'executed', 'failed')),
	requester          text NOT NULL DEFAULT '',
	requester_id       bigint NOT NULL DEFAULT 0,
	connection         text NOT NULL DEFAULT '',
	connection_id      bigint NOT NULL DEFAULT 0,
	grant_id           text NOT NULL DEFAULT '',
	credential_version bigint NOT NULL DEFAULT 0,
	operation          text NOT NULL DEFAULT '',
	access             text NOT NULL DEFAULT '',
	resource           text NOT NULL DEFAULT '',
	summary            text NOT NULL DEFAULT '',
	facts              text NOT NULL, -- JSON object (aos.Facts)
	reasons            text NOT NULL, -- JSON array of strings
	request            bytea, -- sealed by the vault
	digest             text NOT NULL DEFAULT '',
	redact_entry       bigint NOT NULL DEFAULT 0,
	purpose            text NOT NULL DEFAULT '',
	recommendation     text NOT NULL DEFAULT '',
	alternatives       text NOT NULL, -- JSON array of strings
	created_at         timestamptz NOT NULL,
	expires_at         timestamptz NOT NULL,
	decided_at         timestamptz,
	decider            text NOT NULL DEFAULT '',
	reason             text NOT NULL DEFAULT '',
	executed_at        timestamptz,
	result             bytea, -- sealed by the vault
	result_status      bigint NOT NULL DEFAULT 0,
	error              text NOT NULL DEFAULT ''
);

CREATE INDEX approvals_created ON approvals (created_at, id);
-- For the inbox (pending) and the expiry sweep (pending, expired by now).
CREATE INDEX approvals_status ON approvals (status, expires_at);

-- Money that moved, in US cents. Rows are only ever added.
CREATE TABLE spends (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at          timestamptz NOT NULL,
	amount_usd  bigint NOT NULL CHECK (amount_usd >= 0),
	connection  text NOT NULL DEFAULT '',
	approval_id text NOT NULL DEFAULT ''
);

CREATE INDEX spends_at ON spends (at);

-- Keyed hashes of customer data, one row per value and connection it came
-- out of. The value itself is never kept.
CREATE TABLE fingerprints (
	mac           bytea NOT NULL CHECK (length(mac) > 0),
	connection_id bigint NOT NULL REFERENCES connections (id),
	category      text NOT NULL,
	first_seen    timestamptz NOT NULL,
	last_seen     timestamptz NOT NULL,
	PRIMARY KEY (mac, connection_id)
);

-- Customer data moving from a source to a destination.
CREATE TABLE flows (
	id          text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
	source      text NOT NULL,
	destination text NOT NULL,
	categories  text NOT NULL, -- JSON array of strings
	count       bigint NOT NULL DEFAULT 0,
	at          timestamptz NOT NULL,
	approval_id text NOT NULL DEFAULT '',
	entry       bigint NOT NULL DEFAULT 0
);

CREATE INDEX flows_at ON flows (at, id);
