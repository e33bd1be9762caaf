// Package audit is Stratus's audit trail: CloudTrail-format records of every
// authenticated API call, kept in the store as one tamper-evident hash chain
// with signed digests, and read back by LookupEvents (cloudtrailapi) and by
// `stratus audit`.
//
// # Recording
//
// [Trail] implements awsproto.Auditor. The router hands it every
// authenticated call with an identified operation; Audit turns the call into
// a CloudTrail record (eventVersion 1.08) with sensitive request parameters
// and response elements replaced by "HIDDEN_DUE_TO_SECURITY_REASONS" (see
// [Redact]; message contents of data events are hidden too). Audit never
// fails the call: a record that cannot be written is logged and counted in
// [Stats].
//
// Management events are appended synchronously: Audit returns after the
// store committed and synced the record (the store group-commits concurrent
// Updates, so many calls share one fsync). A call whose answer a client saw
// is therefore on disk.
//
// Data events (Lambda Invoke, SQS message operations, SNS Publish, CloudWatch
// Logs event reads and writes) are queued in memory and written in batches by
// a goroutine the Trail owns, every FlushInterval (100 ms) or every 512
// events. The queue is bounded: when it is full, Audit waits for room rather
// than dropping events, so a burst of data calls is slowed down to the speed
// of the store instead of losing its trail. Close flushes the queue. Data
// events queued when the process dies (not closed) are lost; that is the
// price of not syncing once per Invoke.
//
// # Tamper evidence
//
// Every record, management or data, is one row in store order with seq, its
// canonical bytes (the record JSON), prev_hash and hash = SHA-256(prev_hash ||
// record). The append reads the chain's head inside the store transaction;
// the store has a single writer, so the chain order is the commit order.
//
// Every DigestInterval, when there are new records, and at Close, the Trail
// writes a digest {from_seq, to_seq, head_hash, previous_digest_signature_hash,
// time} signed with Ed25519. The signing key is derived ([DigestKey]) from
// the data directory's data key, which only the root key opens, and the root
// key lives outside the data directory: an attacker who rewrites the whole
// trail with fresh, consistent hashes cannot sign digests for it (and root
// key rotation, which keeps the data key, keeps old digests verifiable). [Verify] checks the chain and the digests and names every record
// changed, removed or inserted. Records after the last digest are protected
// by the chain only; Verify reports them as uncovered. Removing the newest
// digests together with the records after them cannot be detected from the
// database alone; keep a copy of the latest digest elsewhere for that.
//
// It is not for metrics (internal/metrics), for application logs (slog) or
// for CloudWatch Logs; and it does not decide what a call may do.
package audit
