package vault_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aos-dev/aos/vault"
)

const echoReplacement = "[redacted by aos]"

func TestSecret_EchoRedactor(t *testing.T) {
	const token = "sk_live_51Hx/Yq+z9&k<T>2"
	const basic = "ada:pa55/word+Q&x"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, secret, text string
		gone               []string // what must not remain
	}{
		{"raw in JSON", token, `{"echo":"` + token + `"}`, []string{token}},
		{"raw with trailing newline in the vault", token + "\n", "x " + token + " y", []string{token}},
		{"authorization header", token, "Bearer " + token, []string{token}},
		{"base64 std", token, b64(token), []string{b64(token), strings.TrimRight(b64(token), "=")}},
		{"base64 url", token, base64.URLEncoding.EncodeToString([]byte(token)), []string{base64.RawURLEncoding.EncodeToString([]byte(token))}},
		{"base64 url raw", token, base64.RawURLEncoding.EncodeToString([]byte(token)), []string{base64.RawURLEncoding.EncodeToString([]byte(token))}},
		{"base64 of the bearer header", token, b64("Bearer " + token), []string{b64("Bearer " + token)}},
		{"basic auth", basic, "Basic " + b64(basic), []string{b64(basic)}},
		{"basic auth password alone", basic, `{"password":"pa55/word+Q&x"}`, []string{"pa55/word+Q&x"}},
		{"base64 of an echoed header block", token, b64("Host: x\r\nAuthorization: Bearer " + token + "\r\nAccept: */*\r\n"), nil},
		{"query escaped", token, "https://x/?key=" + url.QueryEscape(token), []string{url.QueryEscape(token)}},
		{"path escaped", token, "/v1/" + url.PathEscape(token), []string{url.PathEscape(token)}},
		{"encodeURIComponent", "key/with'(x)*!", "?k=key%2Fwith'(x)*!", []string{"key%2Fwith'(x)*!"}},
		{"python quote keeps slashes", "key/with+plus=9", "?k=key/with%2Bplus%3D9", []string{"key/with%2Bplus%3D9"}},
		{"percent lower case hex", token, lowerEscapes(url.QueryEscape(token)), []string{lowerEscapes(url.QueryEscape(token))}},
		{"JSON Go", token, mustJSON(token), []string{strings.Trim(mustJSON(token), `"`)}},
		{"JSON slash escaped", token, strings.ReplaceAll(token, "/", `\/`), []string{strings.ReplaceAll(token, "/", `\/`)}},
		{"hex", token, hex.EncodeToString([]byte(token)), []string{hex.EncodeToString([]byte(token))}},
		{"hex upper", token, strings.ToUpper(hex.EncodeToString([]byte(token))), []string{strings.ToUpper(hex.EncodeToString([]byte(token)))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := vault.NewSecret([]byte(tt.secret)).EchoRedactor(echoReplacement)
			out, found := r.Redact([]byte(tt.text))
			if !found || !bytes.Contains(out, []byte(echoReplacement)) {
				t.Fatalf("Redact(%q) = %q, %v; want a redaction", tt.text, out, found)
			}
			for _, g := range append(tt.gone, strings.TrimSpace(tt.secret)) {
				if bytes.Contains(out, []byte(g)) {
					t.Errorf("Redact(%q) = %q still holds %q", tt.text, out, g)
				}
			}
			if tt.name == "base64 of an echoed header block" {
				dec, _ := base64.StdEncoding.DecodeString(strings.SplitN(string(out), echoReplacement, 2)[0] + "AAAA")
				if bytes.Contains(dec, []byte(token[:12])) {
					t.Errorf("the part before the redaction still decodes to the token's start: %q", dec)
				}
			}
			s, sfound := r.RedactString(tt.text)
			if s != string(out) || sfound != found {
				t.Errorf("RedactString differs from Redact: %q, %v", s, sfound)
			}
		})
	}
}

func TestSecret_EchoRedactor_jsonKey(t *testing.T) {
	const line = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
	key := `{"type":"service_account","client_email":"bot@p.iam.gserviceaccount.com",` +
		`"private_key":"-----BEGIN PRIVATE KEY-----\n` + line + `\nshort\n-----END PRIVATE KEY-----\n",` +
		`"measurement_protocol":[{"measurement_id":"G-ABC123","api_secret":"mp/secret+Xy9z"}]}`
	r := vault.NewSecret([]byte(key)).EchoRedactor(echoReplacement)
	for _, echo := range []string{
		"https://www.google-analytics.com/mp/collect?api_secret=" + url.QueryEscape("mp/secret+Xy9z"),
		`{"key":"` + line + `"}`,
	} {
		out, found := r.Redact([]byte(echo))
		if !found || bytes.Contains(out, []byte("Xy9z")) || bytes.Contains(out, []byte(line)) {
			t.Errorf("Redact(%q) = %q, %v", echo, out, found)
		}
	}
	for _, kept := range []string{"bot@p.iam.gserviceaccount.com", "G-ABC123", "service_account"} {
		if out, found := r.Redact([]byte(kept)); found {
			t.Errorf("Redact(%q) = %q: not a secret", kept, out)
		}
	}
}

func TestEchoRedactor_Redact_untouched(t *testing.T) {
	tests := map[string]struct{ secret, text string }{
		"no echo":                   {"sk_live_abcdefgh", `{"id":"ch_1","amount":100}`},
		"short secret":              {"abc", "abc abc abc"},
		"empty secret":              {"", "anything at all"},
		"prefix of the secret only": {"sk_live_abcdefgh", "sk_live_abcd"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			in := []byte(tt.text)
			out, found := vault.NewSecret([]byte(tt.secret)).EchoRedactor(echoReplacement).Redact(in)
			if found || !bytes.Equal(out, in) {
				t.Fatalf("Redact(%q) = %q, %v; want it untouched", in, out, found)
			}
		})
	}
}

func TestEchoRedactor_neverPrints(t *testing.T) {
	const secret = "sk_live_neverprinted"
	r := vault.NewSecret([]byte(secret)).EchoRedactor(echoReplacement)
	j, _ := json.Marshal(map[string]any{"r": r})
	for _, s := range []string{fmt.Sprint(r), fmt.Sprintf("%#v %+v %s", r, r, r), string(j)} {
		if strings.Contains(s, "sk_live") || strings.Contains(s, base64.StdEncoding.EncodeToString([]byte(secret))[:8]) {
			t.Errorf("printed %q", s)
		}
	}
}

func BenchmarkEchoRedactor_Redact(b *testing.B) {
	r := vault.NewSecret([]byte("sk_live_51Hx/Yq+z9&k<T>2")).EchoRedactor(echoReplacement)
	body := bytes.Repeat([]byte(`{"id":"cus_123","email":"ada@example.com","metadata":{"k":"v"}},`), 1<<14)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r.Redact(body)
	}
}

// lowerEscapes writes the hex digits of each %XX in lower case.
func lowerEscapes(s string) string {
	return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(s, strings.ToLower)
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func BenchmarkSecret_EchoRedactor(b *testing.B) {
	s := vault.NewSecret([]byte("sk_live_51Hx/Yq+z9&k<T>2"))
	for b.Loop() {
		s.EchoRedactor(echoReplacement)
	}
}

// FuzzEchoRedactor checks that a secret of 8 bytes or more, put in any
// text raw or base64-encoded with that text, is found, and that no raw
// occurrence survives. (A secret with '[' or ']' could be rebuilt around
// the replacement's brackets, so it is not tried.)
func FuzzEchoRedactor(f *testing.F) {
	for _, s := range [][3]string{
		{"sk_live_51Hx/Yq+z9", `{"a":"`, `"}`}, {"ada:pa55word", "Basic ", ""}, {"k=v&x/y+z", "?key=", "&page=2"},
		{"ÄÖÜ-secret-€", "", ""}, {"aaaaaaaa", "aaaa", "aaaa"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, secret, prefix, suffix string) {
		secret = strings.TrimSpace(secret)
		if len(secret) < 8 || strings.ContainsAny(secret, "[]") {
			return
		}
		r := vault.NewSecret([]byte(secret)).EchoRedactor(echoReplacement)
		for _, text := range []string{prefix + secret + suffix, base64.StdEncoding.EncodeToString([]byte(prefix + secret + suffix))} {
			out, found := r.RedactString(text)
			if !found {
				t.Fatalf("the secret %q was not found in %q", secret, text)
			}
			if strings.Contains(out, secret) {
				t.Fatalf("Redact(%q) = %q still holds %q", text, out, secret)
			}
		}
	})
}
