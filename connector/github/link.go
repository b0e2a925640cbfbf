package github

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/aos-dev/aos/connector"
)

// GitHub pages lists with a Link header of absolute URLs on its own host,
// often in the /repositories/{id}/... form of the repository asked for
// (<https://api.github.com/repositories/1296269/issues?page=2>; rel="next").
// A client that follows them as they are would go around the gateway, and
// Octokit's paginate would send the agent's token to GitHub. So Do
// rewrites every link under the connection's base URL to a path relative
// to it, in the /repos/{owner}/{repo} form the request used when the link
// names the same listing of the same repository by id:
// </repos/acme/app/issues?page=2>; rel="next". Clients that join links to
// their base URL, as Octokit does, page through the gateway; a link
// elsewhere is left as it is.

// rewriteLinks rewrites the Link header of an answer to the request at p.
func rewriteLinks(h http.Header, ep *connector.Endpoint, p *reqPath) {
	values := h.Values("Link")
	if len(values) == 0 {
		return
	}
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = rewriteLinkValue(v, ep, p)
	}
	h["Link"] = out
}

// rewriteLinkValue rewrites each <URI> of one Link field value.
func rewriteLinkValue(v string, ep *connector.Endpoint, p *reqPath) string {
	var b strings.Builder
	for {
		start := strings.IndexByte(v, '<')
		end := strings.IndexByte(v, '>')
		if start < 0 || end < start {
			b.WriteString(v)
			return b.String()
		}
		b.WriteString(v[:start+1])
		b.WriteString(rewriteLink(v[start+1:end], ep, p))
		v = v[end:]
		b.WriteByte('>')
		v = v[1:]
	}
}

// rewriteLink returns a link under the base URL as a path relative to it.
func rewriteLink(raw string, ep *connector.Endpoint, p *reqPath) string {
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme, ep.Scheme) || !strings.EqualFold(u.Host, ep.Host) ||
		u.User != nil || !strings.HasPrefix(u.EscapedPath(), ep.Path+"/") {
		return raw
	}
	lp, err := parsePath(u.EscapedPath()[len(ep.Path):])
	if err != nil {
		return raw
	}
	// /repositories/{id}/REST names the repository of /repos/{o}/{r}/REST.
	if len(lp.segs) >= 3 && lp.segs[0] == "repositories" && isDigits(lp.segs[1]) &&
		len(p.segs) == len(lp.segs)+1 && p.segs[0] == "repos" && slices.Equal(lp.segs[2:], p.segs[3:]) {
		lp = &reqPath{segs: append([]string{"repos", p.segs[1], p.segs[2]}, lp.segs[2:]...)}
	}
	s := lp.escaped()
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
