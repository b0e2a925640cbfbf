package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aos-dev/aos"
)

// client talks to a running server as the owner.
type client struct {
	base  string
	token string
	// tokenFrom says where the token was read from, for the hint when the
	// server refuses it.
	tokenFrom string
	http      *http.Client
}

// newClient finds the server (--server, $AOS_SERVER, the home's server.url)
// and the owner token ($AOS_TOKEN, the home's owner.token).
func newClient(e *env) (*client, error) {
	c := &client{base: e.server, token: e.getenv("AOS_TOKEN"), http: &http.Client{}}
	c.tokenFrom = "$AOS_TOKEN"
	if c.base == "" {
		c.base = e.getenv("AOS_SERVER")
	}
	if c.base == "" || c.token == "" {
		h, err := resolveHome(e)
		if err != nil {
			return nil, err
		}
		if c.base == "" {
			if c.base, err = h.read(serverURLFile); err != nil {
				return nil, withHint(fmt.Errorf("no server URL: %s has no %s", h.dir, serverURLFile),
					"start one with `aos serve`, or pass --server URL")
			}
		}
		if c.token == "" {
			if c.token, err = h.read(ownerTokenFile); err != nil {
				return nil, withHint(errors.New("no owner token"), "set AOS_TOKEN or point --home at the instance")
			}
			c.tokenFrom = h.path(ownerTokenFile)
		}
	}
	c.base = strings.TrimSuffix(c.base, "/")
	return c, nil
}

// do sends a request with a JSON body (if in is not nil) and decodes a JSON
// answer into out (if not nil). Error answers become *aos.Error.
func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return withHint(fmt.Errorf("cannot reach the server at %s", c.base), "is `aos serve` running? (--server, $AOS_SERVER)")
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var eb struct {
			Error aos.Error `json:"error"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(b, &eb) != nil || eb.Error.Code == "" {
			return c.notAOS(method, path, fmt.Sprintf("it answered %s%s", resp.Status, contentTypeOf(resp)))
		}
		if eb.Error.Code == aos.EUnauthenticated {
			return withHint(&eb.Error, "the owner token was read from "+c.tokenFrom+
				"; set $AOS_TOKEN, or point --home at the instance whose owner.token it is")
		}
		return &eb.Error
	}
	if w, ok := out.(io.Writer); ok {
		_, err := io.Copy(w, resp.Body)
		return err
	}
	if out == nil {
		return nil
	}
	var raw json.RawMessage
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&raw); err != nil {
		return c.notAOS(method, path, "its answer"+contentTypeOf(resp)+" is not JSON")
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return c.notAOS(method, path, "its answer is not the JSON aos sends: "+err.Error())
	}
	if !sharesFields(raw, out) {
		return c.notAOS(method, path, "its answer has none of the fields aos sends")
	}
	return nil
}

// sharesFields reports whether a JSON object answer (or the first object
// of an array) has at least one of the fields of out, as out encodes
// after decoding it: another server's JSON decodes without error into
// aos's types, as all zeros.
func sharesFields(raw json.RawMessage, out any) bool {
	first := func(b []byte) map[string]json.RawMessage {
		var obj map[string]json.RawMessage
		if json.Unmarshal(b, &obj) == nil {
			return obj
		}
		var arr []json.RawMessage
		if json.Unmarshal(b, &arr) == nil && len(arr) > 0 {
			json.Unmarshal(arr[0], &obj)
		}
		return obj
	}
	got := first(raw)
	if len(got) == 0 {
		return true // nothing to tell by: [], {}, a scalar
	}
	b, err := json.Marshal(out)
	if err != nil {
		return true
	}
	known := first(b)
	for k := range got {
		if _, ok := known[k]; ok {
			return true
		}
	}
	return false
}

// notAOS is the error for a server whose answer is not aos's.
func (c *client) notAOS(method, path, why string) error {
	return withHint(fmt.Errorf("%s is not an aos server (%s to %s %s)", c.base, why, method, path),
		"check --server, $AOS_SERVER or the home's server.url")
}

func contentTypeOf(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, ok := strings.Cut(ct, ";"); ok {
			ct = mt
		}
		return " with " + ct
	}
	return ""
}
