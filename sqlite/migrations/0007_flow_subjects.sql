-- What the flow map needs to follow one customer's data: the destination
-- resource of each flow, and the keyed fingerprints (MACs, never values) of
-- the customer data each flow carried.
ALTER TABLE flows ADD COLUMN resource TEXT NOT NULL DEFAULT '';

CREATE TABLE flow_subjects (
	mac     BLOB NOT NULL CHECK (length(mac) > 0),
	flow_id TEXT NOT NULL REFERENCES flows (id),
	PRIMARY KEY (mac, flow_id)
) STRICT, WITHOUT ROWID;
