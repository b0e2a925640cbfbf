-- What the flow map needs to follow one customer's data: the resource each
-- fingerprint was last read from, the source and destination resources of
-- each flow, and the keyed fingerprints (MACs, never values) of the
-- customer data each flow carried. Resources are kept with any segment
-- that holds customer data replaced.
ALTER TABLE fingerprints ADD COLUMN resource text NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN source_resource text NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN resource text NOT NULL DEFAULT '';

CREATE TABLE flow_subjects (
	mac     bytea NOT NULL CHECK (length(mac) > 0),
	flow_id text COLLATE "C" NOT NULL REFERENCES flows (id),
	PRIMARY KEY (mac, flow_id)
);
