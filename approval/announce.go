package approval

import (
	"context"
	"encoding/json"
)

// Announce posts v as JSON to the webhook, trying three times, for news
// that holds nothing, such as a scheduled report being ready. v must carry
// no secret and no customer data: counts, ids and a Slack-compatible
// "text" field.
func (w *Webhook) Announce(ctx context.Context, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.post(ctx, body)
}
