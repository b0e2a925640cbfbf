package pii

import (
	"strings"
	"testing"
)

func TestExtract_Message(t *testing.T) {
	msg := strings.Join([]string{
		"From: Ada Lovelace <ada@example.com>",
		"To: Bob <bob@client.example>, carol@example.com",
		"Subject: =?UTF-8?Q?Renewal_for_grace@example.org?=",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Please call +44 20 7946 0958 about card 4242 4242 4242 4242.",
		"",
	}, "\r\n")
	items := Extract("message/rfc822", []byte(msg))
	var got []string
	for _, it := range items {
		got = append(got, it.Value)
	}
	all := strings.Join(got, "|")
	for _, want := range []string{"grace@example.org", "+44 20 7946 0958", "4242 4242 4242 4242"} {
		if !strings.Contains(all, want) {
			t.Errorf("subject or body value %q not extracted: %q", want, all)
		}
	}
	for _, not := range []string{"ada@example.com", "bob@client.example", "carol@example.com"} {
		if strings.Contains(all, not) {
			t.Errorf("address field %q extracted: recipients are where a mail goes, not what it carries", not)
		}
	}
}
