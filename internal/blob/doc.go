// Package blob is Stratus's content-addressed, encrypted blob store on the local
// filesystem: function code zips, layer zips and, later, other large immutable
// objects that do not belong in the state store.
//
// A blob is named by the SHA-256 digest of its plaintext and stored once however
// often it is put. Each blob file holds a fresh random data key sealed under the
// root key (through a [Sealer], in production *secret.Box), followed by the
// plaintext in 64 KiB chunks, each sealed with AES-256-GCM under the data key. A
// chunk's nonce is its index plus a final-chunk flag, so chunks cannot be
// reordered, dropped or truncated without [Store.Open]'s reader failing, and the
// reader checks the plaintext's digest against the blob's name at the end.
//
// Writes are atomic and durable: a temporary file is written, fsynced, renamed
// to its digest name and the directory fsynced. There is no reference count:
// callers own the references (in the state store) and collect garbage with
// [Store.Sweep], passing the set of live digests.
//
// It is not a general file store: blobs are immutable, have no metadata beyond
// their digest and size, and are not listed to clients.
package blob
