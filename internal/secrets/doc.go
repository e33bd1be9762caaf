// Package secrets is the AWS Secrets Manager domain: secrets (name, ARN with
// AWS's random six-character suffix, description, KMS key, tags, resource
// policy, deletion schedule) and their versions with staging labels
// (AWSCURRENT, AWSPREVIOUS, custom stages).
//
// Secret values never rest in the clear: each version's value is encrypted
// through the Keys interface (KMS in the server) under the secret's key, with
// the encryption context {"SecretARN": arn, "SecretVersionId": id} as AWS
// uses, and only the ciphertext is stored.
//
// Deleted secrets are kept until their recovery window ends; a secret whose
// window has ended is treated as gone and purged when its name is reused.
//
// It is not for the wire (internal/secrets/secretsapi decodes requests, names
// the ARNs calls are authorized against and encodes results), and not for
// rotation, replication or resource-policy validation.
package secrets
