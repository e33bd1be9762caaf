package awsproto

import (
	"context"
	"net/http"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/identity"
)

// Service is one AWS API that Stratus serves.
type Service struct {
	// Model is the service's model (from internal/awsproto/shapes/<svc>shapes).
	Model *model.Service
	// ActionPrefix is the IAM action prefix ("iam", "sts", "cloudwatch", ...).
	ActionPrefix string
	// AccessDeniedCode is the error code the service answers unauthorized calls
	// with: "AccessDenied" for IAM/STS-style services, "AccessDeniedException" for
	// most json ones.
	AccessDeniedCode string
	// MaxBodyBytes caps request bodies; zero means the router's default.
	MaxBodyBytes int64
	// Ops are the implemented operations by model operation name.
	Ops map[string]Op
	// QueryModel is, for a json service that spoke the query protocol before
	// (SQS), its model as those older clients speak it: the same operations and
	// shapes with the query wire names. Form-encoded requests (Action=...) to
	// the service are then decoded and answered by the query codec against it,
	// with the same Ops. nil for every other service.
	QueryModel *model.Service
}

// Call is one authenticated, decoded API call as an Op sees it.
type Call struct {
	Context   context.Context
	Principal *identity.Principal
	Service   *model.Service
	Operation *model.Operation
	// Region is the region of the request's credential scope.
	Region string
	// Host is the host (and port) the client sent the request to, for services
	// that hand out URLs of themselves (SQS queue URLs).
	Host      string
	RequestID string
	// Header is the request's header, read-only.
	Header http.Header
	// Time is when the request arrived.
	Time time.Time
}

// Op implements one operation. Most Ops are built with Typed, which decodes the
// generic input into the operation's generated input struct once and hands that to
// Resources, Conditions and Run.
type Op struct {
	// Action overrides the IAM action, which is "<ActionPrefix>:<Operation>" by
	// default (e.g. Lambda's Invoke is lambda:InvokeFunction).
	Action string
	// Decode turns the generic input into the value the other funcs receive; nil
	// passes the generic map[string]any itself.
	Decode func(in map[string]any) (any, error)
	// Resources returns the ARNs the call is authorized against, as AWS's Service
	// Authorization Reference lists them for the action. A nil Resources or an
	// empty result authorizes against "*", which is right only for actions AWS
	// lists without a resource type (e.g. sts:GetCallerIdentity).
	Resources func(c *Call, in any) ([]string, error)
	// Grants, when set, replaces Action and Resources for operations that
	// need different actions on different resources: the call needs every
	// (action, resource) pair it returns (KMS ReEncrypt needs
	// kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the
	// destination key).
	Grants func(c *Call, in any) ([]Grant, error)
	// Conditions returns extra request-specific condition keys (e.g.
	// iam:PermissionsBoundary); may be nil.
	Conditions func(c *Call, in any) (map[string][]string, error)
	// Run executes the call and returns the generic value of the output.
	Run func(c *Call, in any) (map[string]any, error)
}

// Grant is one action on one resource a call needs.
type Grant struct{ Action, Resource string }

// Authenticator verifies a request's signature and returns its principal.
type Authenticator interface {
	// Authenticate verifies r (whose whole body is body) for the service whose
	// SigV4 signing name is signingName. Errors are *awserr.Error with the base
	// codes of internal/sigv4.
	Authenticate(ctx context.Context, r *http.Request, body []byte, signingName string) (*identity.Principal, error)
}

// AuthzRequest is one authorization question: may Principal perform Action on
// Resource?
type AuthzRequest struct {
	Principal *identity.Principal
	Action    string
	Resource  string
	Region    string
	Time      time.Time
	// Context holds request-specific condition keys beyond the global ones the
	// authorizer derives from the principal, Region and Time.
	Context map[string][]string
}

// Authorizer decides authorization questions.
type Authorizer interface {
	// Authorize returns nil if the request is allowed, an *awserr.Error with code
	// "AccessDenied" and AWS's message if it is not (the router swaps in the
	// service's AccessDeniedCode), or another error if it could not decide.
	Authorize(ctx context.Context, req *AuthzRequest) error
}
