package iam

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Values Organizations reports.
const (
	accountActive            = "ACTIVE"
	joinedInvited            = "INVITED"
	joinedCreated            = "CREATED"
	featureSetAll            = "ALL"
	createSucceeded          = "SUCCEEDED"
	createFailed             = "FAILED"
	failureEmailExists       = "EMAIL_ALREADY_EXISTS"
	defaultOrgAccessRoleName = "OrganizationAccountAccessRole"
	bootstrapUserName        = "admin"
	bootstrapAccountName     = "Stratus"
	bootstrapAccountEmail    = "management@stratus.invalid"
	orgAccessDeniedMessage   = "You don't have permissions to access this resource."
)

// Bootstrap is what the first start of Stratus creates: the management account
// and its administrator's access key. SecretAccessKey is set only when
// EnsureBootstrap created it; the store keeps it only sealed.
type Bootstrap struct {
	AccountID       string
	UserName        string
	AccessKeyID     string
	SecretAccessKey string
}

// EnsureBootstrap creates, on the first start, the management account, its
// organization, the IAM user "admin" with AdministratorAccess attached and an
// access key for it, in one transaction, and returns them with created=true.
// On later starts it returns the management account id and created=false.
func (s *Service) EnsureBootstrap(ctx context.Context) (b Bootstrap, created bool, err error) {
	err = s.update(ctx, func(tx *store.Tx) error {
		org, err := getOrganization(ctx, tx)
		if err == nil {
			b = Bootstrap{AccountID: org.ManagementAccount, UserName: bootstrapUserName}
			return nil
		}
		if !errors.Is(err, errNoOrganization) {
			return err
		}
		account, err := s.newAccountID(ctx, tx)
		if err != nil {
			return err
		}
		orgID, err := s.ids.orgID()
		if err != nil {
			return err
		}
		rootID, err := s.ids.rootID()
		if err != nil {
			return err
		}
		now := formatTime(s.nowUTC())
		if _, err := tx.Exec(ctx, `INSERT INTO iam_organizations (id, management_account, root_id, feature_set, created_at) VALUES (?, ?, ?, ?, ?)`,
			orgID, account, rootID, featureSetAll, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO iam_accounts (id, org_id, name, email, status, joined_method, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			account, orgID, bootstrapAccountName, bootstrapAccountEmail, accountActive, joinedInvited, now); err != nil {
			return err
		}
		uid, err := s.ids.unique(prefixUser)
		if err != nil {
			return err
		}
		u := &User{Account: account, Name: bootstrapUserName, Path: "/", ID: uid, Created: s.nowUTC()}
		if err := insertUser(ctx, tx, u); err != nil {
			return err
		}
		if err := attachPolicy(ctx, tx, account, Owner{KindUser, u.Name}, AdministratorAccessARN); err != nil {
			return err
		}
		k, err := s.createAccessKey(ctx, tx, account, u.Name)
		if err != nil {
			return err
		}
		b = Bootstrap{AccountID: account, UserName: u.Name, AccessKeyID: k.ID, SecretAccessKey: k.Secret}
		created = true
		return nil
	})
	if err != nil {
		return Bootstrap{}, false, fmt.Errorf("bootstrap: %w", err)
	}
	return b, created, nil
}

// newAccountID draws account ids until one is unused.
func (s *Service) newAccountID(ctx context.Context, tx *store.Tx) (string, error) {
	for range 10 {
		id, err := s.ids.accountID()
		if err != nil {
			return "", err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM iam_accounts WHERE id = ?`, id).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return id, nil
		}
	}
	return "", errors.New("no unused account id found")
}

var errNoOrganization = errors.New("no organization")

func getOrganization(ctx context.Context, tx *store.Tx) (*Organization, error) {
	var o Organization
	var created string
	err := tx.QueryRow(ctx, `SELECT o.id, o.management_account, o.root_id, o.feature_set, o.created_at, a.email
		FROM iam_organizations o JOIN iam_accounts a ON a.id = o.management_account`).
		Scan(&o.ID, &o.ManagementAccount, &o.RootID, &o.FeatureSet, &created, &o.ManagementEmail)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoOrganization
	}
	if err != nil {
		return nil, err
	}
	o.Created = parseTime(created)
	o.ARN = arn.Organization(o.ManagementAccount, o.ID)
	o.ManagementARN = arn.OrgAccount(o.ManagementAccount, o.ID, o.ManagementAccount)
	o.RootARN = arn.OrgRoot(o.ManagementAccount, o.ID, o.RootID)
	return &o, nil
}

// orgFor returns the organization of caller's account. Returns
// AWSOrganizationsNotInUseException if the account is in none, and
// AccessDeniedException when management is true and caller is not the
// management account.
func orgFor(ctx context.Context, tx *store.Tx, account string, management bool) (*Organization, error) {
	o, err := getOrganization(ctx, tx)
	if errors.Is(err, errNoOrganization) {
		return nil, orgError(CodeOrgNotInUse, "Your account is not a member of an organization.")
	}
	if err != nil {
		return nil, err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM iam_accounts WHERE id = ? AND org_id = ?`, account, o.ID).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, orgError(CodeOrgNotInUse, "Your account is not a member of an organization.")
	}
	if management && account != o.ManagementAccount {
		return nil, orgError(CodeOrgAccessDenied, orgAccessDeniedMessage)
	}
	return o, nil
}

// DescribeOrganization returns the organization caller's account belongs to.
// Returns AWSOrganizationsNotInUseException.
func (s *Service) DescribeOrganization(ctx context.Context, account string) (*Organization, error) {
	var o *Organization
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		o, err = orgFor(ctx, tx, account, false)
		return err
	})
	return o, err
}

// CreateAccountInput describes a new member account.
type CreateAccountInput struct {
	Email, Name string
	// RoleName is the role created in the new account for the management
	// account's administrators; "" means OrganizationAccountAccessRole.
	RoleName string
}

// CreateAccount creates a member account at once: the account, and in it a role
// that the management account's root trusts, with AdministratorAccess
// attached. Like AWS it reports the outcome as a CreateAccountStatus; an email
// already in use gives State FAILED with FailureReason EMAIL_ALREADY_EXISTS.
// Only the management account may call it (AccessDeniedException).
func (s *Service) CreateAccount(ctx context.Context, caller string, in CreateAccountInput) (*CreateAccountStatus, error) {
	if in.RoleName == "" {
		in.RoleName = defaultOrgAccessRoleName
	}
	var st *CreateAccountStatus
	err := s.update(ctx, func(tx *store.Tx) error {
		o, err := orgFor(ctx, tx, caller, true)
		if err != nil {
			return err
		}
		reqID, err := s.ids.createAccountRequestID()
		if err != nil {
			return err
		}
		now := s.nowUTC()
		st = &CreateAccountStatus{ID: reqID, AccountName: in.Name, State: createSucceeded, Requested: now, Completed: now}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM iam_accounts WHERE email = ?`, strings.ToLower(in.Email)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			st.State, st.FailureReason = createFailed, failureEmailExists
		} else {
			if st.AccountID, err = s.newAccountID(ctx, tx); err != nil {
				return err
			}
			if err := s.createMemberAccount(ctx, tx, o, st.AccountID, in); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO iam_create_account_status (id, org_id, account_id, account_name, state, failure_reason, requested_at, completed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, st.ID, o.ID, st.AccountID, st.AccountName, st.State, st.FailureReason, formatTime(now), formatTime(now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func (s *Service) createMemberAccount(ctx context.Context, tx *store.Tx, o *Organization, account string, in CreateAccountInput) error {
	now := s.nowUTC()
	if _, err := tx.Exec(ctx, `INSERT INTO iam_accounts (id, org_id, name, email, status, joined_method, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		account, o.ID, in.Name, strings.ToLower(in.Email), accountActive, joinedCreated, formatTime(now)); err != nil {
		return err
	}
	rid, err := s.ids.unique(prefixRole)
	if err != nil {
		return err
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + arn.IAMRoot(o.ManagementAccount) +
		`"},"Action":"sts:AssumeRole"}]}`
	r := &Role{
		Account: account, Name: in.RoleName, Path: "/", ID: rid, Created: now, TrustPolicy: trust,
		MaxSessionDuration: defaultMaxSessionDuration,
	}
	if err := insertRole(ctx, tx, r); err != nil {
		return err
	}
	return attachPolicy(ctx, tx, account, Owner{KindRole, r.Name}, AdministratorAccessARN)
}

// DescribeCreateAccountStatus returns a CreateAccount request's status.
// Returns CreateAccountStatusNotFoundException.
func (s *Service) DescribeCreateAccountStatus(ctx context.Context, caller, id string) (*CreateAccountStatus, error) {
	var st CreateAccountStatus
	err := s.view(ctx, func(tx *store.Tx) error {
		o, err := orgFor(ctx, tx, caller, true)
		if err != nil {
			return err
		}
		var req, done string
		err = tx.QueryRow(ctx, `SELECT id, account_id, account_name, state, failure_reason, requested_at, completed_at
			FROM iam_create_account_status WHERE id = ? AND org_id = ?`, id, o.ID).
			Scan(&st.ID, &st.AccountID, &st.AccountName, &st.State, &st.FailureReason, &req, &done)
		if errors.Is(err, sql.ErrNoRows) {
			return orgError(CodeOrgCreateAccountStatusNotFound, "We can't find an create account request with the CreateAccountRequestId that you specified.")
		}
		st.Requested, st.Completed = parseTime(req), parseTime(done)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

const accountColumns = `id, name, email, status, joined_method, created_at`

func scanAccount(sc interface{ Scan(...any) error }, o *Organization) (*Account, error) {
	var a Account
	var joined string
	if err := sc.Scan(&a.ID, &a.Name, &a.Email, &a.Status, &a.JoinedMethod, &joined); err != nil {
		return nil, err
	}
	a.Joined = parseTime(joined)
	a.ARN = arn.OrgAccount(o.ManagementAccount, o.ID, a.ID)
	return &a, nil
}

// DescribeAccount returns a member account. Only the management account may
// call it. Returns AccountNotFoundException.
func (s *Service) DescribeAccount(ctx context.Context, caller, id string) (*Account, error) {
	var a *Account
	err := s.view(ctx, func(tx *store.Tx) error {
		o, err := orgFor(ctx, tx, caller, true)
		if err != nil {
			return err
		}
		a, err = scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM iam_accounts WHERE id = ? AND org_id = ?`, id, o.ID), o)
		if errors.Is(err, sql.ErrNoRows) {
			return orgError(CodeOrgAccountNotFound, "You specified an account that doesn't exist.")
		}
		return err
	})
	return a, err
}

// ListAccounts lists the organization's accounts by id. Only the management
// account may call it.
func (s *Service) ListAccounts(ctx context.Context, caller string, p Page) ([]Account, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", orgError(CodeOrgInvalidInput, "The provided NextToken is invalid.")
	}
	limit := p.limit()
	var out []Account
	err = s.view(ctx, func(tx *store.Tx) error {
		o, err := orgFor(ctx, tx, caller, true)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+accountColumns+` FROM iam_accounts WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?`, o.ID, after, limit+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAccount(rows, o)
			if err != nil {
				return err
			}
			out = append(out, *a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, limit, func(a Account) string { return a.ID })
	return out, next, nil
}

// ListRoots returns the organization's root. Only the management account may
// call it.
func (s *Service) ListRoots(ctx context.Context, caller string) (*Organization, error) {
	var o *Organization
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		o, err = orgFor(ctx, tx, caller, true)
		return err
	})
	return o, err
}
