package model

import (
	"encoding/json"
	"fmt"
)

// rawService mirrors the parts of botocore's service-2.json that Stratus reads.
type rawService struct {
	Metadata struct {
		APIVersion         string          `json:"apiVersion"`
		EndpointPrefix     string          `json:"endpointPrefix"`
		SigningName        string          `json:"signingName"`
		ServiceID          string          `json:"serviceId"`
		Protocol           string          `json:"protocol"`
		Protocols          []string        `json:"protocols"`
		JSONVersion        string          `json:"jsonVersion"`
		TargetPrefix       string          `json:"targetPrefix"`
		XMLNamespace       string          `json:"xmlNamespace"`
		AWSQueryCompatible json.RawMessage `json:"awsQueryCompatible"`
	} `json:"metadata"`
	Operations map[string]rawOperation `json:"operations"`
	Shapes     map[string]rawShape     `json:"shapes"`
}

type rawRef struct {
	Shape            string          `json:"shape"`
	Location         string          `json:"location"`
	LocationName     string          `json:"locationName"`
	QueryName        string          `json:"queryName"`
	Flattened        bool            `json:"flattened"`
	XMLAttribute     bool            `json:"xmlAttribute"`
	XMLNamespace     json.RawMessage `json:"xmlNamespace"`
	TimestampFormat  string          `json:"timestampFormat"`
	JSONValue        bool            `json:"jsonvalue"`
	HostLabel        bool            `json:"hostLabel"`
	IdempotencyToken bool            `json:"idempotencyToken"`
	Deprecated       bool            `json:"deprecated"`
	ResultWrapper    string          `json:"resultWrapper"`
}

type rawOperation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input      *rawRef  `json:"input"`
	Output     *rawRef  `json:"output"`
	Errors     []rawRef `json:"errors"`
	Deprecated bool     `json:"deprecated"`
}

type rawShape struct {
	Type            string          `json:"type"`
	Members         orderedMembers  `json:"members"`
	Required        []string        `json:"required"`
	Payload         string          `json:"payload"`
	Member          *rawRef         `json:"member"`
	Key             *rawRef         `json:"key"`
	Value           *rawRef         `json:"value"`
	Flattened       bool            `json:"flattened"`
	LocationName    string          `json:"locationName"`
	Enum            []string        `json:"enum"`
	Min             *float64        `json:"min"`
	Max             *float64        `json:"max"`
	Pattern         string          `json:"pattern"`
	TimestampFormat string          `json:"timestampFormat"`
	Document        bool            `json:"document"`
	Streaming       bool            `json:"streaming"`
	Sensitive       bool            `json:"sensitive"`
	Union           bool            `json:"union"`
	XMLNamespace    json.RawMessage `json:"xmlNamespace"`
	Exception       bool            `json:"exception"`
	Fault           bool            `json:"fault"`
	EventStream     bool            `json:"eventstream"`
	Error           *rawErrorTrait  `json:"error"`
}

type rawErrorTrait struct {
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	SenderFault    bool   `json:"senderFault"`
}

// orderedMembers keeps structure members in the order the model lists them, which
// the XML encoders follow.
type orderedMembers struct {
	names []string
	refs  map[string]rawRef
}

func (o *orderedMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytesReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("members: want object")
	}
	o.refs = map[string]rawRef{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var r rawRef
		if err := dec.Decode(&r); err != nil {
			return err
		}
		o.names = append(o.names, name)
		o.refs[name] = r
	}
	_, err = dec.Token()
	return err
}

// Load parses a botocore service-2.json document. name is the service's directory
// name in botocore (e.g. "iam").
func Load(name string, data []byte) (*Service, error) {
	var raw rawService
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse model %s: %w", name, err)
	}
	md := raw.Metadata
	svc := &Service{
		Name:            name,
		EndpointPrefix:  md.EndpointPrefix,
		SigningName:     md.SigningName,
		ServiceID:       md.ServiceID,
		Protocol:        md.Protocol,
		Protocols:       md.Protocols,
		APIVersion:      md.APIVersion,
		JSONVersion:     md.JSONVersion,
		TargetPrefix:    md.TargetPrefix,
		XMLNamespace:    md.XMLNamespace,
		QueryCompatible: len(md.AWSQueryCompatible) > 0,
		Operations:      map[string]*Operation{},
		Shapes:          map[string]*Shape{},
	}
	if svc.SigningName == "" {
		svc.SigningName = svc.EndpointPrefix
	}
	// First pass: allocate every shape so references can be resolved in any order.
	for sn, rs := range raw.Shapes {
		svc.Shapes[sn] = &Shape{
			Name: sn, Type: rs.Type, Required: rs.Required, Payload: rs.Payload,
			Flattened: rs.Flattened, LocationName: rs.LocationName, Enum: rs.Enum,
			Min: rs.Min, Max: rs.Max, Pattern: rs.Pattern, TimestampFormat: rs.TimestampFormat,
			Document: rs.Document, Streaming: rs.Streaming, Sensitive: rs.Sensitive,
			Union: rs.Union, XMLNamespace: xmlNamespaceURI(rs.XMLNamespace),
			Exception: rs.Exception, Fault: rs.Fault, EventStream: rs.EventStream,
			ErrorCode: sn,
		}
		if rs.Error != nil {
			s := svc.Shapes[sn]
			if rs.Error.Code != "" {
				s.ErrorCode = rs.Error.Code
			}
			s.ErrorStatus = rs.Error.HTTPStatusCode
			s.ErrorSender = rs.Error.SenderFault
		}
	}
	ref := func(r *rawRef, name string) (*Member, error) {
		if r == nil {
			return nil, nil
		}
		sh, ok := svc.Shapes[r.Shape]
		if !ok {
			return nil, fmt.Errorf("model %s: unknown shape %q", svc.Name, r.Shape)
		}
		return &Member{
			Name: name, Shape: sh, Location: r.Location, LocationName: r.LocationName,
			QueryName: r.QueryName, Flattened: r.Flattened, XMLAttribute: r.XMLAttribute,
			XMLNamespace: xmlNamespaceURI(r.XMLNamespace), TimestampFormat: r.TimestampFormat,
			JSONValue: r.JSONValue, HostLabel: r.HostLabel, IdempotencyToken: r.IdempotencyToken,
			Deprecated: r.Deprecated,
		}, nil
	}
	var err error
	for sn, rs := range raw.Shapes {
		s := svc.Shapes[sn]
		for _, mn := range rs.Members.names {
			r := rs.Members.refs[mn]
			m, err := ref(&r, mn)
			if err != nil {
				return nil, err
			}
			s.Members = append(s.Members, m)
		}
		if s.Member, err = ref(rs.Member, "member"); err != nil {
			return nil, err
		}
		if s.Key, err = ref(rs.Key, "key"); err != nil {
			return nil, err
		}
		if s.Value, err = ref(rs.Value, "value"); err != nil {
			return nil, err
		}
	}
	for on, ro := range raw.Operations {
		op := &Operation{
			Name: on, Method: ro.HTTP.Method, RequestURI: ro.HTTP.RequestURI,
			SuccessCode: ro.HTTP.ResponseCode, Deprecated: ro.Deprecated,
		}
		if ro.Input != nil {
			if op.Input = svc.Shapes[ro.Input.Shape]; op.Input == nil {
				return nil, fmt.Errorf("model %s: %s: unknown input shape %q", svc.Name, on, ro.Input.Shape)
			}
		}
		if ro.Output != nil {
			if op.Output = svc.Shapes[ro.Output.Shape]; op.Output == nil {
				return nil, fmt.Errorf("model %s: %s: unknown output shape %q", svc.Name, on, ro.Output.Shape)
			}
			op.ResultWrapper = ro.Output.ResultWrapper
		}
		for _, e := range ro.Errors {
			if es := svc.Shapes[e.Shape]; es != nil {
				op.Errors = append(op.Errors, es)
			}
		}
		svc.Operations[on] = op
	}
	return svc, nil
}

func xmlNamespaceURI(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		URI string `json:"uri"`
	}
	_ = json.Unmarshal(raw, &o)
	return o.URI
}
