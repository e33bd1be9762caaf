// Package secretsapi is the AWS Secrets Manager wire API (JSON 1.1,
// secretsmanager) over the internal/secrets domain: it turns the generated
// secretsmanagershapes structs into domain calls, names the secret ARN each
// call is authorized against and encodes the results.
//
// A call naming an existing secret (by name, ARN or ARN without its random
// suffix) is authorized against the secret's full ARN; one naming no secret
// against the ARN it spelled (or the name's ARN without a suffix), so that
// AccessDenied comes before ResourceNotFound as in AWS. CreateSecret is
// authorized against arn:...:secret:NAME-?????? (the suffix is not chosen
// yet; policies that allow NAME-* match it), ListSecrets against "*".
//
// It is not for behaviour (internal/secrets decides versions, stages,
// deletion and encryption) and not for wiring (internal/server registers it
// and serves the domain's ResourcePolicy to the authorizer).
package secretsapi
