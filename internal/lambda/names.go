package lambda

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	nameRE      = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	qualifierRE = regexp.MustCompile(`^(\$LATEST|[0-9]+|[a-zA-Z0-9_-]{1,128})$`)
	layerNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
)

func (s *Service) functionARN(account, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.region, account, name)
}

func (s *Service) layerARN(account, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:layer:%s", s.region, account, name)
}

// FunctionRef is a parsed FunctionName parameter.
type FunctionRef struct {
	Account   string
	Name      string
	Qualifier string
}

// ParseFunctionName parses the forms AWS accepts for FunctionName: a name, a
// partial ARN ("123456789012:function:name") or a full ARN, each optionally
// with ":qualifier". Account is the caller's unless an ARN names another.
// Returns InvalidParameterValueException for anything else.
func (s *Service) ParseFunctionName(account, in string) (FunctionRef, error) {
	ref := FunctionRef{Account: account}
	parts := strings.Split(in, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" && len(parts) <= 8:
		if parts[3] != s.region {
			return ref, invalidParameter("Functions from '%s' are not reachable in this region ('%s')", parts[3], s.region)
		}
		ref.Account, ref.Name = parts[4], parts[6]
		if len(parts) == 8 {
			ref.Qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function" && len(parts) <= 4:
		ref.Account, ref.Name = parts[0], parts[2]
		if len(parts) == 4 {
			ref.Qualifier = parts[3]
		}
	case len(parts) <= 2:
		ref.Name = parts[0]
		if len(parts) == 2 {
			ref.Qualifier = parts[1]
		}
	default:
		return ref, invalidParameter("Invalid function name: %s", in)
	}
	if !nameRE.MatchString(ref.Name) || (len(parts) > 1 && ref.Qualifier == "" && strings.HasSuffix(in, ":")) ||
		(ref.Qualifier != "" && !qualifierRE.MatchString(ref.Qualifier)) {
		return ref, invalidParameter("Invalid function name: %s", in)
	}
	return ref, nil
}

// resolveRef parses nameOrARN for account and merges an explicit qualifier.
func (s *Service) resolveRef(account, nameOrARN, qualifier string) (FunctionRef, error) {
	ref, err := s.ParseFunctionName(account, nameOrARN)
	if err != nil {
		return ref, err
	}
	if qualifier != "" {
		if ref.Qualifier != "" && ref.Qualifier != qualifier {
			return ref, invalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
		}
		ref.Qualifier = qualifier
	}
	if ref.Account != account {
		// The operations AWS serves across accounts run as the function's
		// account (see ActingAccount), once the router has found that the
		// function's policy allows the caller. For every other operation
		// another account's function is not visible.
		return ref, functionNotFound(s.functionARN(ref.Account, ref.Name))
	}
	return ref, nil
}

// FunctionARN returns the ARN an operation on nameOrARN with qualifier is
// authorized against: the function ARN, qualified when a qualifier is given.
func (s *Service) FunctionARN(account, nameOrARN, qualifier string) (string, error) {
	ref, err := s.ParseFunctionName(account, nameOrARN)
	if err != nil {
		return "", err
	}
	if qualifier == "" {
		qualifier = ref.Qualifier
	}
	a := s.functionARN(ref.Account, ref.Name)
	if qualifier != "" {
		a += ":" + qualifier
	}
	return a, nil
}

// LayerARN returns the ARN of a layer (version 0) or a layer version. name may
// be a name or a layer ARN.
func (s *Service) LayerARN(account, name string, version int64) (string, error) {
	acct, n, err := s.parseLayerName(account, name)
	if err != nil {
		return "", err
	}
	a := s.layerARN(acct, n)
	if version > 0 {
		a += ":" + strconv.FormatInt(version, 10)
	}
	return a, nil
}

func (s *Service) parseLayerName(account, in string) (string, string, error) {
	parts := strings.Split(in, ":")
	if len(parts) == 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "layer" {
		account, in = parts[4], parts[6]
	}
	if !layerNameRE.MatchString(in) {
		return "", "", invalidParameter("Invalid layer name: %s", in)
	}
	return account, in, nil
}

// parseLayerVersionARN splits arn:aws:lambda:region:account:layer:name:version.
func (s *Service) parseLayerVersionARN(in string) (account, name string, version int64, err error) {
	parts := strings.Split(in, ":")
	if len(parts) != 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "layer" || !layerNameRE.MatchString(parts[6]) {
		return "", "", 0, invalidParameter("Layer version arn %s is not valid.", in)
	}
	version, err = strconv.ParseInt(parts[7], 10, 64)
	if err != nil || version < 1 {
		return "", "", 0, invalidParameter("Layer version arn %s is not valid.", in)
	}
	return parts[4], parts[6], version, nil
}

// Markers are opaque to clients: base64 of the last key returned.
func encodeMarker(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeMarker(m string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return "", invalidParameter("Invalid marker: %s", m)
	}
	return string(b), nil
}

func (p Page) limit() int64 {
	if p.MaxItems <= 0 {
		return defaultListMaxItems
	}
	return min(p.MaxItems, maxListItems)
}

func versionString(n int64) string {
	if n == 0 {
		return latest
	}
	return strconv.FormatInt(n, 10)
}
