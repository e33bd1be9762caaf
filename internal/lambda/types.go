package lambda

import (
	"time"

	"github.com/stratus-cloud/stratus/internal/blob"
)

// Function states and update statuses as AWS spells them.
const (
	StateActive              = "Active"
	LastUpdateSuccessful     = "Successful"
	PackageTypeZip           = "Zip"
	ArchitectureX86          = "x86_64"
	TimeFormat               = "2006-01-02T15:04:05.000-0700"
	layerCompatibleRuntimeNA = ""
)

// Runtimes are the runtimes Stratus runs.
var runtimes = map[string]bool{"provided.al2023": true, "provided.al2": true, "python3.11": true, "nodejs20.x": true}

// LayerRef is one layer of a function version, in the order /opt is merged.
type LayerRef struct {
	// ARN is the layer version ARN.
	ARN      string
	CodeSize int64
	Unzipped int64
	// Digest names the layer's zip in the blob store. It stays valid after the
	// layer version is deleted, as a function keeps its layers on AWS.
	Digest blob.Digest `json:"-"`
	// DigestHex is Digest in the stored form.
	DigestHex string
}

// Version is one version of a function: "$LATEST" or a published number. It is
// what GetFunctionConfiguration reports and what the invoke path runs.
type Version struct {
	Account      string `json:"-"`
	FunctionName string `json:"-"`
	// FunctionARN is the unqualified function ARN.
	FunctionARN string `json:"-"`
	// Version is "$LATEST" or "1", "2", ...
	Version string `json:"-"`

	Runtime          string
	Handler          string
	Role             string
	Description      string
	MemorySize       int64
	Timeout          int64
	EphemeralStorage int64
	Architectures    []string
	PackageType      string
	// Environment is decrypted (by the methods that return versions); it is
	// encrypted apart in the store (envBlob), under KMSKeyArn or the managed
	// key aws/lambda. EnvError says why it could not be decrypted.
	Environment map[string]string `json:"-"`
	EnvError    *EnvError         `json:"-"`
	envBlob     []byte
	// KMSKeyArn is the customer managed key of the environment, "" for the
	// AWS managed key.
	KMSKeyArn string `json:",omitempty"`
	// SigningProfileVersionArn and SigningJobArn describe the signature of
	// code deployed under a code signing configuration ("" otherwise).
	SigningProfileVersionArn string `json:",omitempty"`
	SigningJobArn            string `json:",omitempty"`
	// EnvNames are the variables' names (not secret; configuration items
	// show them).
	EnvNames []string `json:",omitempty"`
	Layers   []LayerRef
	// DeadLetterTarget is the SQS queue or SNS topic ARN that receives
	// asynchronous events that failed every attempt ("" for none).
	DeadLetterTarget string `json:",omitempty"`

	CodeDigest   blob.Digest `json:"-"`
	CodeSize     int64       `json:"-"`
	CodeUnzipped int64

	RevisionID   string
	LastModified time.Time
	// ConfigSha256 is a digest of the code and configuration that decides
	// whether PublishVersion has anything new to publish.
	ConfigSha256 string

	State            string
	StateReason      string
	StateReasonCode  string
	LastUpdateStatus string

	// ReservedConcurrency is the function's reserved concurrency, nil if none.
	// Filled by GetFunction and ResolveForInvoke.
	ReservedConcurrency *int64 `json:"-"`
}

// QualifiedARN returns the version's ARN: unqualified for $LATEST as AWS
// reports FunctionArn, qualified otherwise.
func (v *Version) QualifiedARN() string {
	if v.Version == latest {
		return v.FunctionARN
	}
	return v.FunctionARN + ":" + v.Version
}

// Function is a function with its $LATEST configuration.
type Function struct {
	Latest *Version
	// Tags are the function's tags.
	Tags map[string]string
	// CodeLocation is where its code can be downloaded ("" if not configured).
	CodeLocation string
}

// FunctionInput creates a function.
type FunctionInput struct {
	Name             string
	Runtime          string
	Handler          string
	Role             string
	Description      string
	MemorySize       int64 // 0 means 128
	Timeout          int64 // 0 means 3
	EphemeralStorage int64 // 0 means 512
	Environment      map[string]string
	Layers           []string
	Architectures    []string
	PackageType      string
	ZipFile          []byte
	Tags             map[string]string
	Publish          bool
	DeadLetterTarget string
	KMSKeyArn        string
	// CodeSigningConfigArn attaches a code signing configuration; the code
	// must pass it.
	CodeSigningConfigArn string
}

// ConfigUpdate changes a function's $LATEST configuration; nil fields keep
// their value.
type ConfigUpdate struct {
	Runtime          *string
	Handler          *string
	Role             *string
	Description      *string
	MemorySize       *int64
	Timeout          *int64
	EphemeralStorage *int64
	// Environment replaces all variables when non-nil.
	Environment map[string]string
	// Layers replaces the layers when non-nil (empty removes them).
	Layers []string
	// DeadLetterTarget replaces the dead-letter queue or topic when non-nil
	// ("" removes it).
	DeadLetterTarget *string
	// KMSKeyArn replaces the environment's key when non-nil ("" is the
	// managed key); the variables are re-encrypted.
	KMSKeyArn *string
	// RevisionID, if set, must match $LATEST's.
	RevisionID string
}

// CodeUpdate replaces a function's code.
type CodeUpdate struct {
	ZipFile       []byte
	Architectures []string
	Publish       bool
	DryRun        bool
	RevisionID    string
}

// Alias names a version, optionally with a second weighted version.
type Alias struct {
	Name        string
	ARN         string
	Version     string
	Description string
	// Weights maps at most one additional version to the share (0.0-1.0) of
	// invokes routed to it.
	Weights    map[string]float64
	RevisionID string
}

// AliasInput creates or updates an alias; for updates, nil fields keep their value.
type AliasInput struct {
	Name        string
	Version     *string
	Description *string
	// Weights replaces the routing configuration when non-nil.
	Weights    map[string]float64
	RevisionID string
}

// LayerVersion is one published version of a layer.
type LayerVersion struct {
	LayerARN                string
	LayerVersionARN         string
	Version                 int64
	Description             string
	Created                 time.Time
	CompatibleRuntimes      []string
	CompatibleArchitectures []string
	LicenseInfo             string
	CodeSha256              string
	CodeSize                int64
	Unzipped                int64
	Digest                  blob.Digest `json:"-"`
	Location                string      `json:"-"`
}

// LayerInput publishes a layer version.
type LayerInput struct {
	Name                    string
	Description             string
	ZipFile                 []byte
	CompatibleRuntimes      []string
	CompatibleArchitectures []string
	LicenseInfo             string
}

// AccountSettings is GetAccountSettings' answer.
type AccountSettings struct {
	TotalCodeSizeLimit    int64
	CodeSizeUnzipped      int64
	CodeSizeZipped        int64
	ConcurrentExecutions  int64
	UnreservedConcurrency int64
	TotalCodeSize         int64
	FunctionCount         int64
}

// Page asks for one page of a list: Marker from the previous page's NextMarker.
type Page struct {
	Marker   string
	MaxItems int64
}
