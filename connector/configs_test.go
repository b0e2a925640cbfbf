package connector_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
)

func TestConfigs_parseOncePerVersion(t *testing.T) {
	var mu sync.Mutex
	parsed := 0
	cs := connector.NewConfigs(func(c *aos.Connection) (string, error) {
		mu.Lock()
		parsed++
		mu.Unlock()
		if c.BaseURL == "bad" {
			return "", errors.New("bad base URL")
		}
		return c.BaseURL + "|" + string(c.Config), nil
	})
	c := &aos.Connection{ID: 1, Name: "crm", Type: "http", BaseURL: "https://a", Config: []byte(`{}`)}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := cs.Get(c); err != nil || v != "https://a|{}" {
				t.Errorf("Get = %q, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if parsed > 8 {
		t.Fatalf("parsed %d times", parsed)
	}
	before := parsed
	for range 3 {
		cs.Get(c)
	}
	if parsed != before {
		t.Fatalf("a cached version was parsed again (%d → %d)", before, parsed)
	}
	// Another version of the same connection is parsed again, and so is
	// another connection with the same settings.
	c2 := *c
	c2.Config = []byte(`{"operations": []}`)
	if v, _ := cs.Get(&c2); v != `https://a|{"operations": []}` || parsed != before+1 {
		t.Fatalf("new version: %q after %d parses", v, parsed)
	}
	c3 := *c
	c3.ID = 2
	if cs.Get(&c3); parsed != before+2 {
		t.Fatalf("another connection shares a parse: %d", parsed)
	}
	// Errors are not cached.
	bad := &aos.Connection{ID: 3, BaseURL: "bad"}
	cs.Get(bad)
	if _, err := cs.Get(bad); err == nil || parsed != before+4 {
		t.Fatalf("error cached: %v after %d parses", err, parsed)
	}
	if _, err := cs.Get(nil); aos.ErrorCode(err) != aos.EInternal {
		t.Fatalf("Get(nil) = %v", err)
	}
}
