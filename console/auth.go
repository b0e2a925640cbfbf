package console

import (
	"net/http"
	"time"

	"github.com/aos-dev/aos"
)

// maxSignInForm bounds the sign-in form: a token and nothing else.
const maxSignInForm = 4096

func (c *Console) handleSignInForm(w http.ResponseWriter, r *http.Request) error {
	if v, err := c.session(r); err == nil && v != nil {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return nil
	}
	c.render(w, r, nil, http.StatusOK, "signin", pageData{Title: "Sign in"})
	return nil
}

// handleSignIn opens a session for the owner token in the form. Agent and
// auditor tokens are refused: the console is the owner's.
func (c *Console) handleSignIn(w http.ResponseWriter, r *http.Request) error {
	if err := crossOrigin.Check(r); err != nil {
		return aos.Errorf(aos.EForbidden, "cross-origin sign-in refused")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInForm)
	if err := r.ParseForm(); err != nil {
		return aos.Errorf(aos.EBadRequest, "the sign-in form could not be read")
	}
	p, err := c.Gateway.Authenticate(r.Context(), r.PostForm.Get("token"))
	if err == nil && p.Kind != aos.Owner {
		err = aos.Errorf(aos.EForbidden, "only the owner signs in to the console; %s tokens cannot", p.Kind)
	}
	if err != nil {
		code := aos.ErrorCode(err)
		if code == aos.EUnauthenticated {
			err = aos.Errorf(code, "that is not a valid owner token")
		}
		c.render(w, r, nil, statusOf(code), "signin", pageData{Title: "Sign in",
			Error: &pageError{Code: code, Message: aos.ErrorMessage(err), Status: statusOf(code)}})
		return nil
	}
	id, _ := c.sessions.open(p.TokenHash, time.Now(), c.ttl())
	setCookie(w, r, id, int(c.ttl()/time.Second))
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
	return nil
}

func (c *Console) handleSignOut(w http.ResponseWriter, r *http.Request, v *visit) error {
	if ck, err := r.Cookie(cookieName); err == nil {
		c.sessions.close(ck.Value)
	}
	setCookie(w, r, "", -1)
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
	return nil
}
