package main

import "regexp"

// families are the operationId prefixes the table covers. Together they
// hold well under opdef.MaxOperations operations.
var families = map[string]bool{
	"actions": true, "activity": true, "checks": true, "code-scanning": true, "codespaces": true,
	"dependabot": true, "git": true, "issues": true, "meta": true, "orgs": true, "pulls": true,
	"rate-limit": true, "reactions": true, "repos": true, "search": true, "secret-scanning": true,
	"teams": true, "users": true,
}

// extras are requests that clients send but the description does not
// list: Octokit asks for the root folder with an empty path, which it
// writes as ".../contents/" (and some clients as ".../contents").
var extras = []op{
	{name: "repos.get-content-root", method: "GET", path: "/repos/{owner}/{repo}/contents", access: "read"},
	{name: "repos.get-content-root-slash", method: "GET", path: "/repos/{owner}/{repo}/contents/", access: "read"},
}

// conditional are the operations whose points the connector's code
// raises from the request (connector/github/facts.go), each with the
// note written beside it in the table. The table lists the point so that
// the policy knows the operation can raise it; when the code cannot read
// what it needs, the point is raised.
var conditional = map[string]struct {
	point, note string
}{
	"pulls.merge":                          {"production", "unless the pull request's base is proven not to be the default branch"},
	"pulls.merge-async":                    {"production", "unless the pull request's base is proven not to be the default branch"},
	"pulls.update-branch":                  {"production", "unless the pull request's head is proven not to be the default branch"},
	"git.create-ref":                       {"production", "when the ref is a branch not proven to be other than the default branch"},
	"git.update-ref":                       {"production", "when the ref is a branch not proven to be other than the default branch"},
	"git.delete-ref":                       {"production", "when the ref is a branch not proven to be other than the default branch"},
	"repos.create-or-update-file-contents": {"production", "when the file is under .github (workflows, actions, CODEOWNERS), when no branch is given, or the branch is not proven to be other than the default"},
	"repos.delete-file":                    {"production", "when the file is under .github (workflows, actions, CODEOWNERS), when no branch is given, or the branch is not proven to be other than the default"},
	"git.create-tree":                      {"production", "when an entry's path is under .github (workflows, actions, CODEOWNERS), or the entries cannot be read"},
	"repos.merge":                          {"production", "unless the base is proven not to be the default branch"},
	"repos.merge-upstream":                 {"production", "unless the branch is proven not to be the default branch"},
	"repos.rename-branch":                  {"production", "unless the branch is proven not to be the default branch"},
	"code-scanning.commit-autofix":         {"production", "unless target_ref is proven not to be the default branch"},
	"repos.create-release":                 {"public-claim", "unless the release is a draft (draft: true)"},
	"repos.update-release":                 {"public-claim", "unless the release stays a draft (draft: true)"},
}

// repoUpdate is repos.update (PATCH /repos/{owner}/{repo}): both points,
// each raised by code from the fields the request changes.
const repoUpdate = "repos.update"

// byName are operations with a fixed point, named.
var byName = map[string]string{
	"repos.delete":                "production",
	"repos.transfer":              "production",
	"repos.create-fork":           "production",
	"repos.create-using-template": "production",
	"orgs.update":                 "production",
	"orgs.delete":                 "production",
}

// pathRule raises point on every write whose path matches re.
type pathRule struct {
	point string
	re    *regexp.Regexp
}

var pathRules = []pathRule{
	{"public-claim", regexp.MustCompile(`^/repos/\{owner\}/\{repo\}/pages(/|$)`)},
	// Branch protection, rulesets and repository security settings.
	{"production", regexp.MustCompile(`/branches/\{branch\}/protection(/|$)`)},
	{"production", regexp.MustCompile(`/rulesets(/|$)`)},
	{"production", regexp.MustCompile(`/(vulnerability-alerts|automated-security-fixes|private-vulnerability-reporting|immutable-releases)(/|$)`)},
	{"production", regexp.MustCompile(`/code-security(/|$)|^/orgs/\{org\}/\{security_product\}/\{enablement\}$`)},
	// Actions, Dependabot and Codespaces secrets, of repositories,
	// environments, organisations and the user.
	{"production", regexp.MustCompile(`/secrets(/|$)`)},
	// Webhooks.
	{"production", regexp.MustCompile(`/hooks(/|$)`)},
	// Who has access: collaborators, invitations, members, roles, teams'
	// repository permissions, tokens granted access to an organisation.
	{"production", regexp.MustCompile(`/(collaborators|outside_collaborators|invitations|repository_invitations|memberships|organization-roles|security-managers)(/|$)`)},
	{"production", regexp.MustCompile(`^/orgs/\{org\}/members/\{username\}$|^/teams/\{team_id\}/members/|/teams/\{team_(slug|id)\}/repos/`)},
	{"production", regexp.MustCompile(`/(personal-access-token-requests|personal-access-tokens|credential-authorizations)(/|$)`)},
	{"production", regexp.MustCompile(`/(dependabot/repository-access|codespaces/access)(/|$)`)},
	// Deploy keys and the user's SSH, signing and GPG keys.
	{"production", regexp.MustCompile(`/(keys|gpg_keys|ssh_signing_keys)(/|$)`)},
	// Environments and deployments, and approving a run's deployments.
	{"production", regexp.MustCompile(`^/repos/\{owner\}/\{repo\}/(environments|deployments)(/|$)`)},
	{"production", regexp.MustCompile(`/actions/runs/\{run_id\}/(pending_deployments|deployment_protection_rule)$`)},
	// Actions policy and the machines that run workflows.
	{"production", regexp.MustCompile(`/actions/(permissions|runners|runner-groups|hosted-runners|oidc)(/|$)`)},
	// Running the repository's workflows, which hold its deploy secrets:
	// dispatching one (or a repository_dispatch event), enabling one,
	// re-running a run or a job, approving a fork's run, re-requesting a
	// check suite or run (which re-runs the workflow behind it).
	{"production", regexp.MustCompile(`^/repos/\{owner\}/\{repo\}/dispatches$`)},
	{"production", regexp.MustCompile(`/actions/workflows/\{workflow_id\}/(dispatches|enable)$`)},
	{"production", regexp.MustCompile(`/actions/runs/\{run_id\}/(rerun|rerun-failed-jobs|approve)$|/actions/jobs/\{job_id\}/rerun$`)},
	{"production", regexp.MustCompile(`/(check-suites/\{check_suite_id\}|check-runs/\{check_run_id\})/rerequest$`)},
}

// pointsFor returns the points of a row and the note of a conditional one.
func pointsFor(o op) ([]string, string) {
	if c, ok := conditional[o.name]; ok {
		return []string{c.point}, c.note
	}
	if o.name == repoUpdate {
		return []string{"public-claim", "production"},
			"public-claim when it changes visibility or private; production when it changes default_branch, archived or security_and_analysis"
	}
	if o.access == "read" {
		return nil, ""
	}
	if p, ok := byName[o.name]; ok {
		return []string{p}, ""
	}
	seen := map[string]bool{}
	var points []string
	// In the order opdef writes them: public-claim before production.
	for _, want := range []string{"public-claim", "production"} {
		for _, r := range pathRules {
			if r.point == want && !seen[want] && r.re.MatchString(o.path) {
				seen[want] = true
				points = append(points, want)
			}
		}
	}
	return points, ""
}
