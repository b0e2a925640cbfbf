-- Pending approvals by requester and request digest, so that a hold finds a
-- retry of the same call, and counts what an agent has waiting, from the
-- index alone: it never reads the sealed requests. Partial, so it stays as
-- small as the inbox; the queries spell out status = 'pending' to use it.
CREATE INDEX approvals_pending_requester ON approvals (requester_id, digest) WHERE status = 'pending';
