// Package lambdaapi is the wire adapter of the Lambda control plane: it builds
// the *awsproto.Service for the Lambda API (2015-03-31, rest-json) whose
// operations decode into the generated lambdashapes structs, name the ARNs each
// call is authorized against (function, qualified function, layer, layer
// version, as AWS's Service Authorization Reference lists them), call the
// internal/lambda domain and encode its answers.
//
// It is not the domain (no SQL, no validation beyond shapes) and not the
// invoke path.
package lambdaapi
