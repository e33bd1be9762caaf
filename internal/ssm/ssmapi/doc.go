// Package ssmapi is the AWS Systems Manager Parameter Store wire API (JSON
// 1.1, target AmazonSSM) over the internal/ssm domain: it turns the
// generated ssmshapes structs into domain calls, names the ARNs each call is
// authorized against and encodes the results.
//
// A call naming a parameter is authorized as ssm:<Operation> against
// arn:aws:ssm:REGION:ACCOUNT:parameter/NAME (a leading "/" of NAME is not
// doubled, and a ":version" or ":label" selector is dropped), whether the
// parameter exists or not, so that AccessDenied comes before
// ParameterNotFound as in AWS. GetParameters and DeleteParameters are
// authorized against every parameter they name, GetParametersByPath against
// the path's ARN, the tagging operations against the parameter's ARN (only
// ResourceType Parameter is served), DescribeParameters against "*".
//
// It is not for behaviour (internal/ssm decides versions, labels, tiers,
// filters and encryption) and not for wiring (internal/server registers
// it), nor for the rest of Systems Manager (documents, commands, sessions).
package ssmapi
