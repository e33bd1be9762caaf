package lambdaapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	ls "github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

// permissionOps serves the resource-based policy operations. As AWS lists
// them: AddPermission, RemovePermission and GetPolicy act on the function
// (qualified when the call names a qualifier, with the condition key
// lambda:Principal for the first two), the layer ones on the layer version.
// GetPolicy also serves another account's function named by ARN, when that
// function's policy allows the caller.
func (a *api) permissionOps(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		ls.OpAddPermission: awsproto.WithConditions(
			awsproto.Typed(b, fn(a, func(in *ls.AddPermissionRequest) (*string, *string) { return in.FunctionName, in.Qualifier }), a.addPermission),
			func(c *awsproto.Call, in *ls.AddPermissionRequest) (map[string][]string, error) {
				return map[string][]string{"lambda:Principal": {str(in.Principal)}}, nil
			}),
		ls.OpRemovePermission: awsproto.Typed(b, fn(a, func(in *ls.RemovePermissionRequest) (*string, *string) { return in.FunctionName, in.Qualifier }), a.removePermission),
		ls.OpGetPolicy:        awsproto.Typed(b, fn(a, func(in *ls.GetPolicyRequest) (*string, *string) { return in.FunctionName, in.Qualifier }), a.getPolicy),
		ls.OpAddLayerVersionPermission: awsproto.Typed(b, layer(a, func(in *ls.AddLayerVersionPermissionRequest) (*string, *int64) {
			return in.LayerName, in.VersionNumber
		}), a.addLayerVersionPermission),
		ls.OpRemoveLayerVersionPermission: awsproto.Typed(b, layer(a, func(in *ls.RemoveLayerVersionPermissionRequest) (*string, *int64) {
			return in.LayerName, in.VersionNumber
		}), a.removeLayerVersionPermission),
		ls.OpGetLayerVersionPolicy: awsproto.Typed(b, layer(a, func(in *ls.GetLayerVersionPolicyRequest) (*string, *int64) {
			return in.LayerName, in.VersionNumber
		}), a.getLayerVersionPolicy),
	}
}

func (a *api) addPermission(c *awsproto.Call, in *ls.AddPermissionRequest) (*ls.AddPermissionResponse, error) {
	st, err := a.svc.AddPermission(c.Context, account(c), str(in.FunctionName), str(in.Qualifier), lambda.PermissionInput{
		StatementID: str(in.StatementId), Action: str(in.Action), Principal: str(in.Principal),
		SourceARN: str(in.SourceArn), SourceAccount: str(in.SourceAccount), EventSourceToken: str(in.EventSourceToken),
		PrincipalOrgID: str(in.PrincipalOrgID), FunctionURLAuthType: str(in.FunctionUrlAuthType),
		InvokedViaFunctionURL: in.InvokedViaFunctionUrl, RevisionID: str(in.RevisionId),
	})
	if err != nil {
		return nil, err
	}
	return &ls.AddPermissionResponse{Statement: &st}, nil
}

func (a *api) removePermission(c *awsproto.Call, in *ls.RemovePermissionRequest) (*none, error) {
	return nil, a.svc.RemovePermission(c.Context, account(c), str(in.FunctionName), str(in.Qualifier), str(in.StatementId), str(in.RevisionId))
}

func (a *api) getPolicy(c *awsproto.Call, in *ls.GetPolicyRequest) (*ls.GetPolicyResponse, error) {
	acting := a.svc.ActingAccount(account(c), str(in.FunctionName), "lambda:GetPolicy")
	p, err := a.svc.GetPolicy(c.Context, acting, str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	return &ls.GetPolicyResponse{Policy: &p.Document, RevisionId: &p.RevisionID}, nil
}

func (a *api) addLayerVersionPermission(c *awsproto.Call, in *ls.AddLayerVersionPermissionRequest) (*ls.AddLayerVersionPermissionResponse, error) {
	st, rev, err := a.svc.AddLayerVersionPermission(c.Context, account(c), str(in.LayerName), num(in.VersionNumber), lambda.LayerPermissionInput{
		StatementID: str(in.StatementId), Action: str(in.Action), Principal: str(in.Principal),
		OrganizationID: str(in.OrganizationId), RevisionID: str(in.RevisionId),
	})
	if err != nil {
		return nil, err
	}
	return &ls.AddLayerVersionPermissionResponse{Statement: &st, RevisionId: &rev}, nil
}

func (a *api) removeLayerVersionPermission(c *awsproto.Call, in *ls.RemoveLayerVersionPermissionRequest) (*none, error) {
	return nil, a.svc.RemoveLayerVersionPermission(c.Context, account(c), str(in.LayerName), num(in.VersionNumber), str(in.StatementId), str(in.RevisionId))
}

func (a *api) getLayerVersionPolicy(c *awsproto.Call, in *ls.GetLayerVersionPolicyRequest) (*ls.GetLayerVersionPolicyResponse, error) {
	p, err := a.svc.GetLayerVersionPolicy(c.Context, account(c), str(in.LayerName), num(in.VersionNumber))
	if err != nil {
		return nil, err
	}
	return &ls.GetLayerVersionPolicyResponse{Policy: &p.Document, RevisionId: &p.RevisionID}, nil
}
