package secinfra_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/pii"
	"github.com/aos-dev/aos/secinfra"
	"github.com/aos-dev/aos/store/sqlite"
)

// flowStart is when the test flows begin.
var flowStart = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// flowAt is min minutes after flowStart.
func flowAt(min int) time.Time { return flowStart.Add(time.Duration(min) * time.Minute) }

// flowMAC stands in for the vault's keyed hash.
func flowMAC(purpose string, data []byte) []byte {
	m := hmac.New(sha256.New, []byte("test key"))
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(data)
	return m.Sum(nil)
}

func TestBuildMap_Edges(t *testing.T) {
	flows := []*aos.Flow{
		{ID: "f1", Source: "crm", Destination: "mail", Resource: "/send", Categories: []string{"email"}, Count: 1, At: flowAt(1), ApprovalID: "ap_1"},
		{ID: "f2", Source: "crm", Destination: "ga", Resource: "/collect", Categories: []string{"phone", "email"}, Count: 2, At: flowAt(2), ApprovalID: "ap_2"},
		{ID: "f3", Source: "crm", Destination: "mail", Resource: "/send", Categories: []string{"name"}, Count: 3, At: flowAt(3), ApprovalID: "ap_3"},
		{ID: "f4", Source: "crm", Destination: "mail", Resource: "/send", Categories: []string{"email"}, Count: 1, At: flowAt(4), ApprovalID: "ap_1"},
		{ID: "f5", Source: "unattributed", Destination: "mail", Resource: "/send", Categories: []string{"email"}, At: flowAt(5)},
		{ID: "f6", Source: "crm", Destination: "mail", Resource: "/lists", Categories: []string{"email"}, Count: 9, At: flowAt(6), ApprovalID: "ap_4"},
		{ID: "f7", Source: "crm", SourceResource: "/deals", Destination: "mail", Resource: "/send", Categories: []string{"email"}, Count: 1, At: flowAt(7), ApprovalID: "ap_5"},
	}
	m := secinfra.BuildMap(flows)
	type edge struct {
		key        string
		categories string
		count      int
		crossings  int
		first      time.Time
		last       time.Time
		approvals  string
		unapproved int
		flows      string
	}
	var got []edge
	for _, e := range m.Edges {
		var ids []string
		for _, f := range e.Flows {
			ids = append(ids, f.ID)
		}
		got = append(got, edge{e.Source + e.SourceResource + ">" + e.Destination + e.Resource, strings.Join(e.Categories, ","),
			e.Count, e.Crossings, e.First, e.Last, strings.Join(e.Approvals, ","), e.Unapproved, strings.Join(ids, ",")})
	}
	want := []edge{
		{"crm>ga/collect", "email,phone", 2, 1, flowAt(2), flowAt(2), "ap_2", 0, "f2"},
		{"crm>mail/lists", "email", 9, 1, flowAt(6), flowAt(6), "ap_4", 0, "f6"},
		{"crm>mail/send", "email,name", 5, 3, flowAt(1), flowAt(4), "ap_1,ap_3", 0, "f1,f3,f4"},
		{"crm/deals>mail/send", "email", 1, 1, flowAt(7), flowAt(7), "ap_5", 0, "f7"},
		{"unattributed>mail/send", "email", 0, 1, flowAt(5), flowAt(5), "", 1, "f5"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("edges =\n%+v\nwant\n%+v", got, want)
	}
	if empty := secinfra.BuildMap(nil); empty.Edges == nil {
		t.Error("an empty map has nil edges; JSON would say null")
	}
}

// TestMap_Subject follows customers through a real store: alice's data
// went to mail and to analytics, bob's only to analytics; a stranger's
// went nowhere; what is never learnt cannot be asked about.
func TestMap_Subject(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "aos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	alice := pii.Subject(flowMAC, "alice@example.com")
	alicePhone := pii.Subject(flowMAC, "+1 415 555 0100")
	bob := pii.Subject(flowMAC, "bob@example.com")
	flows := []*aos.Flow{
		{ID: "f1", Source: "crm", Destination: "mail", Resource: "/send", Categories: []string{"email"}, Count: 1, At: flowAt(1), ApprovalID: "ap_1", Subjects: alice},
		{ID: "f2", Source: "crm", Destination: "ga", Resource: "/collect", Categories: []string{"email", "phone"}, Count: 3, At: flowAt(2), ApprovalID: "ap_2",
			Subjects: slices.Concat(alice, alicePhone[:1], bob)},
	}
	err = st.Update(t.Context(), func(tx aos.Tx) error {
		for _, f := range flows {
			if err := tx.AddFlow(t.Context(), f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, subject string
		want          []string
	}{
		{"everything", "", []string{"crm>ga/collect:ap_2", "crm>mail/send:ap_1"}},
		{"alice", "Alice@Example.com", []string{"crm>ga/collect:ap_2", "crm>mail/send:ap_1"}},
		{"alice by phone", "(415) 555-0100", []string{"crm>ga/collect:ap_2"}},
		{"bob", "bob@example.com", []string{"crm>ga/collect:ap_2"}},
		{"unknown", "carol@example.com", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := secinfra.Map(t.Context(), st, flowMAC, c.subject)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range m.Edges {
				got = append(got, e.Source+">"+e.Destination+e.Resource+":"+strings.Join(e.Approvals, ","))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("edges = %v, want %v", got, c.want)
			}
			if m.BySubject != (c.subject != "") {
				t.Errorf("BySubject = %v", m.BySubject)
			}
			var out bytes.Buffer
			for _, write := range []func() error{
				func() error { return secinfra.WriteText(&out, m) },
				func() error { return secinfra.WriteDOT(&out, m) },
				func() error { return json.NewEncoder(&out).Encode(m) },
			} {
				if err := write(); err != nil {
					t.Fatal(err)
				}
			}
			if c.subject != "" && strings.Contains(strings.ToLower(out.String()), strings.ToLower(strings.TrimSpace(c.subject))) {
				t.Errorf("the map prints the subject:\n%s", out.String())
			}
		})
	}
	t.Run("never learnt", func(t *testing.T) {
		_, err := secinfra.Map(t.Context(), st, flowMAC, "Ada")
		if aos.ErrorCode(err) != aos.EBadRequest {
			t.Fatalf("Map(one word) = %v, want bad_request", err)
		}
		if strings.Contains(err.Error(), "Ada") {
			t.Errorf("the error quotes the subject: %v", err)
		}
	})
}

func TestWriteText(t *testing.T) {
	m := secinfra.BuildMap([]*aos.Flow{
		{ID: "f1", Source: "crm", SourceResource: "/v1/contacts", Destination: "mail", Resource: "/send", Categories: []string{"email", "name"}, Count: 2, At: flowAt(1), ApprovalID: "ap_1"},
		{ID: "f2", Source: "unattributed", Destination: "chat", Categories: []string{"email"}, At: flowAt(2)},
	})
	var b bytes.Buffer
	if err := secinfra.WriteText(&b, m); err != nil {
		t.Fatal(err)
	}
	want := `SOURCE        FROM          DESTINATION  TO     CATEGORIES  COUNT  CALLS  FIRST             LAST              APPROVED BY
crm           /v1/contacts  mail         /send  email,name  2      1      2026-12-01 09:01  2026-12-01 09:01  ap_1
unattributed  -             chat         -      email       0      1      2026-12-01 09:02  2026-12-01 09:02  no approval (1)
`
	if b.String() != want {
		t.Errorf("text =\n%s\nwant\n%s", b.String(), want)
	}
	for _, c := range []struct {
		name string
		m    *secinfra.FlowMap
		want string
	}{
		{"nothing left", &secinfra.FlowMap{}, "no customer data has left through the boundary\n"},
		{"subject went nowhere", &secinfra.FlowMap{BySubject: true}, "no recorded flow carried this subject's data\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			secinfra.WriteText(&b, c.m)
			if b.String() != c.want {
				t.Errorf("text = %q, want %q", b.String(), c.want)
			}
		})
	}
}

func TestWriteDOT(t *testing.T) {
	m := secinfra.BuildMap([]*aos.Flow{
		{ID: "f1", Source: "crm", SourceResource: "/v1/contacts", Destination: "mail", Resource: "/send", Categories: []string{"email"}, Count: 2, At: flowAt(1), ApprovalID: "ap_1"},
		{ID: "f2", Source: "crm", Destination: "mail", Resource: "/a\"b\\c\nd];x", Categories: []string{"email"}, Count: 1, At: flowAt(2), ApprovalID: "ap_2"},
		{ID: "f3", Source: "unattributed", Destination: "mail", Resource: "/send", Categories: []string{"phone"}, At: flowAt(3)},
	})
	var b bytes.Buffer
	if err := secinfra.WriteDOT(&b, m); err != nil {
		t.Fatal(err)
	}
	want := `digraph pii_map {
	rankdir=LR;
	node [shape=box];
	"crm" [label="crm"];
	"mail" [label="mail"];
	"unattributed" [label="unattributed", style=dashed];
	"crm" -> "mail" [label="- → /a\"b\\c\nd];x\nemail\n1 in 1 call\n2026-12-01 09:02 to 2026-12-01 09:02\napproved: ap_2"];
	"crm" -> "mail" [label="/v1/contacts → /send\nemail\n2 in 1 call\n2026-12-01 09:01 to 2026-12-01 09:01\napproved: ap_1"];
	"unattributed" -> "mail" [label="- → /send\nphone\n0 in 1 call\n2026-12-01 09:03 to 2026-12-01 09:03\nno approval: 1 call"];
}
`
	if b.String() != want {
		t.Errorf("dot =\n%s\nwant\n%s", b.String(), want)
	}
}
