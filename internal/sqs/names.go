package sqs

import (
	"net/url"
	"strings"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awserr"
)

// QueueRef names a queue: the account that owns it and its name. Queue names
// are case-sensitive.
type QueueRef struct {
	Account, Name string
}

// fifoSuffix ends the name of every FIFO queue.
const fifoSuffix = ".fifo"

// maxNameLength bounds queue names, the .fifo suffix included.
const maxNameLength = 80

// ARN returns the queue's ARN in region: arn:aws:sqs:REGION:ACCOUNT:NAME.
func (r QueueRef) ARN(region string) string {
	return arn.ARN{Partition: arn.Partition, Service: "sqs", Region: region, Account: r.Account, Resource: r.Name}.String()
}

// URL returns the queue's URL on the endpoint base (scheme://host):
// base/ACCOUNT/NAME, the form AWS hands out.
func (r QueueRef) URL(base string) string {
	return strings.TrimSuffix(base, "/") + "/" + r.Account + "/" + r.Name
}

// ParseARN returns the queue an SQS queue ARN names. Returns
// InvalidParameterValue (AWS's answer to a malformed ARN) when s is not one.
func ParseARN(s string) (QueueRef, error) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "sqs" || !validAccount(a.Account) || !validName(a.Resource) {
		return QueueRef{}, invalidParameter("%s is not a valid SQS queue ARN.", truncate(s, 256))
	}
	return QueueRef{Account: a.Account, Name: a.Resource}, nil
}

// ParseQueueURL returns the queue a queue URL names. Any scheme and host are
// accepted (clients may reach Stratus under any name); the path must be
// /ACCOUNT/NAME. Returns InvalidAddress for anything else.
func ParseQueueURL(s string) (QueueRef, error) {
	u, err := url.Parse(s)
	if err == nil && u.Path != "" {
		parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
		if len(parts) == 2 && validAccount(parts[0]) && validName(parts[1]) {
			return QueueRef{Account: parts[0], Name: parts[1]}, nil
		}
	}
	return QueueRef{}, awserr.New(CodeInvalidAddress, statusNotFound, "The address %s is not valid for this endpoint.", truncate(s, 256))
}

// validAccount reports whether s is a 12-digit account id.
func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validName reports whether name could be a queue's name: 1 to 80 letters,
// digits, hyphens and underscores, a FIFO queue's ending in .fifo.
func validName(name string) bool {
	if len(name) == 0 || len(name) > maxNameLength {
		return false
	}
	base := strings.TrimSuffix(name, fifoSuffix)
	if base == "" {
		return false
	}
	for i := 0; i < len(base); i++ {
		c := base[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkName returns AWS's error for a name a queue of the given type cannot
// have.
func checkName(name string, fifo bool) error {
	if fifo {
		if !strings.HasSuffix(name, fifoSuffix) || !validName(name) {
			return invalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
		}
		return nil
	}
	if strings.HasSuffix(name, fifoSuffix) || !validName(name) {
		return invalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	return nil
}
