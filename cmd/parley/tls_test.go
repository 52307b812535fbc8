package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/openapitest"
)

// writeSelfSigned writes a certificate for 127.0.0.1 and its key, returning their paths.
func writeSelfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "parley test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestServeHTTPSWithHostCookie(t *testing.T) {
	certFile, keyFile := writeSelfSigned(t)
	dir := t.TempDir()
	code, _, errOut := parley(t, "correct horse battery\n", nil, "user", "create", "--data", dir, "--email", "ana@example.com", "--name", "Ana", "--role", "owner")
	if code != 0 {
		t.Fatal(errOut)
	}
	s := startServer(t, nil, "--data", dir, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("printed URL %s is not https", s.url)
	}
	c := browser(t)
	c.Transport = openapitest.Transport(t, &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}) // our own self-signed test certificate
	res, err := c.Post(s.url+"/api/v1/session", "application/json", strings.NewReader(`{"email":"ana@example.com","password":"correct horse battery"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cookie := res.Header.Get("Set-Cookie")
	if res.StatusCode != 200 || !strings.HasPrefix(cookie, "__Host-parley_session=") || !strings.Contains(cookie, "Secure") || !strings.Contains(cookie, "HttpOnly") {
		t.Fatalf("login over HTTPS: %d, cookie %q", res.StatusCode, cookie)
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS over HTTPS")
	}
	if code, body := s.get(c, "/api/v1/me"); code != 200 {
		t.Fatalf("me over HTTPS: %d %s", code, body)
	}
	s.stop()

	code, _, errOut = parley(t, "", nil, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--tls-cert", certFile)
	if code != 1 || !strings.Contains(errOut, "--tls-cert and --tls-key must be given together") {
		t.Fatalf("cert without key: %d %s", code, errOut)
	}
}
