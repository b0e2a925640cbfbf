package email_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aos-dev/aos/internal/testenv"
)

// The mailpit login every test uses: mailpit is started with an auth file
// holding it, so any other credential is refused.
const (
	smtpUser     = "ada@example.com"
	smtpPassword = "correct-horse-battery-staple"
)

// mailpit is one running mailpit: its SMTP address and HTTP API.
type mailpit struct {
	smtp string // 127.0.0.1:PORT
	api  string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
}

// servers are the mailpits of this test binary, started once: one with
// STARTTLS, one with implicit TLS and one in plain text, all with the
// same login, and the pool that trusts their certificate.
var servers struct {
	once                      sync.Once
	dir                       string
	starttls, implicit, plain *mailpit
	roots                     *x509.CertPool
	err                       error
	all                       []*mailpit
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, s := range servers.all {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
	if servers.dir != "" {
		os.RemoveAll(servers.dir)
	}
	os.Exit(code)
}

// mailpits returns the running mailpits, starting them on first use. A
// missing mailpit skips the test (fails it under CI=true).
func mailpits(t *testing.T) (starttls, implicit, plain *mailpit, roots *x509.CertPool) {
	t.Helper()
	bin := testenv.Tool(t, "mailpit")
	servers.once.Do(func() { servers.err = startMailpits(bin) })
	if servers.err != nil {
		t.Fatalf("starting mailpit: %v", servers.err)
	}
	return servers.starttls, servers.implicit, servers.plain, servers.roots
}

func startMailpits(bin string) error {
	dir, err := os.MkdirTemp("", "aos-mailpit-")
	if err != nil {
		return err
	}
	servers.dir = dir
	cert, key, err := writeCert(dir)
	if err != nil {
		return err
	}
	auth := filepath.Join(dir, "auth")
	if err := os.WriteFile(auth, []byte(smtpUser+":"+smtpPassword+"\n"), 0o600); err != nil {
		return err
	}
	common := []string{"--smtp-auth-file", auth, "--disable-version-check", "--smtp-disable-rdns", "--quiet"}
	tlsArgs := []string{"--smtp-tls-cert", cert, "--smtp-tls-key", key}
	for _, s := range []struct {
		into **mailpit
		args []string
	}{
		{&servers.starttls, append(append([]string{"--smtp-require-starttls"}, tlsArgs...), common...)},
		{&servers.implicit, append(append([]string{"--smtp-require-tls"}, tlsArgs...), common...)},
		{&servers.plain, append([]string{"--smtp-auth-allow-insecure"}, common...)},
	} {
		mp, err := startMailpit(bin, dir, s.args)
		if err != nil {
			return err
		}
		*s.into = mp
	}
	return nil
}

func startMailpit(bin, dir string, args []string) (*mailpit, error) {
	smtpAddr, httpAddr := freeAddr(), freeAddr()
	db := filepath.Join(dir, fmt.Sprintf("mailpit-%d.db", len(servers.all)))
	cmd := exec.Command(bin, append([]string{"--smtp", smtpAddr, "--listen", httpAddr, "--database", db}, args...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	mp := &mailpit{smtp: smtpAddr, api: "http://" + httpAddr, cmd: cmd}
	servers.all = append(servers.all, mp)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(mp.api + "/livez")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", smtpAddr); err == nil {
				c.Close()
				return mp, nil
			}
		}
	}
	return nil, fmt.Errorf("mailpit %v did not come up", args)
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key,
// and puts the certificate in servers.roots.
func writeCert(dir string) (certFile, keyFile string, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "aos test mailpit"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return "", "", err
	}
	cert, _ := x509.ParseCertificate(der)
	servers.roots = x509.NewCertPool()
	servers.roots.AddCert(cert)
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
}

// delivered is a message as mailpit's API shows it.
type delivered struct {
	ID        string
	MessageID string
	From      struct{ Name, Address string }
	To, Cc    []struct{ Name, Address string }
	Bcc       []struct{ Name, Address string }
	Subject   string
	Text      string
	HTML      string
}

// find returns the message with a Message-ID, read in full, or nil.
func (mp *mailpit) find(t *testing.T, messageID string) *delivered {
	t.Helper()
	var list struct{ Messages []delivered }
	mp.get(t, "/api/v1/search?query="+url.QueryEscape("message-id:"+messageID), &list)
	if len(list.Messages) == 0 {
		return nil
	}
	var d delivered
	mp.get(t, "/api/v1/message/"+list.Messages[0].ID, &d)
	return &d
}

// raw returns a message's source as mailpit stored it.
func (mp *mailpit) raw(t *testing.T, id string) []byte {
	t.Helper()
	resp, err := http.Get(mp.api + "/api/v1/message/" + id + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// count is how many messages mailpit holds.
func (mp *mailpit) count(t *testing.T) int {
	t.Helper()
	var list struct{ Total int }
	mp.get(t, "/api/v1/messages?limit=1", &list)
	return list.Total
}

func (mp *mailpit) get(t *testing.T, path string, into any) {
	t.Helper()
	resp, err := http.Get(mp.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("mailpit GET %s: %v", path, err)
	}
}
