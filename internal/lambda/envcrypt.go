package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// Keys is KMS as Lambda uses it for environment variables; the server adapts
// internal/kms. keyID "alias/aws/lambda" is the AWS managed key, made on first
// use by the adapter.
type Keys interface {
	Encrypt(ctx context.Context, account, region, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, error)
	Decrypt(ctx context.Context, account, region string, blob []byte, encCtx map[string]string) ([]byte, error)
	// KeyUsable returns nil when the key can decrypt now, else KMS's error.
	// It is asked on every invoke of a function with a customer managed key,
	// so it must be cheap (KMS caches it until the next key state change).
	KeyUsable(ctx context.Context, account, region, keyARN string) error
}

// ManagedKeyAlias is the AWS managed key functions without a KMSKeyArn use.
const ManagedKeyAlias = "alias/aws/lambda"

// Lambda's KMS error codes (all 502 on AWS: the service failed to use the key).
const (
	CodeKMSDisabled     = "KMSDisabledException"
	CodeKMSInvalidState = "KMSInvalidStateException"
	CodeKMSNotFound     = "KMSNotFoundException"
	CodeKMSAccessDenied = "KMSAccessDeniedException"
)

// Environment blob formats, by their first byte. A KMS blob is the ciphertext
// of the variables' JSON under the function's key with the encryption context
// {"aws:lambda:FunctionArn": unqualified ARN}; a root blob is the same JSON
// sealed under the root key bound to the function ARN (a Service without
// Keys, i.e. tests of the domain alone). Rows written before KMS held a root
// seal bound to the version row with no format byte; they are read and
// rewritten in the root format.
const (
	envKMS  = 'k'
	envRoot = 'r'
)

// EnvError is why a version's environment could not be decrypted, as
// GetFunctionConfiguration reports it in Environment.Error.
type EnvError struct {
	Code    string
	Message string
}

func envContext(fnARN string) map[string]string {
	return map[string]string{"aws:lambda:FunctionArn": fnARN}
}

// encryptEnv encrypts env for the function fnARN under keyARN (the managed key
// when empty). Empty variables are stored as nothing.
func (s *Service) encryptEnv(ctx context.Context, account, fnARN, keyARN string, env map[string]string) ([]byte, error) {
	if len(env) == 0 {
		return nil, nil
	}
	plain, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	if s.keys == nil {
		return append([]byte{envRoot}, s.seal.Seal(plain, []byte("lambda/env/"+fnARN))...), nil
	}
	keyID, region := ManagedKeyAlias, s.region
	if keyARN != "" {
		keyID, region = keyARN, arnRegion(keyARN, s.region)
	}
	blob, err := s.keys.Encrypt(ctx, account, region, keyID, plain, envContext(fnARN))
	if err != nil {
		if e, ok := awserr.As(err); ok {
			return nil, invalidParameter("Lambda was unable to encrypt your environment variables because the KMS key is invalid for CreateGrant. Please check your KMS key settings. KMS Exception: %s KMS Message: %s", e.Code, e.Message)
		}
		return nil, fmt.Errorf("encrypt environment: %w", err)
	}
	return append([]byte{envKMS}, blob...), nil
}

// openEnv decrypts v's environment into v.Environment, or records in
// v.EnvError why KMS refused. It must run outside store transactions (KMS has
// its own). Only errors that are not KMS's answer are returned.
func (s *Service) openEnv(ctx context.Context, v *Version) error {
	v.Environment, v.EnvError = nil, nil
	b := v.envBlob
	if len(b) == 0 {
		return nil
	}
	var plain []byte
	switch b[0] {
	case envRoot:
		p, err := s.seal.Open(b[1:], []byte("lambda/env/"+v.FunctionARN))
		if err != nil {
			return fmt.Errorf("open environment: %w", err)
		}
		plain = p
	case envKMS:
		if s.keys == nil {
			return fmt.Errorf("open environment of %s: encrypted with KMS but no KMS is configured", v.FunctionARN)
		}
		region := s.region
		if v.KMSKeyArn != "" {
			region = arnRegion(v.KMSKeyArn, s.region)
		}
		p, err := s.keys.Decrypt(ctx, v.Account, region, b[1:], envContext(v.FunctionARN))
		if err != nil {
			e, ok := awserr.As(err)
			if !ok {
				return fmt.Errorf("decrypt environment: %w", err)
			}
			v.EnvError = kmsEnvError(e)
			return nil
		}
		plain = p
	default:
		return fmt.Errorf("open environment of %s: unknown format %d", v.FunctionARN, b[0])
	}
	defer clear(plain)
	if err := json.Unmarshal(plain, &v.Environment); err != nil {
		return fmt.Errorf("decode environment: %w", err)
	}
	return nil
}

// upgradeLegacyEnv converts a row sealed before KMS (bound to its version
// row) to the root format bound to the function.
func (s *Service) upgradeLegacyEnv(v *Version, env []byte, num int64) ([]byte, error) {
	if len(env) == 0 || env[0] == envKMS || env[0] == envRoot {
		return env, nil
	}
	plain, err := s.seal.Open(env, []byte("lambda/env/"+v.Account+"/"+v.FunctionName+"/"+strconv.FormatInt(num, 10)))
	if err != nil {
		return nil, fmt.Errorf("open environment: %w", err)
	}
	defer clear(plain)
	return append([]byte{envRoot}, s.seal.Seal(plain, []byte("lambda/env/"+v.FunctionARN))...), nil
}

// kmsEnvError is AWS's description of a KMS failure to decrypt variables.
func kmsEnvError(e *awserr.Error) *EnvError {
	switch e.Code {
	case "DisabledException":
		return &EnvError{CodeKMSDisabled, "Lambda was unable to decrypt the environment variables because the KMS key used is disabled. Please check the function's KMS key settings. KMS Exception: DisabledException KMS Message: " + e.Message}
	case "KMSInvalidStateException":
		return &EnvError{CodeKMSInvalidState, "Lambda was unable to decrypt the environment variables because the KMS key used is in an invalid state for Decrypt. Please check the function's KMS key settings. KMS Exception: KMSInvalidStateException KMS Message: " + e.Message}
	case "NotFoundException":
		return &EnvError{CodeKMSNotFound, "Lambda was unable to decrypt the environment variables because the KMS key was not found. Please check the function's KMS key settings. KMS Exception: NotFoundException KMS Message: " + e.Message}
	}
	return &EnvError{CodeKMSAccessDenied, "Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings. KMS Exception: " + e.Code + " KMS Message: " + e.Message}
}

// Err is the invoke error of e: 502, as AWS answers it.
func (e *EnvError) Err() *awserr.Error {
	return awserr.New(e.Code, 502, "%s", e.Message)
}

// checkEnvKey fails an invoke of v when its customer managed key cannot be
// used now, or when its environment could not be decrypted.
func (s *Service) checkEnvKey(ctx context.Context, v *Version) error {
	if v.KMSKeyArn != "" && s.keys != nil && len(v.envBlob) > 0 && v.envBlob[0] == envKMS {
		if err := s.keys.KeyUsable(ctx, v.Account, arnRegion(v.KMSKeyArn, s.region), v.KMSKeyArn); err != nil {
			if e, ok := awserr.As(err); ok {
				return kmsEnvError(e).Err()
			}
			return fmt.Errorf("check key of %s: %w", v.FunctionARN, err)
		}
	}
	if v.EnvError != nil {
		return v.EnvError.Err()
	}
	return nil
}

// envNames returns the sorted names of env.
func envNames(env map[string]string) []string {
	if len(env) == 0 {
		return nil
	}
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// arnRegion returns the region field of an ARN, or def.
func arnRegion(arn, def string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[3] != "" {
		return parts[3]
	}
	return def
}

// checkKMSKeyArn validates a KMSKeyArn parameter: a KMS key ARN or empty.
func checkKMSKeyArn(arn string) error {
	if arn == "" {
		return nil
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kms" || !strings.HasPrefix(parts[5], "key/") {
		return invalidParameter("1 validation error detected: Value '%s' at 'kMSKeyArn' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()", arn)
	}
	return nil
}
