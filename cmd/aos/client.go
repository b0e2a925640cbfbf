package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
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
	http  *http.Client
}

// clientFlags registers --home and --server.
type clientFlags struct{ home, server *string }

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{homeFlag(fs), fs.String("server", "", "server URL")}
}

// newClient finds the server (--server, $AOS_SERVER, the home's server.url)
// and the owner token ($AOS_TOKEN, the home's owner.token).
func newClient(e *env, f clientFlags) (*client, error) {
	c := &client{base: *f.server, token: e.getenv("AOS_TOKEN"), http: &http.Client{}}
	if c.base == "" {
		c.base = e.getenv("AOS_SERVER")
	}
	if c.base == "" || c.token == "" {
		h, err := resolveHome(e, *f.home)
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
			return fmt.Errorf("server answered %s", resp.Status)
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
	return json.NewDecoder(resp.Body).Decode(out)
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ownerFlags is the flag set of a command that talks to the server:
// --home and --server come with it.
type ownerFlags struct {
	*flag.FlagSet
	cf clientFlags
}

func newOwnerFlags(name string) *ownerFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &ownerFlags{FlagSet: fs, cf: addClientFlags(fs)}
}
