package pii

import (
	"slices"
	"strings"
	"testing"
)

// values returns the values of items with a category, or all values when
// category is "*".
func values(items []Item, category string) []string {
	var vs []string
	for _, it := range items {
		if category == "*" || it.Category == category {
			vs = append(vs, it.Value)
		}
	}
	return vs
}

func TestExtract_HTML(t *testing.T) {
	for _, c := range []struct {
		name, html string
		emails     []string // the emails found, in order
		phones     []string
		sensitive  bool   // a detector hit
		text       string // a value that must be there
	}{
		{"numeric character reference", `<p>user901&#64;example.com</p>`, []string{"user901@example.com"}, nil, false, ""},
		{"hex and named references", `<p>ada&#x40;example.org and bob&commat;client&period;example</p>`,
			[]string{"ada@example.org", "bob@client.example"}, nil, false, ""},
		{"inline tags run together", `<p>grace<b></b>.hopper<span>@customer</span>.example</p>`, []string{"grace.hopper@customer.example"}, nil, false, ""},
		{"a comment inside the address", `<p>grace<!-- x -->@customer.example</p>`, []string{"grace@customer.example"}, nil, false, ""},
		{"zero-width space and soft hyphen", `<p>gra&#8203;ce@cust&shy;omer.example</p>`, []string{"grace@customer.example"}, nil, false, ""},
		{"mailto link", `<a href="mailto:carol&#x40;client.example">write</a>`, []string{"carol@client.example"}, nil, false, ""},
		{"percent-encoded in a link", `<a href="https://x.example/?e=carol%40client.example&amp;n=%zz">x</a>`, []string{"carol@client.example"}, nil, false, ""},
		{"title and alt text", `<img alt="Call +1 415 555 0142"><abbr title="Grace Hopper">GH</abbr>`, nil, []string{"+1 415 555 0142"}, false, "Grace Hopper"},
		{"script content", `<script>var x = "dave@partner.example"</script>`, []string{"dave@partner.example"}, nil, false, ""},
		{"card split by an entity", `<td>4242&#x20;4242 4242 4242</td>`, nil, nil, true, ""},
		{"block elements break words apart", `<td>Ada</td><td>Lovelace</td>`, nil, nil, false, "Ada\n\nLovelace"},
		{"unclosed markup", `<p>call <i>+44 20 7946 0958`, nil, []string{"+44 20 7946 0958"}, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			items := Extract("text/html; charset=utf-8", []byte(c.html))
			if got := values(items, CategoryEmail); !slices.Equal(got, c.emails) {
				t.Errorf("emails = %q, want %q", got, c.emails)
			}
			if got := values(items, CategoryPhone); !slices.Equal(got, c.phones) {
				t.Errorf("phones = %q, want %q", got, c.phones)
			}
			if got := len(Scan(items).Sensitive) > 0; got != c.sensitive {
				t.Errorf("sensitive = %v, want %v", got, c.sensitive)
			}
			if all := strings.Join(values(items, "*"), "|"); c.text != "" && !strings.Contains(all, c.text) {
				t.Errorf("%q not among %q", c.text, all)
			}
		})
	}
}

// TestCandidates_HTML shows that what was learnt from a system of record
// is found again in HTML that hides it behind character references.
func TestCandidates_HTML(t *testing.T) {
	learnt := Learn(testMAC, Extract("application/json", []byte(`{"email": "user901@example.com", "name": "Grace Hopper", "phone": "+1 415 555 0142"}`)))
	for _, page := range []string{
		`<p>Contact: user901&#64;example.com</p>`,
		`<p>Dear <b>Grace</b> Hopper,</p>`,
		`<p>call &#43;1&nbsp;415&nbsp;555&nbsp;0142</p>`,
	} {
		cands := Candidates(testMAC, Extract("text/html", []byte(page)))
		hit := false
		for _, fp := range learnt {
			hit = hit || slices.ContainsFunc(cands, func(c []byte) bool { return string(c) == string(fp.MAC) })
		}
		if !hit {
			t.Errorf("nothing learnt is found in %s", page)
		}
	}
}

// BenchmarkExtract_HTML reads about 1 MiB of mail-like HTML, as the scan of
// a large HTML message does.
func BenchmarkExtract_HTML(b *testing.B) {
	var page strings.Builder
	for i := 0; page.Len() < MaxBytes; i++ {
		page.WriteString(`<tr><td><b>Customer</b> ` + strings.Repeat("x", i%7) + `</td><td><a href="mailto:person` +
			string(rune('a'+i%26)) + `&#64;example.com">write</a> or call +44&nbsp;20&nbsp;7946&nbsp;0958</td></tr>` + "\n")
	}
	body := []byte(page.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		Extract("text/html", body)
	}
}
