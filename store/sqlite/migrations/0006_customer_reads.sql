-- Customer data agents received from connections that hold it: one row per
-- answer, with how many customers it carried. The gateway sums an agent's
-- reads from a connection over a rolling window, so that a bulk read taken
-- page by page is held like one taken at once.
CREATE TABLE customer_reads (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	agent_id      INTEGER NOT NULL,
	connection_id INTEGER NOT NULL,
	at            TEXT NOT NULL,
	customers     INTEGER NOT NULL CHECK (customers >= 0)
) STRICT;

CREATE INDEX customer_reads_agent ON customer_reads (agent_id, connection_id, at);
