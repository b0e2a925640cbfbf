-- What a credential really allows, as its connector learned from the
-- upstream at connect time, so that the access review can compare it with
-- the grants that use it. All three stay NULL for a credential never
-- inspected (its connector cannot inspect, or it predates this migration).

-- JSON object (aos.CredentialInfo); NULL when not inspected or the
-- inspection failed.
ALTER TABLE credentials ADD COLUMN breadth TEXT;
-- When the inspection ran, successful or not.
ALTER TABLE credentials ADD COLUMN inspected_at TEXT;
-- The code and message of a failed inspection; never the secret.
ALTER TABLE credentials ADD COLUMN inspect_error TEXT;
