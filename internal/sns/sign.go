package sns

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// signer signs the messages SNS sends with Stratus's own RSA key. The key is
// created on first start and kept in sns_meta (sealed when a Sealer is
// configured) together with a self-signed certificate for it, which
// endpoints fetch from the SigningCertURL to verify signatures as they do on
// AWS.
type signer struct {
	key      *rsa.PrivateKey
	certPEM  []byte
	certName string // SimpleNotificationService-<hash>.pem
}

const (
	metaKey  = "signing-key"
	metaCert = "signing-cert"
)

func loadSigner(ctx context.Context, st *store.Store, sealer Sealer, now func() time.Time) (*signer, error) {
	ad := []byte("sns/" + metaKey)
	keyBlob, certDER, err := readSigner(ctx, st)
	if err != nil {
		return nil, err
	}
	if keyBlob == nil {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
		cert, err := selfSigned(key, now())
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		blob := der
		if sealer != nil {
			blob = sealer.Seal(der, ad)
		}
		err = st.Update(ctx, func(tx *store.Tx) error {
			for name, v := range map[string][]byte{metaKey: blob, metaCert: cert} {
				if _, err := tx.Exec(ctx, `INSERT INTO sns_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("store signing key: %w", err)
		}
		// Another process may have won the race; read what is stored.
		if keyBlob, certDER, err = readSigner(ctx, st); err != nil {
			return nil, err
		}
	}
	der := keyBlob
	if sealer != nil {
		if der, err = sealer.Open(keyBlob, ad); err != nil {
			return nil, fmt.Errorf("open signing key: %w", err)
		}
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse signing key: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key is %T, not RSA", parsed)
	}
	sum := sha256.Sum256(certDER)
	return &signer{
		key:      key,
		certPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}),
		certName: "SimpleNotificationService-" + hex.EncodeToString(sum[:16]) + ".pem",
	}, nil
}

func readSigner(ctx context.Context, st *store.Store) (key, cert []byte, err error) {
	err = st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT name, value FROM sns_meta WHERE name IN (?, ?)`, metaKey, metaCert)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var v []byte
			if err := rows.Scan(&name, &v); err != nil {
				return err
			}
			if name == metaKey {
				key = v
			} else {
				cert = v
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read signing key: %w", err)
	}
	if key == nil || cert == nil {
		return nil, nil, nil
	}
	return key, cert, nil
}

func selfSigned(key *rsa.PrivateKey, now time.Time) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "sns.stratus", Organization: []string{"Stratus"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(20, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create signing certificate: %w", err)
	}
	return der, nil
}

// CertificatePEM returns the PEM certificate of the signing key and the file
// name it is served under (below URLPath).
func (s *Service) CertificatePEM() (name string, pemBytes []byte) {
	return s.signer.certName, s.signer.certPEM
}

// sign returns the base64 signature of AWS's canonical string of fields
// (name, value pairs in the order AWS lists them; pairs with an empty value
// are left out by the caller): SHA1withRSA for version "1", SHA256withRSA
// for "2".
func (sg *signer) sign(version string, fields [][2]string) string {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f[0])
		b.WriteByte('\n')
		b.WriteString(f[1])
		b.WriteByte('\n')
	}
	var sig []byte
	var err error
	if version == "2" {
		sum := sha256.Sum256([]byte(b.String()))
		sig, err = rsa.SignPKCS1v15(nil, sg.key, crypto.SHA256, sum[:])
	} else {
		sum := sha1.Sum([]byte(b.String()))
		sig, err = rsa.SignPKCS1v15(nil, sg.key, crypto.SHA1, sum[:])
	}
	if err != nil {
		return "" // a 2048-bit key signs any digest; not reached
	}
	return base64.StdEncoding.EncodeToString(sig)
}
