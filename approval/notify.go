package approval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/aos-dev/aos"
)

// Notifier is told when a call is held.
type Notifier interface {
	Notify(ctx context.Context, a *aos.Approval)
}

// Webhook posts a JSON message to a URL when a call is held. The body has
// a Slack-compatible "text" field and the approval's id, points, requester,
// connection, operation and expiry; it never carries the request, its
// resource, its facts, the agent's rationale, a secret or customer data.
type Webhook struct {
	URL    string
	Client *http.Client
	Logger *slog.Logger
}

// WebhookMessage is the body a Webhook posts.
type WebhookMessage struct {
	Text           string              `json:"text"`
	ApprovalID     string              `json:"approval_id"`
	ApprovalPoints []aos.ApprovalPoint `json:"approval_points"`
	Requester      string              `json:"requester"`
	Connection     string              `json:"connection,omitempty"`
	Operation      string              `json:"operation,omitempty"`
	ExpiresAt      time.Time           `json:"expires_at"`
}

// Message builds the webhook body for a.
func Message(a *aos.Approval) WebhookMessage {
	what := fmt.Sprintf("%s on %s", a.Operation, a.Connection)
	if a.Kind == aos.ApprovalRedaction {
		what = fmt.Sprintf("a redaction of evidence entry %d", a.RedactEntry)
	}
	return WebhookMessage{
		Text: fmt.Sprintf("aos: %s wants %s, held at %s. Decide with `aos approve %s` or `aos deny %s --reason …`.",
			a.Requester, what, PointNames(a.Points), a.ID, a.ID),
		ApprovalID: a.ID, ApprovalPoints: a.Points, Requester: a.Requester,
		Connection: a.Connection, Operation: a.Operation, ExpiresAt: a.ExpiresAt,
	}
}

// Notify posts the message, retrying a few times on failure.
func (w *Webhook) Notify(ctx context.Context, a *aos.Approval) {
	body, _ := json.Marshal(Message(a))
	if err := w.post(ctx, body); err != nil && w.Logger != nil {
		w.Logger.Warn("approval webhook failed", "approval", a.ID, "err", err)
	}
}

// Warner is told of events the owner should hear of that hold nothing,
// such as an upstream echoing a credential. A Notifier may implement it.
type Warner interface {
	Warn(ctx context.Context, w Warning)
}

// Warning is the body a Webhook posts for such an event: a
// Slack-compatible "text", what happened, on which connection and
// operation, and the evidence entry that authorised the call. It never
// carries a secret, the request or the answer.
type Warning struct {
	Text            string `json:"text"`
	Warning         string `json:"warning"`
	Connection      string `json:"connection"`
	Operation       string `json:"operation,omitempty"`
	AuthorizedEntry int64  `json:"authorized_entry"`
}

// CredentialEchoWarning is the warning that the upstream of a connection
// echoed its credential in an answer, and that aos redacted it.
func CredentialEchoWarning(conn, operation string, authorized int64) Warning {
	return Warning{
		Text: fmt.Sprintf("aos: the upstream of %s echoed the connection's credential in its answer to %s (evidence entry %d). "+
			"aos redacted it before the agent or the store saw it; consider rotating the credential with `aos keys rotate %s`.",
			conn, operation, authorized, conn),
		Warning: "credential_echo", Connection: conn, Operation: operation, AuthorizedEntry: authorized,
	}
}

// Warn posts the warning, retrying a few times on failure.
func (w *Webhook) Warn(ctx context.Context, warning Warning) {
	body, _ := json.Marshal(warning)
	if err := w.post(ctx, body); err != nil && w.Logger != nil {
		w.Logger.Warn("warning webhook failed", "warning", warning.Warning, "connection", warning.Connection, "err", err)
	}
}

// post posts a JSON body to the webhook, trying three times.
func (w *Webhook) post(ctx context.Context, body []byte) error {
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * time.Second)
		}
		req, err := http.NewRequestWithContext(ctx, "POST", w.URL, bytes.NewReader(body))
		if err != nil {
			return errors.New("the webhook URL does not parse") // the error would repeat it
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL itself may carry a token (Slack webhook URLs do)
		}
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 300 {
				return nil
			}
			err = fmt.Errorf("webhook answered %s", resp.Status)
		}
		last = err
	}
	return last
}

func jsonReason(reason string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"reason": reason})
	return b
}
