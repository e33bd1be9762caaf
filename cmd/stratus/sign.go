package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	signersdk "github.com/aws/aws-sdk-go-v2/service/signer"
	signertypes "github.com/aws/aws-sdk-go-v2/service/signer/types"

	"github.com/stratus-cloud/stratus/internal/codesign"
)

const signUsage = `usage: stratus sign --profile-name NAME [--profile-owner ACCOUNT] --in code.zip --out signed.zip

Signs a Lambda deployment package with a Signer profile's KMS key, through
the Stratus API with your own AWS credentials and settings (AWS_PROFILE,
AWS_REGION, AWS_ENDPOINT_URL, AWS_CA_BUNDLE, ...): it needs
signer:GetSigningProfile on the profile and kms:Sign on its key. The
signature travels in the zip's archive comment (see internal/codesign).
`

// signCommand is `stratus sign`: it reads the profile with
// GetSigningProfile, refuses a profile that is not Active, has KMS sign the
// payload's digest (MessageType DIGEST, ECDSA_SHA_256), writes the signed
// zip and prints the job id and profile version ARN as JSON.
func signCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, signUsage) }
	name := fs.String("profile-name", "", "signing profile name")
	owner := fs.String("profile-owner", "", "account that owns the profile (default: yours)")
	in := fs.String("in", "", "zip to sign")
	out := fs.String("out", "", "where to write the signed zip")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *name == "" || *in == "" || *out == "" {
		fs.Usage()
		return errors.New("sign: --profile-name, --in and --out are required")
	}
	code, err := os.ReadFile(*in)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("sign: load AWS configuration: %w", err)
	}
	get := &signersdk.GetSigningProfileInput{ProfileName: aws.String(*name)}
	if *owner != "" {
		get.ProfileOwner = aws.String(*owner)
	}
	prof, err := signersdk.NewFromConfig(cfg).GetSigningProfile(ctx, get)
	if err != nil {
		return fmt.Errorf("sign: get signing profile %s: %w", *name, err)
	}
	if prof.Status != signertypes.SigningProfileStatusActive {
		return fmt.Errorf("sign: signing profile %s is %s; only an Active profile signs", *name, prof.Status)
	}
	if prof.SigningMaterial == nil || aws.ToString(prof.SigningMaterial.CertificateArn) == "" || prof.ProfileVersionArn == nil {
		return fmt.Errorf("sign: signing profile %s has no signing key", *name)
	}
	keyARN := aws.ToString(prof.SigningMaterial.CertificateArn)
	validity := codesign.Validity{Value: 135, Type: codesign.ValidityMonths}
	if v := prof.SignatureValidityPeriod; v != nil && v.Type != "" {
		validity = codesign.Validity{Value: int64(v.Value), Type: string(v.Type)}
	}
	jobID, err := newJobID()
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	kc := kmssdk.NewFromConfig(cfg, func(o *kmssdk.Options) {
		if r := arnRegion(keyARN); r != "" {
			o.Region = r
		}
	})
	signed, p, err := codesign.Sign(ctx, code, codesign.Payload{
		ProfileVersionARN: aws.ToString(prof.ProfileVersionArn), JobID: jobID,
		SignedAt: now, ExpiresAt: validity.AddTo(now), KeyARN: keyARN,
	}, kmsDigestSigner{c: kc})
	if err != nil {
		return fmt.Errorf("sign %s: %w", *in, err)
	}
	if err := os.WriteFile(*out, signed, 0o644); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "    ")
	return enc.Encode(struct {
		JobID             string `json:"jobId"`
		ProfileVersionARN string `json:"profileVersionArn"`
	}{p.JobID, p.ProfileVersionARN})
}

// kmsDigestSigner is codesign.Signer over the KMS API.
type kmsDigestSigner struct{ c *kmssdk.Client }

func (s kmsDigestSigner) SignDigest(ctx context.Context, keyARN string, digest []byte) ([]byte, error) {
	out, err := s.c.Sign(ctx, &kmssdk.SignInput{
		KeyId: aws.String(keyARN), Message: digest, MessageType: kmstypes.MessageTypeDigest,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, err
	}
	return out.Signature, nil
}

// arnRegion returns the region field of an ARN, "" when it has none.
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[3]
}

// newJobID returns a random UUID (version 4).
func newJobID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}
