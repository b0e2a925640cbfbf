package view

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"strings"

	"github.com/aos-dev/aos/connector"
)

// http writes an HTTP request: the method and URL (without user info),
// the query a parameter a line, and the body. Headers are not shown:
// they are where credentials travel.
func (w *writer) http(out *connector.Outbound) {
	u, err := url.Parse(out.URL)
	if err != nil {
		w.line(1, "%s (a URL that does not parse)", clean(out.Method))
		return
	}
	u.User = nil
	query := u.RawQuery
	u.RawQuery, u.ForceQuery = "", false
	w.line(1, "%s %s", clean(out.Method), clean(u.String()))
	if query != "" {
		w.line(1, "query:")
		for pair := range strings.SplitSeq(query, "&") {
			if pair != "" {
				w.line(2, "%s", clean(w.field(pair)))
			}
		}
	}
	w.body(out.Header.Get("Content-Type"), out.Body)
}

// github writes what a GitHub write targets and changes, where the
// request says it: the repository, the branch or ref, the pull request a
// merge merges, the file a contents write writes.
func (w *writer) github(out *connector.Outbound) {
	u, err := url.Parse(out.URL)
	if err != nil {
		return
	}
	_, rest, ok := strings.Cut(u.Path, "/repos/")
	if !ok {
		return
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 {
		return
	}
	w.line(1, "repository:   %s/%s", clean(parts[0]), clean(parts[1]))
	var body map[string]json.RawMessage
	json.Unmarshal(out.Body, &body)
	str := func(key string) string {
		var s string
		json.Unmarshal(body[key], &s)
		return s
	}
	sub := parts[2:]
	switch {
	case len(sub) == 3 && sub[0] == "pulls" && sub[2] == "merge":
		w.line(1, "change:       merge pull request #%s into its base branch", clean(sub[1]))
		if m := str("merge_method"); m != "" {
			w.line(1, "merge method: %s", clean(m))
		}
	case len(sub) >= 3 && sub[0] == "git" && sub[1] == "refs":
		ref := strings.Join(sub[2:], "/")
		change := "update ref " + ref
		if out.Method == "DELETE" {
			change = "delete ref " + ref
		}
		if sha := str("sha"); sha != "" {
			change += " to " + sha
		}
		if string(body["force"]) == "true" {
			change += " (forced)"
		}
		w.line(1, "target:       %s", clean(strings.TrimPrefix(ref, "heads/")))
		w.line(1, "change:       %s", clean(change))
	case len(sub) == 2 && sub[0] == "git" && sub[1] == "refs":
		w.line(1, "change:       create ref %s at %s", clean(str("ref")), clean(str("sha")))
	case len(sub) == 1 && sub[0] == "merges":
		w.line(1, "target:       %s", clean(str("base")))
		w.line(1, "change:       merge %s into %s", clean(str("head")), clean(str("base")))
	case len(sub) == 1 && sub[0] == "pulls" && out.Method == "POST":
		w.line(1, "target:       %s", clean(str("base")))
		w.line(1, "change:       open a pull request from %s into %s", clean(str("head")), clean(str("base")))
	case len(sub) >= 2 && sub[0] == "contents":
		path, _ := url.PathUnescape(strings.Join(sub[1:], "/"))
		branch := str("branch")
		if branch == "" {
			branch = "the default branch (the request names none)"
		}
		w.line(1, "target:       %s", clean(branch))
		verb := "write"
		if out.Method == "DELETE" {
			verb = "delete"
		}
		w.line(1, "change:       %s file %s", verb, clean(path))
		if content, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(str("content"), "\n", "")); err == nil && len(content) > 0 {
			w.line(1, "file content (%d bytes):", len(content))
			var b bounded
			consumed := len(content)
			if w.masked {
				b.add(maskedValue(string(content)))
			} else {
				consumed = w.textBody(&b, string(content))
			}
			for _, l := range b.lines {
				w.line(2, "%s", clean(l))
			}
			if rest := len(content) - consumed; rest > 0 {
				w.line(2, "[cut at %d KiB: the last %d of %d bytes of the file are not shown]", MaxBody>>10, rest, len(content))
			}
		}
	}
}

// postgres writes the database, the statement and its parameters. The
// connection string shows no user or password.
func (w *writer) postgres(out *connector.Outbound) {
	if u, err := url.Parse(out.URL); err == nil {
		w.line(1, "database:     %s on %s", clean(strings.TrimPrefix(u.Path, "/")), clean(u.Host))
	}
	var a struct {
		SQL    string            `json:"sql"`
		Params []json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(out.Body, &a); err != nil {
		w.line(1, "(the statement does not read)")
		return
	}
	w.line(1, "statement:")
	var b bounded
	consumed := w.statement(&b, a.SQL)
	for _, l := range b.lines {
		w.line(2, "%s", clean(l))
	}
	if rest := len(a.SQL) - consumed; rest > 0 {
		w.line(2, "[cut at %d KiB: the last %d of %d bytes of the statement are not shown]", MaxBody>>10, rest, len(a.SQL))
	}
	if len(a.Params) > 0 {
		w.line(1, "parameters:")
		for i, p := range a.Params {
			var s string
			v := string(p)
			if json.Unmarshal(p, &s) == nil {
				v = s
			}
			shown := w.text(v)
			if string(p) == "null" {
				shown = "NULL"
			}
			w.line(2, "$%d = %s", i+1, clean(shown))
		}
	}
}

// statement writes SQL line by line, bounded; it is shown even when the
// values are masked, since the owner decides on it (its literals are the
// agent's, and the parameters, which carry data, are masked).
func (w *writer) statement(b *bounded, sql string) int {
	consumed := 0
	for l := range strings.SplitAfterSeq(sql, "\n") {
		if b.full() {
			return consumed
		}
		consumed += len(l)
		b.add(cutValue(scrub(strings.TrimRight(l, "\r\n"), w.secrets)))
	}
	return len(sql)
}

// Email envelope fields of the email connector's requests.
const (
	hdrMailFrom = "Mail-From"
	hdrRcptTo   = "Rcpt-To"
)

// email writes the sender, every recipient of the envelope (by domain
// only when masked), the subject and the text of the message.
func (w *writer) email(out *connector.Outbound) {
	w.line(1, "from:         %s", clean(out.Header.Get(hdrMailFrom)))
	rcpts := out.Header.Values(hdrRcptTo)
	w.line(1, "to (%d):", len(rcpts))
	for _, r := range rcpts {
		if w.masked {
			_, domain, _ := strings.Cut(r, "@")
			r = "‹redacted›@" + domain
		}
		w.line(2, "%s", clean(r))
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(out.Body)))
	if err != nil {
		w.line(1, "message: %d bytes that do not read as a message", len(out.Body))
		return
	}
	subject := msg.Header.Get("Subject")
	if d, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
		subject = d
	}
	w.line(1, "subject:      %s", clean(w.text(subject)))
	text, html := messageText(msg)
	var b bounded
	consumed := 0
	shown := text
	kind := "text"
	if text == "" && html != "" {
		shown, kind = html, "HTML"
	}
	if shown == "" {
		return
	}
	if w.masked {
		b.add(maskedValue(shown))
		consumed = len(shown)
	} else {
		consumed = w.textBody(&b, shown)
	}
	w.line(1, "message %s (%d bytes):", kind, len(shown))
	for _, l := range b.lines {
		w.line(2, "%s", clean(l))
	}
	if rest := len(shown) - consumed; rest > 0 {
		w.line(2, "[cut at %d KiB: the last %d of %d bytes of the message are not shown]", MaxBody>>10, rest, len(shown))
	}
}

// messageText returns a message's text and HTML parts (the email
// connector writes them 7bit or 8bit, never encoded).
func messageText(msg *mail.Message) (text, html string) {
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(msg.Body)
		if mt == "text/html" {
			return "", string(b)
		}
		return string(b), ""
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err != nil {
			return text, html
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p)
		switch {
		case pt == "text/plain" && text == "":
			text = string(b)
		case pt == "text/html" && html == "":
			html = string(b)
		}
	}
}
