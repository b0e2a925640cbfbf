package github

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

// The default branch of a repository is not in the requests that write to
// it. The connector learns it from GitHub's own answers that pass through
// Do — a repository (GET or PATCH /repos/{owner}/{repo}, and the
// repository lists of an org, a user and the token's user) carries
// default_branch, a pull request (GET, POST, PATCH and list) its base and
// head — and keeps them per connection and repository, in memory. What is
// not known counts as the default branch (facts.go), so a fresh gateway
// holds every merge and push until the agent has read the repository; and
// before sending a write that was let through because its target is not
// the default branch, Do asks GitHub again (confirm in do.go), so an
// answer that has since gone stale never lets a push to the default
// branch through.

// maxCached bounds each map of the cache. When one is full it is emptied:
// forgetting only ever holds more calls.
const maxCached = 10000

// branchCache is what the upstream said about default branches and pull
// requests. It is safe for concurrent use.
type branchCache struct {
	mu       sync.Mutex
	defaults map[string]string   // repoKey → default branch
	pulls    map[string]pullRefs // pullKey → branches
}

// pullRefs are a pull request's base and head branches and the
// repository its head is in (a resource, "repo:owner/name").
type pullRefs struct {
	base, head, headRepo string
}

func newBranchCache() *branchCache {
	return &branchCache{defaults: map[string]string{}, pulls: map[string]pullRefs{}}
}

// repoKey names a repository of a connection. The base URL is part of it
// so that nothing learnt from one upstream is applied to another.
func repoKey(c *aos.Connection, resource string) string {
	return strconv.FormatInt(c.ID, 10) + "\x00" + c.Name + "\x00" + c.BaseURL + "\x00" + strings.ToLower(resource)
}

func (b *branchCache) defaultBranch(c *aos.Connection, resource string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.defaults[repoKey(c, resource)]
	return d, ok
}

func (b *branchCache) setDefault(c *aos.Connection, resource, branch string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.defaults) >= maxCached {
		b.defaults = map[string]string{}
	}
	b.defaults[repoKey(c, resource)] = branch
}

func (b *branchCache) forgetDefault(c *aos.Connection, resource string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.defaults, repoKey(c, resource))
}

func (b *branchCache) pull(c *aos.Connection, resource, number string) (pullRefs, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	pr, ok := b.pulls[repoKey(c, resource)+"\x00"+number]
	return pr, ok
}

func (b *branchCache) forgetPull(c *aos.Connection, resource, number string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.pulls, repoKey(c, resource)+"\x00"+number)
}

func (b *branchCache) setPull(c *aos.Connection, resource, number string, pr pullRefs) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pulls) >= maxCached {
		b.pulls = map[string]pullRefs{}
	}
	b.pulls[repoKey(c, resource)+"\x00"+number] = pr
}

// repoJSON is the part of a repository GitHub returns that is learnt.
type repoJSON struct {
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
}

// pullJSON is the part of a pull request that is learnt.
type pullJSON struct {
	Number int64 `json:"number"`
	Base   struct {
		Ref  string    `json:"ref"`
		Repo *repoJSON `json:"repo"`
	} `json:"base"`
	Head struct {
		Ref  string    `json:"ref"`
		Repo *repoJSON `json:"repo"`
	} `json:"head"`
}

// Operations whose answers teach default branches and pull requests.
var (
	repoAnswers     = map[string]bool{"repos.get": true, "repos.update": true}
	repoListAnswers = map[string]bool{
		"repos.list-for-org": true, "repos.list-for-user": true, "repos.list-for-authenticated-user": true,
	}
	pullAnswers = map[string]bool{"pulls.get": true, "pulls.create": true, "pulls.update": true}
)

// learn records what a successful answer to call says about default
// branches and pull requests. An answer about another repository than
// the one asked for (a renamed one, say) teaches nothing.
func (k *Connector) learn(c *aos.Connection, call *connector.Call, resp *connector.Response) {
	if resp == nil || resp.Status < 200 || resp.Status > 299 {
		return
	}
	name, b := call.Operation.Name, k.cache()
	switch {
	case repoAnswers[name]:
		var r repoJSON
		if json.Unmarshal(resp.Body, &r) == nil && r.DefaultBranch != "" && sameRepo(r.FullName, call.Resource) {
			b.setDefault(c, call.Resource, r.DefaultBranch)
		}
	case repoListAnswers[name]:
		var rs []repoJSON
		if json.Unmarshal(resp.Body, &rs) == nil {
			for _, r := range rs {
				if res, ok := fullNameResource(r.FullName); ok && r.DefaultBranch != "" {
					b.setDefault(c, res, r.DefaultBranch)
				}
			}
		}
	case pullAnswers[name]:
		var pr pullJSON
		if json.Unmarshal(resp.Body, &pr) == nil {
			k.learnPull(c, call.Resource, pr)
		}
	case name == "pulls.list":
		var prs []pullJSON
		if json.Unmarshal(resp.Body, &prs) == nil {
			for _, pr := range prs {
				k.learnPull(c, call.Resource, pr)
			}
		}
	case name == "repos.rename-branch":
		// If the renamed branch was the default, the default's name
		// changed with it.
		b.forgetDefault(c, call.Resource)
	}
}

func (k *Connector) learnPull(c *aos.Connection, resource string, pr pullJSON) {
	if pr.Number <= 0 || pr.Base.Ref == "" || pr.Base.Repo == nil || !sameRepo(pr.Base.Repo.FullName, resource) {
		return
	}
	refs := pullRefs{base: pr.Base.Ref, head: pr.Head.Ref}
	if pr.Head.Repo != nil {
		refs.headRepo, _ = fullNameResource(pr.Head.Repo.FullName)
	}
	k.cache().setPull(c, resource, strconv.FormatInt(pr.Number, 10), refs)
}

// fullNameResource turns "owner/name" into "repo:owner/name".
func fullNameResource(fullName string) (string, bool) {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || !validName(owner) || !validName(name) {
		return "", false
	}
	return repoResource(owner, name), true
}

func sameRepo(fullName, resource string) bool {
	r, ok := fullNameResource(fullName)
	return ok && r == resource
}
