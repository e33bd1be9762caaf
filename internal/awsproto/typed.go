package awsproto

import (
	"fmt"

	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
)

// Typed builds an Op from functions over the generated input and output structs of
// internal/awsproto/shapes; b converts between them and the codecs' generic values.
// resources may be nil (see Op.Resources).
func Typed[In, Out any](b *bind.Binder, resources func(c *Call, in *In) ([]string, error), run func(c *Call, in *In) (*Out, error)) Op {
	op := Op{
		Decode: func(v map[string]any) (any, error) {
			in := new(In)
			if err := b.Decode(v, in); err != nil {
				return nil, fmt.Errorf("bind input: %w", err)
			}
			return in, nil
		},
		Run: func(c *Call, in any) (map[string]any, error) {
			out, err := run(c, in.(*In))
			if err != nil || out == nil {
				return nil, err
			}
			return b.Encode(out)
		},
	}
	if resources != nil {
		op.Resources = func(c *Call, in any) ([]string, error) { return resources(c, in.(*In)) }
	}
	return op
}

// WithConditions returns op with a Conditions func over the typed input.
func WithConditions[In any](op Op, cond func(c *Call, in *In) (map[string][]string, error)) Op {
	op.Conditions = func(c *Call, in any) (map[string][]string, error) { return cond(c, in.(*In)) }
	return op
}

// WithGrants returns op authorized by the (action, resource) pairs grants
// returns, instead of one action on its resources.
func WithGrants[In any](op Op, grants func(c *Call, in *In) ([]Grant, error)) Op {
	op.Grants = func(c *Call, in any) ([]Grant, error) { return grants(c, in.(*In)) }
	return op
}

// WithAction returns op authorized as action instead of the default.
func WithAction(op Op, action string) Op {
	op.Action = action
	return op
}
