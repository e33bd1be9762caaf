package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/rootkey"
)

// lambdaRoles lets Lambda check execution roles against IAM without importing it.
type lambdaRoles struct{ iam *iam.Service }

func (r lambdaRoles) CheckExecutionRole(ctx context.Context, account, roleARN string) error {
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	role, err := r.iam.GetRole(ctx, account, name)
	if err != nil || role.ARN != roleARN || !lambda.TrustsLambda(role.TrustPolicy) {
		return lambda.RoleNotAssumable()
	}
	return nil
}

// codeURLs makes and checks the short-lived signed URLs GetFunction reports as
// Code.Location (AWS returns a presigned S3 URL; Stratus serves the code itself).
type codeURLs struct {
	key  []byte // HMAC key derived from the root key
	base func() string
	now  func() time.Time
	ttl  time.Duration
}

const codePathPrefix = "/_stratus/lambda/code/"

func newCodeURLs(root *rootkey.Key, base func() string) *codeURLs {
	m := hmac.New(sha256.New, root.Bytes())
	m.Write([]byte("stratus lambda code url v1"))
	return &codeURLs{key: m.Sum(nil), base: base, now: time.Now, ttl: 10 * time.Minute}
}

func (c *codeURLs) sign(account, digest string, expires int64) string {
	m := hmac.New(sha256.New, c.key)
	fmt.Fprintf(m, "%s/%s/%d", account, digest, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// Location implements lambda.CodeLocation.
func (c *codeURLs) Location(account string, d blob.Digest) string {
	exp := c.now().Add(c.ttl).Unix()
	return fmt.Sprintf("%s%s%s/%s?Expires=%d&Signature=%s", c.base(), codePathPrefix, account, d.String(), exp, c.sign(account, d.String(), exp))
}

// serve answers GET /_stratus/lambda/code/{account}/{digest}?Expires=&Signature=
// with the code zip, if the signature is valid and not expired.
func (c *codeURLs) serve(code func(blob.Digest) ([]byte, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		account, digest := r.PathValue("account"), r.PathValue("digest")
		exp, err := strconv.ParseInt(r.URL.Query().Get("Expires"), 10, 64)
		sig, _ := hex.DecodeString(r.URL.Query().Get("Signature"))
		want, _ := hex.DecodeString(c.sign(account, digest, exp))
		if err != nil || !hmac.Equal(sig, want) {
			http.Error(w, "invalid signature", http.StatusForbidden)
			return
		}
		if c.now().Unix() > exp {
			http.Error(w, "request has expired", http.StatusForbidden)
			return
		}
		d, err := blob.ParseDigest(digest)
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		b, err := code(d)
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	}
}
