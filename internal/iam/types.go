package iam

import "time"

// EntityKind names the IAM entities that hold policies.
type EntityKind string

const (
	KindUser  EntityKind = "user"
	KindGroup EntityKind = "group"
	KindRole  EntityKind = "role"
)

// Owner is the user, group or role an inline policy or an attachment belongs to.
type Owner struct {
	Kind EntityKind
	Name string
}

// Tag is a key-value pair on a user, role or managed policy.
type Tag struct {
	Key, Value string
}

// User is an IAM user.
type User struct {
	Account string
	Name    string
	Path    string
	ID      string
	ARN     string
	Created time.Time
	// PermissionsBoundary is the ARN of the boundary policy, or "".
	PermissionsBoundary string
	Tags                []Tag
}

// Group is an IAM group.
type Group struct {
	Account string
	Name    string
	Path    string
	ID      string
	ARN     string
	Created time.Time
}

// Role is an IAM role.
type Role struct {
	Account string
	Name    string
	Path    string
	ID      string
	ARN     string
	Created time.Time
	// TrustPolicy is the assume-role policy document as it was submitted.
	TrustPolicy string
	Description string
	// MaxSessionDuration is in seconds (3600 to 43200).
	MaxSessionDuration  int64
	PermissionsBoundary string
	Tags                []Tag
	// LastUsed is when a session of the role was last created; zero if never.
	LastUsed       time.Time
	LastUsedRegion string
}

// ManagedPolicy is a customer managed or AWS managed policy.
type ManagedPolicy struct {
	// Account is the owning account, or "aws" for AWS managed policies.
	Account          string
	Name             string
	Path             string
	ID               string
	ARN              string
	Description      string
	DefaultVersionID string
	// AttachmentCount counts the attachments in the account that asked.
	AttachmentCount int64
	Created         time.Time
	Updated         time.Time
	Tags            []Tag
}

// AWSManaged reports whether p is an AWS managed policy.
func (p *ManagedPolicy) AWSManaged() bool { return p.Account == awsAccount }

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	VersionID string
	Document  string
	IsDefault bool
	Created   time.Time
}

// InlinePolicy is a policy embedded in a user, group or role.
type InlinePolicy struct {
	Owner    Owner
	Name     string
	Document string
}

// AttachedPolicy names a managed policy attached to an entity.
type AttachedPolicy struct {
	Name string
	ARN  string
}

// AccessKey status values.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// AccessKey is a long-term access key of a user. Secret is set only when the key
// is created.
type AccessKey struct {
	ID       string
	UserName string
	Status   string
	Secret   string
	Created  time.Time
	// LastUsed is zero when the key was never used.
	LastUsed        time.Time
	LastUsedService string
	LastUsedRegion  string
}

// Page selects a page of a list: Marker is the opaque marker a previous page
// returned ("" for the first page), MaxItems the page size (0 means 100).
type Page struct {
	Marker   string
	MaxItems int
}

// Account is an AWS account Stratus hosts.
type Account struct {
	ID           string
	ARN          string
	Name         string
	Email        string
	Status       string // ACTIVE
	JoinedMethod string // INVITED (the management account) or CREATED
	Joined       time.Time
}

// Organization is the one organization every account belongs to.
type Organization struct {
	ID                string
	ARN               string
	FeatureSet        string
	ManagementAccount string
	ManagementARN     string
	ManagementEmail   string
	RootID            string
	RootARN           string
	Created           time.Time
}

// CreateAccountStatus reports an account creation request.
type CreateAccountStatus struct {
	ID          string
	AccountName string
	AccountID   string
	State       string // SUCCEEDED or FAILED
	// FailureReason is set when State is FAILED (e.g. EMAIL_ALREADY_EXISTS).
	FailureReason string
	Requested     time.Time
	Completed     time.Time
}
