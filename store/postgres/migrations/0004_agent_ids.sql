-- Grants to an agent are bound to the agent's principal ID, not its name;
-- mirrors sqlite/migrations/0004. grantee keeps the name, for display and
-- evidence.
ALTER TABLE grants ADD COLUMN grantee_id bigint NOT NULL DEFAULT 0;

-- An existing grant to "agent:NAME" is bound to the agent that held NAME
-- when the grant was made: the latest agent of that name created by then.
-- If that agent has since been removed, the grant stays bound to it and never
-- applies again; with no such agent it keeps 0, which matches nobody. Nothing
-- is revoked here: a revocation must be explained by the evidence trail, and
-- a migration writes no evidence.
UPDATE grants g SET grantee_id = coalesce((
	SELECT max(p.id) FROM principals p
	WHERE p.kind = 'agent' AND p.name = substr(g.grantee, 7) AND p.created_at <= g.created_at
), 0)
WHERE left(g.grantee, 6) = 'agent:';

-- For what an agent holds when it is removed: its grants and its held calls.
CREATE INDEX grants_grantee ON grants (grantee_id) WHERE grantee_id <> 0;
CREATE INDEX approvals_requester ON approvals (requester_id, status);
