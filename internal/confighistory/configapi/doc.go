// Package configapi is the AWS Config wire API (JSON 1.1,
// StarlingDoveService) over internal/confighistory: GetResourceConfigHistory,
// ListDiscoveredResources and BatchGetResourceConfig, each scoped to the
// caller's account and the request's region and authorized against "*"
// (AWS's Service Authorization Reference lists no resource type for them).
//
// It is not for behaviour (internal/confighistory decides what is recorded,
// pages and errors), not for recording items (the services that own the
// resources call confighistory.Recorder.RecordTx) and not for wiring
// (internal/server registers it). Operations of AWS Config it does not
// register (recorders, rules, aggregators) answer NotImplemented.
package configapi
