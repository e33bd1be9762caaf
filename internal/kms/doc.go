// Package kms is the AWS KMS domain: customer managed keys (symmetric
// AES-256-GCM keys with their versions, states, deletion schedule, rotation
// setting, key policy and tags; ECC_NIST_P256 signing keys), aliases, and the
// cryptographic operations over them (Encrypt, Decrypt, ReEncrypt,
// GenerateDataKey, Sign, Verify, GetPublicKey).
//
// Key material never rests in the clear: each key version's material (32
// bytes of AES key, or a PKCS #8 ECC private key) is sealed by the
// Config.Sealer (the root-key box) with the account, region, key id and
// version as associated data, so a sealed blob cannot be moved to another
// key or version. Ciphertext blobs name their key and key version; their binary
// format is documented in ciphertext.go.
//
// It is not for the wire (internal/kms/kmsapi decodes requests, names the key
// ARNs calls are authorized against and encodes results), not for grants,
// custom key stores, imported key material, RSA/HMAC keys or multi-Region
// keys, and it does not rotate keys on a schedule (RotateKey rotates when
// called; the rotation period is only reported).
package kms
