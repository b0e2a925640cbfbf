-- Pending approvals by requester and request digest, mirroring
-- sqlite/migrations/0005_pending_index.sql: a hold finds a retry of the same
-- call, and counts what an agent has waiting, from the index alone, never
-- reading the sealed requests.
CREATE INDEX approvals_pending_requester ON approvals (requester_id, digest) WHERE status = 'pending';
