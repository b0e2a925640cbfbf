package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/approval"
)

// errNotFound answers paths the console does not have.
var errNotFound = aos.Errorf(aos.ENotFound, "the console has no such page")

// statusOf is the one place where error codes become console statuses.
func statusOf(code string) int {
	switch code {
	case aos.EUnauthenticated:
		return http.StatusUnauthorized
	case aos.EForbidden, aos.EApprovalDenied, aos.EApprovalExpired, aos.EApprovalStale, aos.EToolNotAccepted:
		return http.StatusForbidden
	case aos.ENotFound, aos.EUnknownConnection:
		return http.StatusNotFound
	case aos.EBadRequest, aos.EUnknownOperation, aos.ENotGranted, aos.EOutOfScope, aos.EReadOnly:
		return http.StatusBadRequest
	case aos.EConflict:
		return http.StatusConflict
	case aos.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case aos.EUpstream:
		return http.StatusBadGateway
	case aos.EEvidenceUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// pageData is what every page template gets.
type pageData struct {
	Title   string
	Nav     string // the active section
	CSRF    string // "" when signed out
	Pending int    // pending approvals, for the title and the menu
	Flash   string
	Error   *pageError
	Data    any
}

type pageError struct {
	Code, Message string
	Status        int
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil || v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return fmt.Sprint(t)
	},
	"join":   strings.Join,
	"points": approval.PointNames,
	"grantee": func(g string) string {
		if g == "" {
			return "company"
		}
		return g
	},
	"add": func(a, b int) int { return a + b },
}

// parsePages parses every page with the layout. Each page file defines
// "content" (and may define fragments of its own).
func parsePages() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return pages
}

// render writes page name with status. Rendering goes to a buffer first,
// so that a template error becomes an error page, not half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, ss *session, status int, name string, d pageData) {
	c.renderTemplate(w, r, ss, status, name, "layout", d)
}

func (c *Console) renderTemplate(w http.ResponseWriter, r *http.Request, ss *session, status int, name, tmpl string, d pageData) {
	if ss != nil {
		d.CSRF = ss.csrf
	}
	if ss != nil && tmpl == "layout" {
		// Only a whole page shows (and so consumes) the flash: a fragment
		// the script fetches meanwhile must not take it.
		if d.Flash == "" {
			d.Flash = c.sessions.takeFlash(ss)
		}
		if ps, err := c.pendingApprovals(r.Context()); err == nil {
			d.Pending = len(ps)
		}
	}
	var buf bytes.Buffer
	t := c.pages[name]
	if t == nil {
		c.logger().Error("console: no template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, tmpl, d); err != nil {
		c.logger().Error("console: rendering", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders err as the error page. Internal detail is logged, never
// shown.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, ss *session, err error) {
	code := aos.ErrorCode(err)
	if code == aos.EInternal || code == aos.EEvidenceUnavailable {
		c.logger().Error("console request failed", "method", r.Method, "path", r.URL.Path, "code", code, "err", err)
	}
	pe := &pageError{Code: code, Message: aos.ErrorMessage(err), Status: statusOf(code)}
	c.render(w, r, ss, pe.Status, "error", pageData{Title: "Error", Error: pe})
}

// page wraps a handler of a page open without a session (sign-in).
func (c *Console) page(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			c.fail(w, r, nil, err)
		}
	}
}

// maxForm bounds a console form: a credential or an operation file fits.
const maxForm = 1 << 20

// signedIn wraps a handler that needs the owner's session. A GET without
// one goes to the sign-in page; anything else is refused. A POST must come
// from a same-origin page and carry the session's CSRF token.
func (c *Console) signedIn(h func(http.ResponseWriter, *http.Request, *visit) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := c.session(r)
		if err != nil {
			if r.Method == http.MethodGet && r.URL.Path != Prefix+"events" && r.URL.Path != Prefix+"inbox/items" {
				http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
				return
			}
			c.fail(w, r, nil, err)
			return
		}
		ss := v.session
		if r.Method != http.MethodGet {
			if err := crossOrigin.Check(r); err != nil {
				c.fail(w, r, ss, aos.Errorf(aos.EForbidden, "cross-origin request refused"))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				var mb *http.MaxBytesError
				if errors.As(err, &mb) {
					c.fail(w, r, ss, aos.Errorf(aos.ETooLarge, "the form is larger than %d bytes", maxForm))
				} else {
					c.fail(w, r, ss, aos.Errorf(aos.EBadRequest, "the form could not be read"))
				}
				return
			}
			if !validCSRF(ss, r.PostForm.Get("csrf")) {
				c.fail(w, r, ss, aos.Errorf(aos.EForbidden,
					"this form is stale or did not come from the console (CSRF token missing or wrong); reload the page and try again"))
				return
			}
		}
		if err := h(w, r, v); err != nil {
			c.fail(w, r, ss, err)
		}
	}
}

// visit is one signed-in request: the session and its owner, as looked up
// for this request.
type visit struct {
	*session
	owner *aos.Principal
}

// session returns the request's live session, its owner looked up again.
// Errors: EUnauthenticated.
func (c *Console) session(r *http.Request) (*visit, error) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil, aos.Errorf(aos.EUnauthenticated, "sign in to the console first")
	}
	ss := c.sessions.get(ck.Value, time.Now())
	if ss == nil {
		return nil, aos.Errorf(aos.EUnauthenticated, "your console session ended; sign in again")
	}
	p, err := c.principalByHash(r, ss.tokenHash)
	if err != nil {
		return nil, err
	}
	if p.Kind != aos.Owner {
		return nil, aos.Errorf(aos.EUnauthenticated, "only the owner signs in to the console")
	}
	return &visit{session: ss, owner: p}, nil
}

// principalByHash finds the principal whose token hashes to hash.
func (c *Console) principalByHash(r *http.Request, hash []byte) (*aos.Principal, error) {
	var p *aos.Principal
	err := c.Gateway.Store.View(r.Context(), func(tx aos.Tx) (err error) {
		p, err = tx.PrincipalByTokenHash(r.Context(), hash)
		return err
	})
	if aos.ErrorCode(err) == aos.ENotFound || err == nil && !aos.TokenHashEqual(p.TokenHash, hash) {
		return nil, aos.Errorf(aos.EUnauthenticated, "the token this session was opened with is no longer valid; sign in again")
	}
	return p, err
}

// done sends the browser to path with a message for the next page (the
// POST-redirect-GET pattern).
func (c *Console) done(w http.ResponseWriter, r *http.Request, ss *session, path, msg string) error {
	c.sessions.setFlash(ss, msg)
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}
