package gateway

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/pii"
)

// scanMemo remembers, for outbound requests without a body, what a scan
// derives from the URL and the header fields alone: the items found in
// them and the MACs to look up. Both are functions of those bytes, the
// connector's envelope and the vault's MAC key (fixed for the process), so
// a remembered answer is the one the scan would compute; the lookup and
// the assessment still run on every call. Agents repeat the same reads
// with the same header fields, and extracting and keying them was most of
// a bodiless call's scan.
type scanMemo struct {
	mu sync.Mutex
	m  map[string]*outbound
}

// outbound is what a scan derives from an outbound request. Shared
// between calls: never changed once made.
type outbound struct {
	items     []pii.Item
	unscanned bool
	cands     [][]byte
}

const (
	// maxScanMemo bounds the memo; past it, it starts again empty.
	maxScanMemo = 4096
	// maxScanKey is the longest request (URL and header fields) remembered.
	maxScanKey = 4096
)

// scanKey is the memo's key for out, or "" when out is not remembered (it
// has a body, or is too long). It names every byte outboundItems reads,
// each string after its length, so that no two requests share a key.
func scanKey(out *connector.Outbound, envelope []string) string {
	if len(out.Body) > 0 || len(out.URL) > maxScanKey {
		return ""
	}
	var b strings.Builder
	put := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	b.WriteString(strconv.Itoa(len(envelope)))
	for _, e := range envelope {
		put(e)
	}
	put(out.URL)
	names := make([]string, 0, len(out.Header))
	for name := range out.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	b.WriteString(strconv.Itoa(len(names)))
	for _, name := range names {
		put(name)
		b.WriteString(strconv.Itoa(len(out.Header[name])))
		for _, v := range out.Header[name] {
			put(v)
		}
		if b.Len() > maxScanKey {
			return ""
		}
	}
	return b.String()
}

// outboundOf returns what a scan derives from out: from the memo when out
// has no body and was seen, else computed (and remembered when out has no
// body).
func (g *Gateway) outboundOf(out *connector.Outbound, envelope []string) *outbound {
	key := scanKey(out, envelope)
	if key != "" {
		g.scans.mu.Lock()
		o := g.scans.m[key]
		g.scans.mu.Unlock()
		if o != nil {
			return o
		}
	}
	o := &outbound{}
	o.items, o.unscanned = outboundItems(out, envelope)
	if len(o.items) > 0 {
		o.cands = pii.Candidates(g.Vault.MAC, o.items)
	}
	if key != "" {
		g.scans.mu.Lock()
		if g.scans.m == nil || len(g.scans.m) >= maxScanMemo {
			g.scans.m = make(map[string]*outbound)
		}
		g.scans.m[key] = o
		g.scans.mu.Unlock()
	}
	return o
}
