// Package archtest holds tests that keep the code base's shape: every package has a
// package comment, domain packages do not import net/http, and service packages do
// not import each other. It has no code of its own.
package archtest
