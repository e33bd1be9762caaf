// Package orgapi is the wire adapter of the AWS Organizations API:
// CreateAccount, DescribeCreateAccountStatus, ListAccounts, DescribeAccount,
// DescribeOrganization and ListRoots over internal/iam, with the resource ARNs
// each is authorized against.
//
// It is not for accounts themselves (internal/iam owns them).
package orgapi

import (
	"fmt"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/organizationsshapes"
	"github.com/stratus-cloud/stratus/internal/iam"
)

type api struct {
	svc *iam.Service
}

// New returns the Organizations API for the router.
func New(svc *iam.Service, b *bind.Binder) (*awsproto.Service, error) {
	m, err := organizationsshapes.Service()
	if err != nil {
		return nil, fmt.Errorf("load organizations model: %w", err)
	}
	a := &api{svc: svc}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "organizations",
		AccessDeniedCode: "AccessDeniedException",
		Ops: map[string]awsproto.Op{
			organizationsshapes.OpCreateAccount:               awsproto.Typed(b, nil, a.createAccount),
			organizationsshapes.OpDescribeCreateAccountStatus: awsproto.Typed(b, nil, a.describeCreateAccountStatus),
			organizationsshapes.OpListAccounts:                awsproto.Typed(b, nil, a.listAccounts),
			organizationsshapes.OpDescribeAccount:             awsproto.Typed(b, a.describeAccountResources, a.describeAccount),
			organizationsshapes.OpDescribeOrganization:        awsproto.Typed(b, nil, a.describeOrganization),
			organizationsshapes.OpListRoots:                   awsproto.Typed(b, nil, a.listRoots),
		},
	}, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func statusOut(s *iam.CreateAccountStatus) *organizationsshapes.CreateAccountStatus {
	return &organizationsshapes.CreateAccountStatus{
		Id: ptr(s.ID), AccountName: ptr(s.AccountName), State: ptr(s.State),
		RequestedTimestamp: ptr(s.Requested), CompletedTimestamp: ptr(s.Completed),
		AccountId: optString(s.AccountID), FailureReason: optString(s.FailureReason),
	}
}

func accountOut(a *iam.Account) organizationsshapes.Account {
	return organizationsshapes.Account{
		Id: ptr(a.ID), Arn: ptr(a.ARN), Email: ptr(a.Email), Name: ptr(a.Name),
		Status: ptr(a.Status), State: ptr(a.Status), JoinedMethod: ptr(a.JoinedMethod), JoinedTimestamp: ptr(a.Joined),
	}
}

func (a *api) createAccount(c *awsproto.Call, in *organizationsshapes.CreateAccountRequest) (*organizationsshapes.CreateAccountResponse, error) {
	s, err := a.svc.CreateAccount(c.Context, c.Principal.Account, iam.CreateAccountInput{
		Email: str(in.Email), Name: str(in.AccountName), RoleName: str(in.RoleName),
	})
	if err != nil {
		return nil, err
	}
	return &organizationsshapes.CreateAccountResponse{CreateAccountStatus: statusOut(s)}, nil
}

func (a *api) describeCreateAccountStatus(c *awsproto.Call, in *organizationsshapes.DescribeCreateAccountStatusRequest) (*organizationsshapes.DescribeCreateAccountStatusResponse, error) {
	s, err := a.svc.DescribeCreateAccountStatus(c.Context, c.Principal.Account, str(in.CreateAccountRequestId))
	if err != nil {
		return nil, err
	}
	return &organizationsshapes.DescribeCreateAccountStatusResponse{CreateAccountStatus: statusOut(s)}, nil
}

func (a *api) listAccounts(c *awsproto.Call, in *organizationsshapes.ListAccountsRequest) (*organizationsshapes.ListAccountsResponse, error) {
	p := iam.Page{Marker: str(in.NextToken)}
	if in.MaxResults != nil {
		p.MaxItems = int(*in.MaxResults)
	}
	accounts, next, err := a.svc.ListAccounts(c.Context, c.Principal.Account, p)
	if err != nil {
		return nil, err
	}
	out := &organizationsshapes.ListAccountsResponse{Accounts: make([]organizationsshapes.Account, len(accounts)), NextToken: optString(next)}
	for i := range accounts {
		out.Accounts[i] = accountOut(&accounts[i])
	}
	return out, nil
}

// describeAccountResources authorizes DescribeAccount on the account's ARN,
// arn:aws:organizations::<management>:account/<org>/<id>.
func (a *api) describeAccountResources(c *awsproto.Call, in *organizationsshapes.DescribeAccountRequest) ([]string, error) {
	o, err := a.svc.DescribeOrganization(c.Context, c.Principal.Account)
	if err != nil {
		return nil, err
	}
	return []string{arn.OrgAccount(o.ManagementAccount, o.ID, str(in.AccountId))}, nil
}

func (a *api) describeAccount(c *awsproto.Call, in *organizationsshapes.DescribeAccountRequest) (*organizationsshapes.DescribeAccountResponse, error) {
	acct, err := a.svc.DescribeAccount(c.Context, c.Principal.Account, str(in.AccountId))
	if err != nil {
		return nil, err
	}
	out := accountOut(acct)
	return &organizationsshapes.DescribeAccountResponse{Account: &out}, nil
}

func (a *api) describeOrganization(c *awsproto.Call, _ *struct{}) (*organizationsshapes.DescribeOrganizationResponse, error) {
	o, err := a.svc.DescribeOrganization(c.Context, c.Principal.Account)
	if err != nil {
		return nil, err
	}
	return &organizationsshapes.DescribeOrganizationResponse{Organization: &organizationsshapes.Organization{
		Id: ptr(o.ID), Arn: ptr(o.ARN), FeatureSet: ptr(o.FeatureSet),
		MasterAccountArn: ptr(o.ManagementARN), MasterAccountId: ptr(o.ManagementAccount), MasterAccountEmail: ptr(o.ManagementEmail),
		AvailablePolicyTypes: []organizationsshapes.PolicyTypeSummary{},
	}}, nil
}

func (a *api) listRoots(c *awsproto.Call, _ *organizationsshapes.ListRootsRequest) (*organizationsshapes.ListRootsResponse, error) {
	o, err := a.svc.ListRoots(c.Context, c.Principal.Account)
	if err != nil {
		return nil, err
	}
	return &organizationsshapes.ListRootsResponse{Roots: []organizationsshapes.Root{{
		Id: ptr(o.RootID), Arn: ptr(o.RootARN), Name: ptr("Root"), PolicyTypes: []organizationsshapes.PolicyTypeSummary{},
	}}}, nil
}
