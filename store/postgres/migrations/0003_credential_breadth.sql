-- What a credential really allows, as its connector learned from the
-- upstream at connect time; mirrors sqlite/migrations/0003. All three stay
-- NULL for a credential never inspected.

-- JSON text (aos.CredentialInfo); NULL when not inspected or it failed.
ALTER TABLE credentials ADD COLUMN breadth text;
-- When the inspection ran, successful or not.
ALTER TABLE credentials ADD COLUMN inspected_at timestamptz;
-- The code and message of a failed inspection; never the secret.
ALTER TABLE credentials ADD COLUMN inspect_error text;
