package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/stratus-cloud/stratus/internal/config"
	"github.com/stratus-cloud/stratus/internal/secret"
)

// Files of the certificate authority Stratus makes when --tls is given
// without --tls-cert/--tls-key, under DATA_DIR/tls. The private keys are
// sealed under the root key like every other secret in the data directory.
const (
	tlsDir          = "tls"
	caCertFile      = "ca.pem"
	caKeyFile       = "ca-key.sealed"
	serverCertFile  = "server.pem"
	serverKeyFile   = "server-key.sealed"
	serverCertValid = 365 * 24 * time.Hour
	caCertValid     = 10 * 365 * 24 * time.Hour
)

// CAFile is where a Stratus-made CA certificate is, for `aws --ca-bundle`.
func CAFile(dataDir string) string { return filepath.Join(dataDir, tlsDir, caCertFile) }

// checkPlainHTTP refuses plain HTTP on an address other than loopback unless
// the operator opted out.
func checkPlainHTTP(cfg config.Config) error {
	if cfg.TLS.Enabled || cfg.TLS.InsecureHTTP {
		return nil
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", cfg.Listen, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("plain HTTP is only served on loopback addresses; %s is not one: use --tls (or --insecure-http to accept the risk)", cfg.Listen)
}

// tlsConfig is the server's TLS: 1.2 at least, AEAD suites with forward
// secrecy only (TLS 1.3's suites are all such).
func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
}

// serverCertificate loads --tls-cert/--tls-key, or makes (once) a CA in the
// data directory and a server certificate it signs for the listen host,
// localhost, 127.0.0.1 and ::1.
func serverCertificate(cfg config.Config, box *secret.Box) (tls.Certificate, error) {
	if cfg.TLS.CertFile != "" || cfg.TLS.KeyFile != "" {
		if cfg.TLS.CertFile == "" || cfg.TLS.KeyFile == "" {
			return tls.Certificate{}, errors.New("--tls-cert and --tls-key go together")
		}
		return tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
	}
	dir := filepath.Join(cfg.DataDir, tlsDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, err
	}
	ca, caKey, err := loadOrMakeCA(dir, box)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate authority: %w", err)
	}
	host, _, _ := net.SplitHostPort(cfg.Listen)
	if cert, err := loadServerCert(dir, box, host); err == nil {
		return cert, nil
	}
	return makeServerCert(dir, box, ca, caKey, host)
}

func sealedKeyAD(file string) []byte { return []byte("server/tls/" + file) }

func writeSealedKey(dir, file string, key *ecdsa.PrivateKey, box *secret.Box) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, file), box.Seal(der, sealedKeyAD(file)), 0o600)
}

func readSealedKey(dir, file string, box *secret.Box) (*ecdsa.PrivateKey, error) {
	sealed, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	der, err := box.Open(sealed, sealedKeyAD(file))
	if err != nil {
		return nil, err
	}
	return x509.ParseECPrivateKey(der)
}

func readCert(path string) (*x509.Certificate, []byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, nil, fmt.Errorf("%s holds no certificate", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	return c, blk.Bytes, err
}

func loadOrMakeCA(dir string, box *secret.Box) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	if ca, _, err := readCert(filepath.Join(dir, caCertFile)); err == nil {
		key, err := readSealedKey(dir, caKeyFile, box)
		if err != nil {
			return nil, nil, err
		}
		return ca, key, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "Stratus local CA", Organization: []string{"Stratus"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(caCertValid),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	if err := writeSealedKey(dir, caKeyFile, key, box); err != nil {
		return nil, nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, caCertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	return ca, key, err
}

// loadServerCert returns the stored server certificate if it is valid for a
// while yet and names host.
func loadServerCert(dir string, box *secret.Box, host string) (tls.Certificate, error) {
	c, der, err := readCert(filepath.Join(dir, serverCertFile))
	if err != nil {
		return tls.Certificate{}, err
	}
	if time.Until(c.NotAfter) < 30*24*time.Hour {
		return tls.Certificate{}, errors.New("server certificate expires soon")
	}
	if host != "" && c.VerifyHostname(host) != nil {
		return tls.Certificate{}, errors.New("server certificate does not name the listen host")
	}
	key, err := readSealedKey(dir, serverKeyFile, box)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, nil
}

func makeServerCert(dir string, box *secret.Box, ca *x509.Certificate, caKey *ecdsa.PrivateKey, host string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "Stratus"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(serverCertValid),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
	} else if host != "" && ip == nil && host != "localhost" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := writeSealedKey(dir, serverKeyFile, key, box); err != nil {
		return tls.Certificate{}, err
	}
	if err := writeFileAtomic(filepath.Join(dir, serverCertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, err
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}
