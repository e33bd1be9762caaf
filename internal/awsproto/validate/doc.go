// Package validate checks a decoded request against the constraints of its service
// model — required members, enums, length and value ranges, patterns and value types
// — and reports every violation the way AWS words them:
//
//	1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null
//
// A Validator owns a cache of compiled patterns; the models' patterns are Java
// regular expressions, translated to Go's syntax where that is possible and skipped
// (never enforced, never an error) where it is not, so valid input is never
// rejected because of a translation gap.
//
// It is not for choosing the error code a client sees: Validate returns Violations
// and each protocol codec turns them into its own error (ValidationException for
// json and rest-json, MissingParameter or ValidationError for query-compatible
// services, ...). It does not decode anything either; values come in Stratus's
// generic form (see internal/awsproto/model).
package validate
