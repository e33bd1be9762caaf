// Package logsapi is the wire adapter of the CloudWatch Logs API (json 1.1,
// target prefix Logs_20140328): it registers one awsproto.Op per implemented
// operation, converting the generated logsshapes structs to calls of
// internal/logs and the results back, and names the resource ARNs each
// operation is authorized against as CloudWatch Logs evaluates them: group
// operations on arn:aws:logs:REGION:ACCOUNT:log-group:NAME:log-stream: (so a
// policy on log-group:NAME:* allows them and one on log-group:NAME does not,
// as AWS documents), stream operations on the stream's ARN, the tagging
// operations on the group ARN without suffix, and DescribeLogGroups on
// log-group::log-stream:, the account-wide form AWS reports.
//
// It is not for the behaviour of CloudWatch Logs (internal/logs) and touches
// no SQL.
package logsapi
