package github

import (
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector/opdef"
)

// Where the request decides whether an approval point is reached, code
// decides; the table lists the point so that the policy knows the
// operation can raise it. Reading never fails open: a body that cannot be
// read, or a target that is not known, raises the point.

// branchTargets are the operations that write to a branch, with how to
// find it in the request. The call is production unless the branch is
// proven not to be the repository's default branch.
var branchTargets = map[string]func(k *Connector, c *aos.Connection, resource string, params map[string]string, body []byte) target{
	"pulls.merge":       pullTarget(false),
	"pulls.merge-async": pullTarget(false),
	// Updating a pull request's branch merges its base into its head.
	"pulls.update-branch":                  pullTarget(true),
	"git.create-ref":                       bodyRef("ref"),
	"git.update-ref":                       paramRef("ref"),
	"git.delete-ref":                       paramRef("ref"),
	"repos.create-or-update-file-contents": bodyBranch("branch"),
	"repos.delete-file":                    bodyBranch("branch"),
	"repos.merge":                          bodyBranch("base"),
	"repos.merge-upstream":                 bodyBranch("branch"),
	"repos.rename-branch":                  paramBranch("branch"),
	"code-scanning.commit-autofix":         bodyRef("target_ref"),
}

// Operations whose public-claim depends on the body.
const (
	createRelease = "repos.create-release"
	updateRelease = "repos.update-release"
	updateRepo    = "repos.update"
)

// target is where a write to a branch goes.
type target struct {
	branch string
	// notBranch: the ref is not a branch (a tag), so no branch changes.
	notBranch bool
	// unknown: the request does not say, or says it unreadably; the
	// default branch is assumed.
	unknown bool
}

// facts returns the facts of a request to operation d: those the table
// declares, with the points that the request decides set by code.
// Whether a write reaches the default branch is learnt from GitHub: it is
// learnt.Production when learnt is not nil (a call read again as it was
// decided on, see Reread), and what the connector knows otherwise.
func (k *Connector) facts(c *aos.Connection, d *opdef.Def, resource string, params map[string]string,
	contentType string, query string, body []byte, learnt *aos.Facts) aos.Facts {
	q, _ := url.ParseQuery(query) // checked by checkQuery
	f := d.Facts(contentType, q, body)
	name := d.Name()
	find, toBranch := branchTargets[name]
	touches, toFiles := dotGitHubWrites[name]
	if toBranch || toFiles {
		toDefault := func() bool {
			if learnt != nil {
				return learnt.Production
			}
			return k.toDefaultBranch(c, resource, find(k, c, resource, params, body))
		}
		f.Production = toBranch && toDefault() || toFiles && touches(params, body)
	}
	switch name {
	case createRelease, updateRelease:
		m, ok := fields(body, "draft")
		f.Public = !ok || !isTrue(m, "draft")
	case updateRepo:
		f.Public, f.Production = repoUpdateFacts(body)
	}
	return f
}

// toDefaultBranch reports whether a write to t may reach the default
// branch: unless t is not a branch, or it is and the default branch is
// known and is another, it may.
func (k *Connector) toDefaultBranch(c *aos.Connection, resource string, t target) bool {
	switch {
	case t.notBranch:
		return false
	case t.unknown || t.branch == "":
		return true
	}
	def, ok := k.cache().defaultBranch(c, resource)
	return !ok || sameBranch(def, t.branch)
}

// sameBranch reports whether name may name the branch def. GitHub reads a
// branch given as "refs/heads/main" or "heads/main" as main, as Git does,
// so every such reading of name is compared; and Git compares names
// exactly, but a server on a case-insensitive store may not, so a branch
// that differs only in case counts.
func sameBranch(def, name string) bool {
	for {
		if strings.EqualFold(def, name) {
			return true
		}
		switch {
		case hasPrefixFold(name, "refs/"):
			name = name[len("refs/"):]
		case hasPrefixFold(name, "heads/"):
			name = name[len("heads/"):]
		default:
			return false
		}
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// repoUpdateFacts reads PATCH /repos/{owner}/{repo}: making the
// repository public (visibility other than private or internal, or
// private other than true) is a public claim; changing its default
// branch, archiving it or its security settings is production.
func repoUpdateFacts(body []byte) (public, production bool) {
	m, ok := fields(body, "visibility", "private", "default_branch", "archived", "security_and_analysis")
	if !ok {
		return true, true
	}
	if v, st := stringField(m, "visibility"); st == badType || st == present && v != "private" && v != "internal" {
		public = true
	}
	if raw, has := m["private"]; has && string(raw) != "null" && string(raw) != "true" {
		public = true
	}
	for _, key := range []string{"default_branch", "archived", "security_and_analysis"} {
		if raw, has := m[key]; has && string(raw) != "null" {
			production = true
		}
	}
	return public, production
}

// refTarget reads a git ref: "refs/heads/x", "heads/x" or "x" name branch
// x; "refs/tags/..." and "tags/..." are not branches.
func refTarget(ref string) target {
	t := ref
	if len(t) >= 5 && strings.EqualFold(t[:5], "refs/") {
		t = t[5:]
	}
	switch {
	case t == "":
		return target{unknown: true}
	case len(t) >= 5 && strings.EqualFold(t[:5], "tags/"):
		return target{notBranch: true}
	case len(t) >= 6 && strings.EqualFold(t[:6], "heads/"):
		t = t[6:]
	}
	if t == "" {
		return target{unknown: true}
	}
	return target{branch: t}
}

func bodyRef(key string) func(*Connector, *aos.Connection, string, map[string]string, []byte) target {
	return func(_ *Connector, _ *aos.Connection, _ string, _ map[string]string, body []byte) target {
		m, ok := fields(body, key)
		if !ok {
			return target{unknown: true}
		}
		s, st := stringField(m, key)
		if st != present {
			return target{unknown: true}
		}
		return refTarget(s)
	}
}

func paramRef(name string) func(*Connector, *aos.Connection, string, map[string]string, []byte) target {
	return func(_ *Connector, _ *aos.Connection, _ string, params map[string]string, _ []byte) target {
		return refTarget(params[name])
	}
}

// bodyBranch reads a branch name from the body; without one GitHub uses
// the default branch.
func bodyBranch(key string) func(*Connector, *aos.Connection, string, map[string]string, []byte) target {
	return func(_ *Connector, _ *aos.Connection, _ string, _ map[string]string, body []byte) target {
		m, ok := fields(body, key)
		if !ok {
			return target{unknown: true}
		}
		s, st := stringField(m, key)
		if st != present || s == "" {
			return target{unknown: true}
		}
		return target{branch: s}
	}
}

func paramBranch(name string) func(*Connector, *aos.Connection, string, map[string]string, []byte) target {
	return func(_ *Connector, _ *aos.Connection, _ string, params map[string]string, _ []byte) target {
		if params[name] == "" {
			return target{unknown: true}
		}
		return target{branch: params[name]}
	}
}

// pullTarget finds the base (or, with head, the head) branch of the pull
// request in the path, as learnt from the upstream's answers. A head in
// another repository (a fork) cannot be checked here and counts as
// unknown.
func pullTarget(head bool) func(*Connector, *aos.Connection, string, map[string]string, []byte) target {
	return func(k *Connector, c *aos.Connection, resource string, params map[string]string, _ []byte) target {
		pr, ok := k.cache().pull(c, resource, params["pull_number"])
		switch {
		case !ok:
			return target{unknown: true}
		case head && pr.headRepo != resource:
			return target{unknown: true}
		case head:
			return target{branch: pr.head}
		}
		return target{branch: pr.base}
	}
}
