package console

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

// The Security and Infra pages: keys, the access review, the PII flow map.

func (c *Console) handleKeys(w http.ResponseWriter, r *http.Request, v *visit) error {
	keys, err := c.keys().List(r.Context(), v.owner)
	if err != nil {
		return err
	}
	c.render(w, r, v.session, http.StatusOK, "keys", pageData{Title: "Keys", Nav: "keys", Data: keys})
	return nil
}

func (c *Console) handleRotateConfirm(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	changes := []string{
		fmt.Sprintf("A new version of %s's credential becomes active; the current one is retired.", name),
		"Calls under way finish on the old version; no call fails.",
		"Calls held for approval on the old version fail as approval_stale when approved.",
	}
	return c.confirm(w, r, v, "keys", confirmation{Heading: "Rotate " + name, Changes: changes,
		Action: Prefix + "keys/" + url.PathEscape(name) + "/rotate", Button: "Rotate",
		Secret: &secretField{Label: "New credential", Hint: "Create it at the provider first.", Required: true},
		Back:   Prefix + "keys"})
}

func (c *Console) handleRotate(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	secret := vault.NewSecret([]byte(r.PostForm.Get("credential")))
	r.PostForm.Del("credential")
	res, err := c.Owner.RotateCredential(r.Context(), v.owner, name, secret)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Rotated %s: version %d is active.", name, res.Credential.Version)
	if res.Retired != nil {
		msg += fmt.Sprintf(" Version %d is retired.", res.Retired.Version)
	}
	return c.done(w, r, v.session, Prefix+"keys", msg)
}

func (c *Console) handleExposedConfirm(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	changes := []string{
		fmt.Sprintf("%s's active credential is marked exposed and revoked now: every call through %s is refused until it has a new one.", name, name),
		"aos asks the provider to revoke the key where the connector can.",
		"With a new credential below, it is rotated in at once.",
		"Then aos checks that nothing stale remains and lists what is left for you to do.",
	}
	return c.confirm(w, r, v, "keys", confirmation{Heading: "Key of " + name + " exposed", Changes: changes,
		Action: Prefix + "keys/" + url.PathEscape(name) + "/exposed", Button: "Revoke now", Danger: true,
		Secret: &secretField{Label: "New credential (optional)", Hint: "Leave empty to revoke only."},
		Back:   Prefix + "keys"})
}

func (c *Console) handleExposed(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PathValue("name")
	secret := vault.NewSecret([]byte(r.PostForm.Get("credential")))
	r.PostForm.Del("credential")
	rep, err := c.keys().Exposed(r.Context(), v.owner, name, secret)
	if err != nil {
		return err
	}
	c.render(w, r, v.session, http.StatusOK, "exposed", pageData{Title: "Exposed key: " + name, Nav: "keys", Data: rep})
	return nil
}

func (c *Console) reviewer() (*secinfra.Reviewer, error) {
	if c.Review == nil {
		return nil, aos.Errorf(aos.ENotFound, "this server does not run the access review")
	}
	return c.Review, nil
}

func (c *Console) handleReview(w http.ResponseWriter, r *http.Request, v *visit) error {
	rv, err := c.reviewer()
	if err != nil {
		return err
	}
	rep, err := rv.Review(r.Context(), v.owner, secinfra.ReviewOptions{})
	if err != nil {
		return err
	}
	c.render(w, r, v.session, http.StatusOK, "review", pageData{Title: "Access review", Nav: "review", Data: rep})
	return nil
}

func (c *Console) handleReviewMarkdown(w http.ResponseWriter, r *http.Request, v *visit) error {
	rv, err := c.reviewer()
	if err != nil {
		return err
	}
	rep, err := rv.Review(r.Context(), v.owner, secinfra.ReviewOptions{})
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := secinfra.WriteMarkdown(&b, rep); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="aos-access-review.md"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b.Bytes())
	return nil
}

func (c *Console) handleReviewApply(w http.ResponseWriter, r *http.Request, v *visit) error {
	rv, err := c.reviewer()
	if err != nil {
		return err
	}
	ids := r.PostForm["finding"]
	if len(ids) == 0 {
		return aos.Errorf(aos.EBadRequest, "choose at least one finding to apply")
	}
	res, err := rv.Apply(r.Context(), v.owner, ids, secinfra.ReviewOptions{})
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Applied %s: revoked %d grant(s), made %d narrower one(s).",
		strings.Join(res.Findings, ", "), len(res.Revoked), len(res.Created))
	return c.done(w, r, v.session, Prefix+"review", msg)
}

func (c *Console) handleReviewDismiss(w http.ResponseWriter, r *http.Request, v *visit) error {
	rv, err := c.reviewer()
	if err != nil {
		return err
	}
	d, err := rv.Dismiss(r.Context(), v.owner, r.PostForm.Get("finding"), r.PostForm.Get("reason"), secinfra.ReviewOptions{})
	if err != nil {
		return err
	}
	return c.done(w, r, v.session, Prefix+"review", "Dismissed "+d.ID+".")
}

// maxSubject bounds a flow-map subject, as the API does.
const maxSubject = 1024

// flowPage is the flow map page: the map and its drawing.
type flowPage struct {
	Map       *secinfra.FlowMap
	Graph     flowGraph
	BySubject bool
}

// handlePIIMap shows the whole flow map (GET) or the flows that carried
// the subject in the form (POST): the subject travels in a form body,
// never in a URL, and is not shown back.
func (c *Console) handlePIIMap(w http.ResponseWriter, r *http.Request, v *visit) error {
	if r.URL.RawQuery != "" {
		return aos.Errorf(aos.EBadRequest, "the flow map takes no query parameters; search a subject with the form")
	}
	subject := ""
	if r.Method == http.MethodPost {
		subject = strings.TrimSpace(r.PostForm.Get("subject"))
		if subject == "" {
			return aos.Errorf(aos.EBadRequest, "type an email, phone number or ID to follow; the map shows every flow otherwise")
		}
		if len(subject) > maxSubject {
			return aos.Errorf(aos.ETooLarge, "a subject is at most %d bytes", maxSubject)
		}
	}
	m, err := secinfra.Map(r.Context(), c.Gateway.Store, c.Gateway.Vault.MAC, subject)
	if err != nil {
		return err
	}
	c.render(w, r, v.session, http.StatusOK, "piimap", pageData{Title: "PII flow map", Nav: "pii",
		Data: flowPage{Map: m, Graph: drawFlows(m), BySubject: subject != ""}})
	return nil
}
