package confighistory

import "time"

// ConfigurationItemStatus values, as AWS Config spells them.
const (
	StatusOK                 = "OK"
	StatusDiscovered         = "ResourceDiscovered"
	StatusNotRecorded        = "ResourceNotRecorded"
	StatusDeleted            = "ResourceDeleted"
	StatusDeletedNotRecorded = "ResourceDeletedNotRecorded"
)

// ItemVersion is the configuration item schema version every item reports.
const ItemVersion = "1.3"

// validStatus reports whether s is one of AWS's ConfigurationItemStatus values.
func validStatus(s string) bool {
	switch s {
	case StatusOK, StatusDiscovered, StatusNotRecorded, StatusDeleted, StatusDeletedNotRecorded:
		return true
	}
	return false
}

// deleted reports whether status says the resource no longer exists.
func deleted(status string) bool {
	return status == StatusDeleted || status == StatusDeletedNotRecorded
}

// Item is one configuration item: the state of one resource at CaptureTime.
type Item struct {
	Account, Region string
	// ResourceType is AWS Config's type name, e.g. "AWS::Lambda::Function".
	ResourceType string
	ResourceID   string
	ResourceName string
	ARN          string
	// CaptureTime is when the state was captured; zero means the
	// Recorder's clock at recording.
	CaptureTime time.Time
	// Status is a ConfigurationItemStatus (StatusOK, ...). Empty means
	// StatusDiscovered for a resource's first item (and its first after a
	// deleted one) and StatusOK after; an empty Status never makes an
	// otherwise unchanged item a change.
	Status string
	// Configuration is the resource's configuration as JSON text, or "".
	// It is stored in a canonical form (compact, object keys sorted).
	Configuration string
	// SupplementaryConfiguration holds further parts of the state by name
	// ("Policy", "Concurrency", "Aliases"), each JSON text by convention.
	SupplementaryConfiguration map[string]string
	Tags                       map[string]string
	// RelatedEvents are the ids of the audit events that made this change.
	RelatedEvents        []string
	ResourceCreationTime time.Time

	// Filled on items read back; ignored by RecordTx.

	// StateID is the configurationStateId: a decimal number that grows
	// with every recorded item of the resource.
	StateID string
	// Version is ItemVersion.
	Version string
	// MD5Hash is the configurationItemMD5Hash AWS deprecated; always "".
	MD5Hash string
}

// Resource identifies a resource that has items, as ListDiscoveredResources
// lists it.
type Resource struct {
	Type, ID, Name string
	// Deleted is when the resource was deleted; zero unless its latest item
	// says it was.
	Deleted time.Time
}

// ResourceKey names one resource of an account and region.
type ResourceKey struct {
	Type, ID string
}
