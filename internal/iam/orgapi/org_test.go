package orgapi_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

type env = apitest.Env

func newAccount(t testing.TB, e *env, name string) string {
	t.Helper()
	st, err := e.Service.CreateAccount(context.Background(), e.Account, iam.CreateAccountInput{Email: name + "@example.com", Name: name})
	if err != nil || st.State != "SUCCEEDED" {
		t.Fatalf("create account: %+v %v", st, err)
	}
	return st.AccountID
}

func TestEveryOperationIsAuthorizedOnItsResource(t *testing.T) {
	e := apitest.New(t)
	org, err := e.Service.DescribeOrganization(context.Background(), e.Account)
	if err != nil {
		t.Fatal(err)
	}
	cases := []apitest.AuthzCase{{
		Op: "DescribeAccount", Action: "organizations:DescribeAccount",
		Setup: func(t testing.TB, e *env, n string) string { return newAccount(t, e, n) },
		Resources: func(e *env, n, id string) []string {
			return []string{"arn:aws:organizations::" + e.Account + ":account/" + org.ID + "/" + id}
		},
		Call: func(ctx context.Context, e *env, c apitest.Credentials, n, id string) error {
			_, err := e.Orgs(c).DescribeAccount(ctx, &orgsdk.DescribeAccountInput{AccountId: aws.String(id)})
			return err
		},
	}}
	why := "the reference lists no resource type for it"
	stars := []apitest.StarCase{
		{Op: "CreateAccount", Action: "organizations:CreateAccount", Why: why,
			Call: func(ctx context.Context, e *env, c apitest.Credentials) error {
				_, err := e.Orgs(c).CreateAccount(ctx, &orgsdk.CreateAccountInput{Email: aws.String(c.AccessKeyID + "@example.com"), AccountName: aws.String("x")})
				return err
			}},
		{Op: "DescribeCreateAccountStatus", Action: "organizations:DescribeCreateAccountStatus", Why: why,
			Call: func(ctx context.Context, e *env, c apitest.Credentials) error {
				st, err := e.Service.CreateAccount(ctx, e.Account, iam.CreateAccountInput{Email: "s" + c.AccessKeyID + "@example.com", Name: "s"})
				if err != nil {
					return err
				}
				_, err = e.Orgs(c).DescribeCreateAccountStatus(ctx, &orgsdk.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String(st.ID)})
				return err
			}},
		{Op: "ListAccounts", Action: "organizations:ListAccounts", Why: why,
			Call: func(ctx context.Context, e *env, c apitest.Credentials) error {
				_, err := e.Orgs(c).ListAccounts(ctx, &orgsdk.ListAccountsInput{})
				return err
			}},
		{Op: "DescribeOrganization", Action: "organizations:DescribeOrganization", Why: why,
			Call: func(ctx context.Context, e *env, c apitest.Credentials) error {
				_, err := e.Orgs(c).DescribeOrganization(ctx, &orgsdk.DescribeOrganizationInput{})
				return err
			}},
		{Op: "ListRoots", Action: "organizations:ListRoots", Why: why,
			Call: func(ctx context.Context, e *env, c apitest.Credentials) error {
				_, err := e.Orgs(c).ListRoots(ctx, &orgsdk.ListRootsInput{})
				return err
			}},
	}
	apitest.CheckCoverage(t, e, "organizations", cases, stars)
	apitest.RunAuthzCases(t, e, cases)
	apitest.RunStarCases(t, e, stars)
}

func TestOrganizations(t *testing.T) {
	e := apitest.New(t)
	ctx := context.Background()
	orgs := e.Orgs(e.Admin)

	created, err := orgs.CreateAccount(ctx, &orgsdk.CreateAccountInput{Email: aws.String("dev@example.com"), AccountName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	st := created.CreateAccountStatus
	member := aws.ToString(st.AccountId)
	t.Run("CreateAccount succeeds at once and reports a car- request id", func(t *testing.T) {
		if string(st.State) != "SUCCEEDED" || !regexp.MustCompile(`^car-[a-z0-9]{8,32}$`).MatchString(aws.ToString(st.Id)) ||
			!regexp.MustCompile(`^\d{12}$`).MatchString(member) {
			t.Errorf("status %+v", st)
		}
		got, err := orgs.DescribeCreateAccountStatus(ctx, &orgsdk.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
		if err != nil || aws.ToString(got.CreateAccountStatus.AccountId) != member {
			t.Errorf("describe: %+v %v", got, err)
		}
	})
	t.Run("the organization is described as AWS formats it", func(t *testing.T) {
		out, err := orgs.DescribeOrganization(ctx, &orgsdk.DescribeOrganizationInput{})
		if err != nil {
			t.Fatal(err)
		}
		o := out.Organization
		id := aws.ToString(o.Id)
		if !regexp.MustCompile(`^o-[a-z0-9]{10}$`).MatchString(id) ||
			aws.ToString(o.Arn) != "arn:aws:organizations::"+e.Account+":organization/"+id ||
			aws.ToString(o.MasterAccountId) != e.Account ||
			aws.ToString(o.MasterAccountArn) != "arn:aws:organizations::"+e.Account+":account/"+id+"/"+e.Account {
			t.Errorf("organization %+v", o)
		}
	})
	t.Run("ListAccounts lists the management and the new account", func(t *testing.T) {
		out, err := orgs.ListAccounts(ctx, &orgsdk.ListAccountsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range out.Accounts {
			ids = append(ids, aws.ToString(a.Id))
		}
		if len(ids) != 2 || !strings.Contains(strings.Join(ids, ","), member) || !strings.Contains(strings.Join(ids, ","), e.Account) {
			t.Errorf("accounts %v", ids)
		}
	})
	t.Run("an email already in use fails the request as AWS reports it", func(t *testing.T) {
		out, err := orgs.CreateAccount(ctx, &orgsdk.CreateAccountInput{Email: aws.String("dev@example.com"), AccountName: aws.String("again")})
		if err != nil || string(out.CreateAccountStatus.State) != "FAILED" || string(out.CreateAccountStatus.FailureReason) != "EMAIL_ALREADY_EXISTS" {
			t.Errorf("got %+v %v", out, err)
		}
	})
	t.Run("an unknown account is AccountNotFoundException", func(t *testing.T) {
		_, err := orgs.DescribeAccount(ctx, &orgsdk.DescribeAccountInput{AccountId: aws.String("000000000000")})
		if apitest.APICode(err) != "AccountNotFoundException" {
			t.Errorf("got %v", err)
		}
	})

	roleARN := "arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"
	assumed, err := e.STS(e.Admin).AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("admin")})
	t.Run("the management account's admin can assume the access role into the new account", func(t *testing.T) {
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(assumed.AssumedRoleUser.Arn); got != "arn:aws:sts::"+member+":assumed-role/OrganizationAccountAccessRole/admin" {
			t.Errorf("arn %s", got)
		}
	})
	if err != nil {
		return
	}
	inMember := apitest.Credentials{
		AccessKeyID: aws.ToString(assumed.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(assumed.Credentials.SecretAccessKey),
		SessionToken: aws.ToString(assumed.Credentials.SessionToken),
	}
	t.Run("the role has AdministratorAccess in the new account", func(t *testing.T) {
		out, err := e.IAM(inMember).CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("dev-admin")})
		if err != nil || !strings.HasPrefix(aws.ToString(out.User.Arn), "arn:aws:iam::"+member+":user/") {
			t.Errorf("got %+v %v", out, err)
		}
	})
	t.Run("a member account may not list the organization's accounts", func(t *testing.T) {
		_, err := e.Orgs(inMember).ListAccounts(ctx, &orgsdk.ListAccountsInput{})
		if apitest.APICode(err) != "AccessDeniedException" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a member account may describe its organization", func(t *testing.T) {
		if _, err := e.Orgs(inMember).DescribeOrganization(ctx, &orgsdk.DescribeOrganizationInput{}); err != nil {
			t.Errorf("got %v", err)
		}
	})
	t.Run("an identity policy cannot reach a role of another account that does not trust it", func(t *testing.T) {
		if _, err := e.Service.CreateRole(ctx, member, iam.CreateRoleInput{Name: "private",
			TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + member + `:root"},"Action":"sts:AssumeRole"}]}`}); err != nil {
			t.Fatal(err)
		}
		_, err := e.STS(e.Admin).AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + member + ":role/private"), RoleSessionName: aws.String("xx")})
		if apitest.APICode(err) != "AccessDenied" {
			t.Errorf("got %v", err)
		}
	})
}
