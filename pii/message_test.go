package pii

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestExtract_Message(t *testing.T) {
	msg := strings.Join([]string{
		"From: Ada Lovelace <ada@example.com>",
		"To: Bob <bob@client.example>, carol@example.com",
		"Cc: =?utf-8?q?Grace_Hopper?= <grace@partner.example>",
		"Reply-To: \"Dave Customer\" <dave.customer@client.example>",
		"Subject: =?UTF-8?Q?Renewal_for_grace@example.org?=",
		"In-Reply-To: <erin@client.example>",
		"X-Account: acct 4000 0566 5566 5556",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Please call +44 20 7946 0958 about card 4242 4242 4242 4242.",
		"",
	}, "\r\n")
	items := Extract("message/rfc822", []byte(msg))
	all := strings.Join(values(items, "*"), "|")
	for _, want := range []string{
		"grace@example.org",            // the Subject, decoded
		"+44 20 7946 0958",             // the body
		"4242 4242 4242 4242",          // the body
		"4000 0566 5566 5556",          // any other header field
		"dave.customer@client.example", // a Reply-To address
		"Dave Customer",                // display names
		"Ada Lovelace",
		"Grace Hopper",        // decoded
		"erin@client.example", // a message id, whole
	} {
		if !strings.Contains(all, want) {
			t.Errorf("%q not extracted: %q", want, all)
		}
	}
	for _, not := range []string{"ada@example.com", "bob@client.example", "carol@example.com", "grace@partner.example"} {
		if strings.Contains(all, not) {
			t.Errorf("address %q extracted: the sender and recipients are where a mail goes, not what it carries", not)
		}
	}
	if emails := values(items, CategoryEmail); slices.Contains(emails, "erin@client.example") {
		t.Error("a message id counts as a personal email address")
	}
}

// TestExtract_MessageParts reads a multipart message whose parts are in
// base64 and quoted-printable.
func TestExtract_MessageParts(t *testing.T) {
	b, err := os.ReadFile("testdata/payloads/reply.eml")
	if err != nil {
		t.Fatal(err)
	}
	items := Extract("message/rfc822", b)
	emails, phones := values(items, CategoryEmail), values(items, CategoryPhone)
	if !slices.Contains(phones, "+1 415 555 0142") {
		t.Errorf("the base64 part is not read: phones %q", phones)
	}
	if n := strings.Count(strings.Join(emails, " "), "grace.hopper@customer.example"); n != 2 {
		t.Errorf("the Reply-To and the quoted-printable HTML part give %d of grace's address, want 2: %q", n, emails)
	}
}
