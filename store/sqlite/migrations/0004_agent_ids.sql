-- Grants to an agent are bound to the agent's principal ID, not its name: a
-- removed agent's name can be given to a new agent, who must not inherit the
-- old one's grants. grantee keeps the name, for display and evidence.
ALTER TABLE grants ADD COLUMN grantee_id INTEGER NOT NULL DEFAULT 0;

-- An existing grant to "agent:NAME" is bound to the agent that held NAME
-- when the grant was made: the latest agent of that name created by then
-- (granting needs a live agent, and names are unique among live ones). If
-- that agent has since been removed, the grant stays bound to it and so never
-- applies again, to a later agent of the name or anyone else; with no such
-- agent at all it keeps 0, which matches nobody. Nothing is revoked here: a
-- revocation is a state change the evidence trail must explain, and a
-- migration writes no evidence.
UPDATE grants SET grantee_id = coalesce((
	SELECT max(p.id) FROM principals p
	WHERE p.kind = 'agent' AND p.name = substr(grants.grantee, 7) AND p.created_at <= grants.created_at
), 0)
WHERE substr(grantee, 1, 6) = 'agent:';

-- For what an agent holds when it is removed: its grants and its held calls.
CREATE INDEX grants_grantee ON grants (grantee_id) WHERE grantee_id <> 0;
CREATE INDEX approvals_requester ON approvals (requester_id, status);
