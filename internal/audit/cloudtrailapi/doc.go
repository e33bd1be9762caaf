// Package cloudtrailapi is the AWS CloudTrail wire API (JSON 1.1,
// CloudTrail_20131101) over the audit trail of internal/audit. It serves
// LookupEvents: management events of the caller's account, authorized as
// cloudtrail:LookupEvents on "*".
//
// It is not for recording (internal/audit's Trail is the router's Auditor)
// and not for wiring (internal/server registers it). Trails, event data
// stores and Lake queries are not served.
package cloudtrailapi
