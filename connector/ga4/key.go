package ga4

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"regexp"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/vault"
)

// serviceKey is the part of a service account key file the connector
// reads, plus the Measurement Protocol streams it may carry.
type serviceKey struct {
	Type         string `json:"type"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
	// MeasurementProtocol lists the data streams the connection may send
	// events to, each with its API secret.
	MeasurementProtocol []mpStream `json:"measurement_protocol"`
}

// mpStream is one web data stream and its Measurement Protocol API secret.
type mpStream struct {
	Property      string `json:"property"`
	MeasurementID string `json:"measurement_id"`
	APISecret     string `json:"api_secret"`
}

var (
	measurementIDRE = regexp.MustCompile(`^G-[A-Z0-9]{4,20}$`)
	clientEmailRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*@[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$`)
)

// parseKey reads and checks a service account key: a JSON object of type
// service_account with a client_email, an RSA private_key in PEM (PKCS #8
// or PKCS #1), a token_uri that is https (or http on loopback), and
// well-formed, distinct Measurement Protocol streams. Errors carry code
// and never any part of the key.
func parseKey(secret vault.Secret, code string) (*serviceKey, error) {
	fail := func(format string, args ...any) (*serviceKey, error) {
		return nil, aos.Errorf(code, "the ga4 credential "+format, args...)
	}
	var k serviceKey
	dec := json.NewDecoder(bytes.NewReader(secret.Reveal()))
	if err := dec.Decode(&k); err != nil {
		return fail("is not a service account JSON key file (it does not parse as a JSON object)")
	}
	switch {
	case k.Type != "service_account":
		return fail("is not a service account key: its type must be service_account")
	case !clientEmailRE.MatchString(k.ClientEmail):
		return fail("has no valid client_email")
	case !isRSAKey(k.PrivateKey):
		return fail("has no private_key that parses as an RSA key in PEM")
	}
	u, err := url.Parse(k.TokenURI)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" ||
		!(u.Scheme == "https" || u.Scheme == "http" && connector.IsLoopback(u.Hostname())) {
		return fail("has no token_uri that is an https URL (such as https://oauth2.googleapis.com/token)")
	}
	seen := map[string]bool{}
	for i, s := range k.MeasurementProtocol {
		switch {
		case !isPropertyID(s.Property):
			return fail("measurement_protocol[%d]: property must be the numeric GA4 property ID", i)
		case !measurementIDRE.MatchString(s.MeasurementID):
			return fail("measurement_protocol[%d]: measurement_id must look like G-XXXXXXX", i)
		case seen[s.MeasurementID]:
			return fail("measurement_protocol[%d]: measurement_id %s is given twice", i, s.MeasurementID)
		case s.APISecret == "" || strings.ContainsFunc(s.APISecret, func(r rune) bool { return r <= ' ' || r >= 0x7f }):
			return fail("measurement_protocol[%d]: api_secret must be the secret as Google shows it (printable, no spaces)", i)
		}
		seen[s.MeasurementID] = true
	}
	return &k, nil
}

// isRSAKey reports whether s is a PEM RSA private key, PKCS #8 or #1.
func isRSAKey(s string) bool {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return false
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		_, ok := k.(*rsa.PrivateKey)
		return ok
	}
	_, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	return err == nil
}

// stream returns the key's stream for a measurement ID.
func (k *serviceKey) stream(measurementID string) (mpStream, bool) {
	for _, s := range k.MeasurementProtocol {
		if s.MeasurementID == measurementID {
			return s, true
		}
	}
	return mpStream{}, false
}

// CheckCredential reports whether secret is a usable service account key
// (see the package documentation). The error never contains the key.
func (k *Connector) CheckCredential(c *aos.Connection, secret vault.Secret) error {
	_, err := parseKey(secret, aos.EBadRequest)
	return err
}
