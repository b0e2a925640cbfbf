package secinfra_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aos-dev/aos/connector/github"
	"github.com/aos-dev/aos/connector/github/githubtest"
	"github.com/aos-dev/aos/connector/slack"
	"github.com/aos-dev/aos/connector/slack/slacktest"
	"github.com/aos-dev/aos/internal/gatewaytest"
	"github.com/aos-dev/aos/owner"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/vault"
)

// TestKeys_Exposed_provider runs the runbook on tools whose API can revoke
// a key (Slack) or only check it (GitHub): the provider's answers are in
// the report and the evidence, and what is left for a person follows them.
func TestKeys_Exposed_provider(t *testing.T) {
	const slackToken, ghToken = "xoxb-1111-2222-exposedtoken", "ghp_exposed0000000000000000000000000000"
	ctx := context.Background()
	fs := slacktest.New(t, slackToken)
	fg := githubtest.Start(t, ghToken)
	in := gatewaytest.Start(t, slack.New(), github.New())
	in.Connect(t, owner.ConnectRequest{Type: "slack", Name: "chat", BaseURL: fs.URL + "/api", Scope: "*", To: "company",
		Credential: vault.NewSecret([]byte(slackToken))})
	in.Connect(t, owner.ConnectRequest{Type: "github", Name: "code", BaseURL: fg.URL, Scope: "repo:acme/app", To: "company",
		Credential: vault.NewSecret([]byte(ghToken))})
	keys := &secinfra.Keys{Owner: in.Owner, Drain: in.Gateway.DrainCredential}
	outcomes := func(rep *secinfra.ExposedReport) string {
		var out []string
		for _, a := range rep.Provider {
			out = append(out, a.Action+":"+a.Outcome)
		}
		return strings.Join(out, " ")
	}
	left := func(rep *secinfra.ExposedReport) string { return strings.Join(rep.Left, "\n") }

	t.Run("slack revokes", func(t *testing.T) {
		rep, err := keys.Exposed(ctx, in.Boss, "chat", vault.Secret{})
		if err != nil {
			t.Fatal(err)
		}
		if got := outcomes(rep); got != "revoke:revoked check:dead" {
			t.Errorf("provider answers %q", got)
		}
		if strings.Contains(left(rep), "revoke or roll") || strings.Contains(left(rep), "still accepts") {
			t.Errorf("left for a person: %q", rep.Left)
		}
		var methods []string
		for _, r := range fs.Requests() {
			methods = append(methods, r.Method)
		}
		if got := strings.Join(methods, " "); !strings.HasSuffix(got, "auth.revoke auth.test") {
			t.Errorf("slack saw %s", got)
		}
	})
	t.Run("github checks: still live", func(t *testing.T) {
		rep, err := keys.Exposed(ctx, in.Boss, "code", vault.Secret{})
		if err != nil {
			t.Fatal(err)
		}
		if got := outcomes(rep); got != "check:live" {
			t.Errorf("provider answers %q", got)
		}
		if !strings.Contains(left(rep), "github still accepts the exposed key") {
			t.Errorf("left for a person: %q", rep.Left)
		}
	})
	t.Run("github checks again once revoked by a person", func(t *testing.T) {
		fg.RevokeToken()
		rep, err := keys.Exposed(ctx, in.Boss, "code", vault.Secret{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.AlreadyExposed || outcomes(rep) != "check:dead" || strings.Contains(left(rep), "revoke or roll") {
			t.Errorf("report %+v", rep)
		}
	})
	es, err := in.Log.Tail(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var provider []string
	for _, e := range es {
		if e.Kind == "credential.provider" {
			provider = append(provider, e.Subject+":"+e.Attrs["action"]+":"+e.Attrs["outcome"])
		}
		for _, secret := range []string{slackToken, ghToken} {
			if strings.Contains(string(e.Payload), secret) || strings.Contains(strings.Join(mapValues(e.Attrs), " "), secret) {
				t.Errorf("entry %d holds a secret", e.Index)
			}
		}
	}
	if got := strings.Join(provider, " "); got != "chat:revoke:revoked chat:check:dead code:check:live code:check:dead" {
		t.Errorf("provider evidence: %s", got)
	}
	in.Verify(t)
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
