// Package model is the in-memory form of an AWS service model (botocore's
// service-2.json): services, operations and shapes with the traits the wire
// protocols need. The codecs in internal/awsproto/codec read it to decode requests
// and encode responses; the generator in internal/awsproto/gen writes Go tables of it
// from the pinned models under models/.
//
// Values in Stratus's generic form (what codecs produce and consume) follow the shape
// types:
//
//	structure  map[string]any keyed by member name; absent members are absent keys
//	list       []any
//	map        map[string]any
//	string     string (enums too)
//	integer, long  int64
//	float, double  float64
//	boolean    bool
//	timestamp  time.Time
//	blob       []byte
//	document   any (JSON values: map[string]any, []any, string, float64, bool, nil)
//
// It is not for behaviour: no HTTP, no validation, no encoding live here.
package model

// Protocol names as botocore spells them in metadata.protocol.
const (
	RestJSON = "rest-json"
	RestXML  = "rest-xml"
	JSON     = "json"
	Query    = "query"
	EC2      = "ec2"
	CBOR     = "smithy-rpc-v2-cbor"
)

// Service is one AWS API as its model describes it.
type Service struct {
	// Name is the model's directory name in botocore (iam, lambda, cloudwatch...).
	Name string
	// EndpointPrefix is metadata.endpointPrefix (monitoring for CloudWatch).
	EndpointPrefix string
	// SigningName is the SigV4 service name in the credential scope
	// (metadata.signingName, else EndpointPrefix).
	SigningName string
	// ServiceID is metadata.serviceId (e.g. "CloudWatch").
	ServiceID string
	// Protocol is the protocol Stratus speaks for this service: metadata.protocol.
	Protocol string
	// Protocols is metadata.protocols, all protocols the service accepts.
	Protocols   []string
	APIVersion  string
	JSONVersion string
	// TargetPrefix is the X-Amz-Target prefix for json and cbor (e.g. "AmazonSQS").
	TargetPrefix string
	XMLNamespace string
	// QueryCompatible is set when metadata.awsQueryCompatible is present: json/cbor
	// errors then also carry the x-amzn-query-error header.
	QueryCompatible bool
	Operations      map[string]*Operation
	Shapes          map[string]*Shape
}

// Operation is one API call.
type Operation struct {
	Name string
	// HTTP binding (rest protocols; others use POST /).
	Method     string
	RequestURI string
	// SuccessCode is the HTTP status of a successful response (rest protocols; 0 means 200).
	SuccessCode int
	Input       *Shape // nil if the operation takes no input
	Output      *Shape // nil if the operation returns nothing
	// ResultWrapper is output.resultWrapper for query (e.g. "CreateUserResult").
	ResultWrapper string
	Errors        []*Shape
	Deprecated    bool
}

// Shape types.
const (
	Structure = "structure"
	List      = "list"
	Map       = "map"
	String    = "string"
	Integer   = "integer"
	Long      = "long"
	Float     = "float"
	Double    = "double"
	Boolean   = "boolean"
	Timestamp = "timestamp"
	Blob      = "blob"
)

// Shape is a named type of the model.
type Shape struct {
	Name string
	Type string
	// Structure members in model order.
	Members []*Member
	// Required lists required member names (structure).
	Required []string
	// Payload names the member bound to the HTTP body (rest protocols).
	Payload string
	// List element and map key/value.
	Member *Member // list element
	Key    *Member // map key
	Value  *Member // map value
	// Flattened is the shape-level flattened trait (query/xml lists and maps).
	Flattened bool
	// LocationName on a list/map shape names its members on XML/query wires.
	LocationName string
	Enum         []string
	// Min and Max are the min/max traits (length for strings, blobs, lists and maps;
	// value for numbers); nil when absent.
	Min, Max *float64
	Pattern  string
	// TimestampFormat is iso8601, rfc822 or unixTimestamp when set on the shape.
	TimestampFormat string
	// Document marks a document shape (arbitrary JSON).
	Document  bool
	Streaming bool
	Sensitive bool
	// Union marks a tagged union structure (exactly one member set).
	Union bool
	// XMLNamespace is the shape's xmlNamespace uri, if any.
	XMLNamespace string
	// Exception fields.
	Exception   bool
	Fault       bool   // error is the server's fault
	ErrorCode   string // error.code (query: the code on the wire), else the shape name
	ErrorStatus int    // error.httpStatusCode
	ErrorSender bool   // error.senderFault
	// Event streams are not supported by Stratus's codecs.
	EventStream bool
}

// Member is a structure member (or a list element / map key / map value reference).
type Member struct {
	Name  string
	Shape *Shape
	// Location: "" (body), "header", "headers", "uri", "querystring", "statusCode".
	Location string
	// LocationName is the wire name: header/query/uri name, or XML element name.
	LocationName string
	// QueryName is the ec2 protocol's queryName trait.
	QueryName string
	// Flattened on the member (XML/query).
	Flattened       bool
	XMLAttribute    bool
	XMLNamespace    string
	TimestampFormat string
	// JSONValue marks a header member holding base64 JSON (jsonvalue trait).
	JSONValue        bool
	HostLabel        bool
	IdempotencyToken bool
	Deprecated       bool
}

// Member returns the structure member called name, or nil.
func (s *Shape) MemberNamed(name string) *Member {
	for _, m := range s.Members {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// IsRequired reports whether name is a required member of s.
func (s *Shape) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}
