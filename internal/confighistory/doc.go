// Package confighistory keeps the configuration history of Stratus resources
// the way AWS Config does: every change to a resource (a Lambda function's
// configuration, code, permissions, aliases, concurrency) is one
// configuration item, written inside the store transaction of the change it
// describes, so an item commits or rolls back with it. Operators then ask
// "what changed, when, and (through RelatedEvents, the audit trail's event
// ids) who changed it".
//
// A [Recorder] both writes items ([Recorder.RecordTx]) and answers the
// questions AWS Config's GetResourceConfigHistory, ListDiscoveredResources
// and BatchGetResourceConfig ask ([Recorder.History], [Recorder.Resources],
// [Recorder.Latest]). Every item belongs to one account and region, and
// every query is scoped to one.
//
// Recording is idempotent in the sense AWS Config is: an item whose
// Configuration, SupplementaryConfiguration and Tags equal those of the
// resource's previous item, with the same Status, is not recorded, so a
// no-op update makes no history. Each recorded item gets a
// configurationStateId that grows per resource.
//
// It is not for deciding what a resource's configuration is (the owning
// service renders it as JSON), not for the audit trail itself (RelatedEvents
// only names its events) and not for the wire (package configapi is the
// AWS Config JSON API over it). It has no configuration recorders, delivery
// channels, rules or retention: everything recorded is kept.
package confighistory
