// Package shapes is the home of the generated Go form of every service model Stratus
// serves: one package per service, internal/awsproto/shapes/<service>shapes, each with
// the minified model (Service), the operation names and Go types for the shapes. See
// internal/awsproto/gen for how they are made.
//
// It is not for hand-written code: everything below it is regenerated from models/
// by the directive below.
package shapes

//go:generate go run ../gen -models ../../../models -out .
