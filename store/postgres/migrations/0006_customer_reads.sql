-- Customer data agents received from connections that hold it: one row per
-- answer, with how many customers it carried. The gateway sums an agent's
-- reads from a connection over a rolling window, so that a bulk read taken
-- page by page is held like one taken at once.
CREATE TABLE customer_reads (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	agent_id      bigint NOT NULL,
	connection_id bigint NOT NULL,
	at            timestamptz NOT NULL,
	customers     bigint NOT NULL CHECK (customers >= 0)
);

CREATE INDEX customer_reads_agent ON customer_reads (agent_id, connection_id, at);
