// Package logs is the CloudWatch Logs domain: log groups (with retention and
// tags), log streams and their events, kept in the control-plane store, and
// the filter pattern language FilterLogEvents matches events with.
//
// It enforces AWS's rules for what may be written (PutLogEvents' batch
// limits and time window) and for what may be read: events older than a
// group's retention are never returned and are deleted by a sweeper the
// Service owns (Start, Stop). Other services append lines without HTTP
// through Append, which creates the group and stream on first write, as
// Lambda does for /aws/lambda/NAME.
//
// It is not for the wire (internal/logs/logsapi decodes requests, names the
// ARNs calls are authorized against and encodes results), not for metrics
// (internal/cloudwatch) and not for metric or subscription filters.
package logs
