package github

import (
	"encoding/json"
	"strings"
)

// The files under .github decide what runs with the repository's secrets
// and who must approve: workflows (.github/workflows), the local actions
// they call, CODEOWNERS, Dependabot's settings. A workflow runs from the
// branch it is pushed to (on: push), so a write there is production on
// any branch, not only the default one. What cannot be read counts as
// under .github.

// dotGitHubWrites are the operations that write files by path, with how
// to tell whether a request writes under .github.
var dotGitHubWrites = map[string]func(params map[string]string, body []byte) bool{
	"repos.create-or-update-file-contents": pathParamUnderDotGitHub,
	"repos.delete-file":                    pathParamUnderDotGitHub,
	"git.create-tree":                      treeUnderDotGitHub,
}

// underDotGitHub reports whether a repository path is under .github, or
// may be: its first segment is .github in any case (a server on a
// case-insensitive store may not tell them apart), or it climbs (".."
// anywhere), or has no segments. Empty and "." segments and backslashes are read as
// Git's and Windows' tools would: skipped, and as '/'.
func underDotGitHub(path string) bool {
	first := ""
	for seg := range strings.SplitSeq(strings.ReplaceAll(path, `\`, "/"), "/") {
		switch {
		case seg == "..":
			return true
		case first == "" && seg != "" && seg != ".":
			first = seg
		}
	}
	return first == "" || strings.EqualFold(first, ".github")
}

func pathParamUnderDotGitHub(params map[string]string, _ []byte) bool {
	return underDotGitHub(params["path"])
}

// treeUnderDotGitHub reads the entries of a new tree: {"tree": [{"path":
// ...}, ...]}. Any entry under .github, or a body whose entries cannot be
// read, counts.
func treeUnderDotGitHub(_ map[string]string, body []byte) bool {
	m, ok := fields(body, "tree")
	if !ok {
		return true
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(m["tree"], &entries); err != nil {
		return true
	}
	for _, raw := range entries {
		e, ok := fields(raw, "path")
		if !ok {
			return true
		}
		p, st := stringField(e, "path")
		if st != present || underDotGitHub(p) {
			return true
		}
	}
	return false
}
