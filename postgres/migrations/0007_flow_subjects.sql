-- What the flow map needs to follow one customer's data: the destination
-- resource of each flow, and the keyed fingerprints (MACs, never values) of
-- the customer data each flow carried.
ALTER TABLE flows ADD COLUMN resource text NOT NULL DEFAULT '';

CREATE TABLE flow_subjects (
	mac     bytea NOT NULL CHECK (length(mac) > 0),
	flow_id text COLLATE "C" NOT NULL REFERENCES flows (id),
	PRIMARY KEY (mac, flow_id)
);
