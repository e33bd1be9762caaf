package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestTLS(t *testing.T) {
	s := startServerWith(t, "--tls")
	ca := filepath.Join(s.dataDir, "tls", "ca.pem")
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatalf("the CA Stratus made: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("ca.pem holds no certificate")
	}
	t.Run("the AWS CLI and boto3 work over HTTPS with the CA bundle", func(t *testing.T) {
		out := s.awsOK(s.admin(), "sts", "get-caller-identity")
		if !strings.HasSuffix(out["Arn"].(string), ":user/admin") {
			t.Fatalf("get-caller-identity = %v", out)
		}
		got := s.python(s.admin(), `import boto3, json; print(json.dumps({"n": len(boto3.client("lambda").list_functions()["Functions"])}))`)
		if got["n"] != float64(0) {
			t.Fatalf("boto3 = %v", got)
		}
	})
	t.Run("a client that does not trust the CA is refused", func(t *testing.T) {
		r := s.aws(s.admin(), "--ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "sts", "get-caller-identity")
		if r.Code == 0 || !strings.Contains(r.Stderr, "SSL") {
			t.Fatalf("an untrusted certificate was accepted: %d %s", r.Code, r.Stderr)
		}
	})
	t.Run("TLS 1.1 is refused and TLS 1.2 negotiates a forward-secret AEAD suite", func(t *testing.T) {
		if c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}); err == nil {
			c.Close()
			t.Fatal("a TLS 1.1 handshake succeeded")
		}
		c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		st := c.ConnectionState()
		name := tls.CipherSuiteName(st.CipherSuite)
		if st.Version != tls.VersionTLS12 || !strings.HasPrefix(name, "TLS_ECDHE_") || !(strings.Contains(name, "GCM") || strings.Contains(name, "CHACHA20")) {
			t.Fatalf("negotiated %x %s", st.Version, name)
		}
	})
	t.Run("plain HTTP on an address other than loopback is refused at start", func(t *testing.T) {
		out, err := exec.Command(binary, "server", "--listen", "0.0.0.0:0", "--data-dir", t.TempDir(), "--root-key-file", filepath.Join(t.TempDir(), "k")).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "plain HTTP is only served on loopback addresses") {
			t.Fatalf("server on 0.0.0.0 without --tls: %v\n%s", err, out)
		}
	})
	t.Run("the CA's and the server's private keys are sealed, not stored in clear", func(t *testing.T) {
		for _, f := range []string{"ca-key.sealed", "server-key.sealed"} {
			b, err := os.ReadFile(filepath.Join(s.dataDir, "tls", f))
			if err != nil || strings.Contains(string(b), "PRIVATE KEY") {
				t.Fatalf("%s: %v", f, err)
			}
		}
	})
}
