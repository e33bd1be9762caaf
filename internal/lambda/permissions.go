package lambda

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Resource-based policies of functions (AddPermission, RemovePermission,
// GetPolicy) and of layer versions (AddLayerVersionPermission, ...), the
// Authorizer's view of them (ResourcePolicy), and the checks Lambda makes
// itself: service principals pushing to a function (PermitService) and
// functions using another account's layer version (checkLayerAccess).
//
// A function has one policy per qualifier: the function itself (unqualified,
// which $LATEST shares), each published version and each alias. The policy
// belongs to that version or alias: it is deleted with it (the foreign keys
// below) and its RevisionId is the version's or alias's, which every change
// of the policy renews, as on AWS.

// permissionMigrations are the "lambda-permissions" owner's schema. A policy
// is kept as the JSON array of its statements, each as AWS wrote it when it
// was added; the document is assembled around them on read.
var permissionMigrations = []store.Migration{{Version: 1, SQL: `
CREATE TABLE lambda_function_policies (
	account     TEXT   NOT NULL,
	name        TEXT   NOT NULL,
	qualifier   TEXT   NOT NULL,
	version_num BIGINT,
	alias       TEXT,
	statements  TEXT   NOT NULL,
	PRIMARY KEY (account, name, qualifier),
	FOREIGN KEY (account, name) REFERENCES lambda_functions (account, name) ON DELETE CASCADE,
	FOREIGN KEY (account, name, version_num) REFERENCES lambda_versions (account, name, version_num) ON DELETE CASCADE,
	FOREIGN KEY (account, name, alias) REFERENCES lambda_aliases (account, name, alias) ON DELETE CASCADE
);
CREATE TABLE lambda_layer_policies (
	account     TEXT   NOT NULL,
	name        TEXT   NOT NULL,
	version     BIGINT NOT NULL,
	statements  TEXT   NOT NULL,
	revision_id TEXT   NOT NULL,
	PRIMARY KEY (account, name, version),
	FOREIGN KEY (account, name, version) REFERENCES lambda_layer_versions (account, name, version) ON DELETE CASCADE
);
`}}

// CodePolicyLengthExceeded is AWS's code for a policy over maxPolicyBytes.
const CodePolicyLengthExceeded = "PolicyLengthExceededException"

const (
	// maxPolicyBytes is the size limit of a function's or layer version's policy.
	maxPolicyBytes = 20480
	// actionInvoke and actionGetLayerVersion are the actions Lambda checks itself.
	actionInvoke          = "lambda:InvokeFunction"
	actionGetLayerVersion = "lambda:GetLayerVersion"
)

var (
	statementIDRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,100}$`)
	actionRE      = regexp.MustCompile(`^(lambda:\*|lambda:[a-zA-Z]+|\*)$`)
	accountIDRE   = regexp.MustCompile(`^[0-9]{12}$`)
	orgIDRE       = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	// servicePrincipalRE matches service principals such as
	// sns.amazonaws.com or alexa-appkit.amazon.com.
	servicePrincipalRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$`)
	// iamPrincipalRE matches the IAM and STS ARNs a Principal may name.
	iamPrincipalRE = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:(iam|sts)::[0-9]{12}:\S+$`)
)

// crossAccountActions are the actions on a function that Stratus lets a
// resource-based policy grant to another account's principals. AWS serves
// most function actions across accounts; these are the ones whose wire
// adapters call the domain with ActingAccount. Every other operation
// refuses another account's function as not found.
var crossAccountActions = map[string]bool{
	actionInvoke: true, "lambda:GetFunction": true, "lambda:GetFunctionConfiguration": true, "lambda:GetPolicy": true,
}

// ActingAccount returns the account an operation with IAM action on
// nameOrARN runs as: the account of a function ARN naming another account
// when AWS serves that action across accounts (Invoke, GetFunction,
// GetFunctionConfiguration, GetPolicy) — the router has then authorized
// the caller on the function's ARN, which across accounts needs the
// function's policy to allow it — and caller otherwise, so that the domain
// refuses another account's function as not found.
func (s *Service) ActingAccount(caller, nameOrARN, action string) string {
	if !crossAccountActions[action] {
		return caller
	}
	ref, err := s.ParseFunctionName(caller, nameOrARN)
	if err != nil {
		return caller
	}
	return ref.Account
}

// PermissionInput is one statement AddPermission adds to a function's policy.
type PermissionInput struct {
	StatementID string
	// Action is lambda:InvokeFunction, lambda:GetFunction, "lambda:*", ...
	Action string
	// Principal is an account id, an IAM or STS ARN, a service principal
	// (sns.amazonaws.com) or "*".
	Principal             string
	SourceARN             string
	SourceAccount         string
	EventSourceToken      string
	PrincipalOrgID        string
	FunctionURLAuthType   string
	InvokedViaFunctionURL *bool
	// RevisionID, if set, must be the current revision of the function,
	// version or alias.
	RevisionID string
}

// LayerPermissionInput is one statement AddLayerVersionPermission adds.
type LayerPermissionInput struct {
	StatementID string
	// Action must be lambda:GetLayerVersion.
	Action string
	// Principal is an account id, that account's root ARN, or "*".
	Principal string
	// OrganizationID limits "*" to the accounts of one organization.
	OrganizationID string
	// RevisionID, if set, must be the policy's current revision.
	RevisionID string
}

// Policy is a resource-based policy document and its revision.
type Policy struct {
	Document   string
	RevisionID string
}

// AddPermission adds a statement to the policy of the function, version or
// alias nameOrARN and qualifier name, and returns the statement as AWS
// writes it. Returns InvalidParameterValueException for a bad input or for
// $LATEST, ResourceNotFoundException if the function, version or alias does
// not exist, ResourceConflictException for a statement id in use,
// PreconditionFailedException for a stale RevisionID and
// PolicyLengthExceededException when the policy would exceed 20 KB.
func (s *Service) AddPermission(ctx context.Context, account, nameOrARN, qualifier string, in PermissionInput) (string, error) {
	ref, err := s.resolveRef(account, nameOrARN, qualifier)
	if err != nil {
		return "", err
	}
	if ref.Qualifier == latest {
		return "", invalidParameter("We currently do not support adding policies for $LATEST.")
	}
	st, err := functionStatement(s.refARN(ref), in)
	if err != nil {
		return "", err
	}
	rev, err := s.revisionID()
	if err != nil {
		return "", err
	}
	err = s.updateFunction(ctx, ref.Account, ref.Name, func(tx *store.Tx) error {
		t, err := s.policyTarget(ctx, tx, ref)
		if err != nil {
			return err
		}
		if in.RevisionID != "" && in.RevisionID != t.revision {
			return stalePolicyRevision("GetPolicy")
		}
		stmts, err := s.functionStatements(ctx, tx, ref)
		if err != nil {
			return err
		}
		if stmts, err = addStatement(stmts, in.StatementID, st); err != nil {
			return err
		}
		if err := s.putFunctionStatements(ctx, tx, ref, t, stmts); err != nil {
			return err
		}
		return t.bump(rev)
	})
	if err != nil {
		return "", fmt.Errorf("add permission: %w", err)
	}
	return string(st), nil
}

// RemovePermission removes the statement with id sid from the policy of the
// function, version or alias (and the policy with its last statement).
// Returns ResourceNotFoundException if there is no policy or no such
// statement and PreconditionFailedException for a stale revision.
func (s *Service) RemovePermission(ctx context.Context, account, nameOrARN, qualifier, sid, revision string) error {
	ref, err := s.resolveRef(account, nameOrARN, qualifier)
	if err != nil {
		return err
	}
	rev, err := s.revisionID()
	if err != nil {
		return err
	}
	err = s.updateFunction(ctx, ref.Account, ref.Name, func(tx *store.Tx) error {
		if err := s.exists(ctx, tx, ref.Account, ref.Name); awserr.Is(err, CodeResourceNotFound) {
			return notFound("No policy found for: %s", s.functionARN(ref.Account, ref.Name))
		} else if err != nil {
			return err
		}
		t, err := s.policyTarget(ctx, tx, ref)
		if err != nil {
			return err
		}
		stmts, err := s.functionStatements(ctx, tx, ref)
		if err != nil {
			return err
		}
		if len(stmts) == 0 {
			return noPolicy()
		}
		if stmts, err = removeStatement(stmts, sid); err != nil {
			return err
		}
		if revision != "" && revision != t.revision {
			return staleRevision()
		}
		if err := s.putFunctionStatements(ctx, tx, ref, t, stmts); err != nil {
			return err
		}
		return t.bump(rev)
	})
	if err != nil {
		return fmt.Errorf("remove permission: %w", err)
	}
	return nil
}

// GetPolicy returns the policy of the function, version or alias with the
// revision of that version or alias. Returns ResourceNotFoundException if
// it or its policy does not exist.
func (s *Service) GetPolicy(ctx context.Context, account, nameOrARN, qualifier string) (*Policy, error) {
	ref, err := s.resolveRef(account, nameOrARN, qualifier)
	if err != nil {
		return nil, err
	}
	var out *Policy
	err = s.st.View(ctx, func(tx *store.Tx) error {
		t, err := s.policyTarget(ctx, tx, ref)
		if err != nil {
			return err
		}
		stmts, err := s.functionStatements(ctx, tx, ref)
		if err != nil {
			return err
		}
		if len(stmts) == 0 {
			return notFound("The resource you requested does not exist.")
		}
		out = &Policy{Document: policyDocument(stmts), RevisionID: t.revision}
		return nil
	})
	return out, err
}

// refARN is the ARN a policy of ref applies to: the function's, qualified
// when ref names a version or alias.
func (s *Service) refARN(ref FunctionRef) string {
	a := s.functionARN(ref.Account, ref.Name)
	if ref.Qualifier != "" && ref.Qualifier != latest {
		a += ":" + ref.Qualifier
	}
	return a
}

// policyKey is the qualifier column of ref's policy: "" for the function
// (and $LATEST).
func policyKey(ref FunctionRef) string {
	if ref.Qualifier == latest {
		return ""
	}
	return ref.Qualifier
}

// policyTarget is what a function policy belongs to: the function ($LATEST),
// a version or an alias, with its revision.
type policyTarget struct {
	versionNum *int64
	alias      *string
	revision   string
	// bump gives the target a new revision.
	bump func(rev string) error
}

// policyTarget finds what ref names inside tx. Returns
// ResourceNotFoundException as AWS words it when it does not exist.
func (s *Service) policyTarget(ctx context.Context, tx *store.Tx, ref FunctionRef) (*policyTarget, error) {
	if q := policyKey(ref); q != "" && !isNumber(q) {
		al, err := s.getAlias(ctx, tx, ref.Account, ref.Name, q)
		if errors.Is(err, sql.ErrNoRows) {
			if err := s.exists(ctx, tx, ref.Account, ref.Name); err != nil {
				return nil, err
			}
			return nil, notFound("Cannot find alias arn: %s", s.refARN(ref))
		}
		if err != nil {
			return nil, err
		}
		return &policyTarget{alias: &q, revision: al.RevisionID, bump: func(rev string) error {
			_, err := tx.Exec(ctx, `UPDATE lambda_aliases SET revision_id = ? WHERE account = ? AND name = ? AND alias = ?`, rev, ref.Account, ref.Name, q)
			return err
		}}, nil
	}
	var num int64
	if q := policyKey(ref); q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil || n < 1 {
			return nil, s.refNotFound(ref)
		}
		num = n
	}
	v, err := s.getVersion(ctx, tx, ref.Account, ref.Name, num)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.refNotFound(FunctionRef{Account: ref.Account, Name: ref.Name, Qualifier: policyKey(ref)})
	}
	if err != nil {
		return nil, err
	}
	t := &policyTarget{revision: v.RevisionID, bump: func(rev string) error {
		v.RevisionID = rev
		return s.putVersion(ctx, tx, v, num)
	}}
	if num > 0 {
		t.versionNum = &num
	}
	return t, nil
}

// functionStatements reads the statements of ref's policy (none if it has none).
func (s *Service) functionStatements(ctx context.Context, tx *store.Tx, ref FunctionRef) ([]json.RawMessage, error) {
	var raw string
	err := tx.QueryRow(ctx, `SELECT statements FROM lambda_function_policies WHERE account = ? AND name = ? AND qualifier = ?`,
		ref.Account, ref.Name, policyKey(ref)).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeStatements(raw)
}

// putFunctionStatements stores stmts as ref's policy, or deletes the policy
// when stmts is empty.
func (s *Service) putFunctionStatements(ctx context.Context, tx *store.Tx, ref FunctionRef, t *policyTarget, stmts []json.RawMessage) error {
	if len(stmts) == 0 {
		_, err := tx.Exec(ctx, `DELETE FROM lambda_function_policies WHERE account = ? AND name = ? AND qualifier = ?`, ref.Account, ref.Name, policyKey(ref))
		return err
	}
	raw, err := encodeJSON(stmts)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO lambda_function_policies (account, name, qualifier, version_num, alias, statements) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, name, qualifier) DO UPDATE SET statements = excluded.statements`,
		ref.Account, ref.Name, policyKey(ref), t.versionNum, t.alias, string(raw))
	return err
}

// AddLayerVersionPermission adds a statement to the policy of one of the
// account's layer versions and returns it as AWS writes it, with the
// policy's new revision. Returns the errors AddPermission does.
func (s *Service) AddLayerVersionPermission(ctx context.Context, account, layerName string, version int64, in LayerPermissionInput) (string, string, error) {
	acct, name, err := s.parseLayerName(account, layerName)
	if err != nil {
		return "", "", err
	}
	arn := s.layerARN(acct, name) + ":" + strconv.FormatInt(version, 10)
	st, err := layerStatement(arn, in)
	if err != nil {
		return "", "", err
	}
	rev, err := s.revisionID()
	if err != nil {
		return "", "", err
	}
	err = s.update(ctx, func(tx *store.Tx) error {
		stmts, cur, err := s.layerStatements(ctx, tx, account, acct, name, version, arn)
		if err != nil {
			return err
		}
		if in.RevisionID != "" && in.RevisionID != cur {
			return stalePolicyRevision("GetLayerPolicy")
		}
		if stmts, err = addStatement(stmts, in.StatementID, st); err != nil {
			return err
		}
		return s.putLayerStatements(ctx, tx, acct, name, version, stmts, rev)
	})
	if err != nil {
		return "", "", fmt.Errorf("add layer version permission: %w", err)
	}
	return string(st), rev, nil
}

// RemoveLayerVersionPermission removes the statement sid from a layer
// version's policy. Returns ResourceNotFoundException if there is no such
// layer version, policy or statement, PreconditionFailedException for a
// stale revision.
func (s *Service) RemoveLayerVersionPermission(ctx context.Context, account, layerName string, version int64, sid, revision string) error {
	acct, name, err := s.parseLayerName(account, layerName)
	if err != nil {
		return err
	}
	arn := s.layerARN(acct, name) + ":" + strconv.FormatInt(version, 10)
	rev, err := s.revisionID()
	if err != nil {
		return err
	}
	err = s.update(ctx, func(tx *store.Tx) error {
		stmts, cur, err := s.layerStatements(ctx, tx, account, acct, name, version, arn)
		if err != nil {
			return err
		}
		if len(stmts) == 0 {
			return noPolicy()
		}
		if revision != "" && revision != cur {
			return stalePolicyRevision("GetLayerPolicy")
		}
		if stmts, err = removeStatement(stmts, sid); err != nil {
			return err
		}
		return s.putLayerStatements(ctx, tx, acct, name, version, stmts, rev)
	})
	if err != nil {
		return fmt.Errorf("remove layer version permission: %w", err)
	}
	return nil
}

// GetLayerVersionPolicy returns a layer version's policy. Returns
// ResourceNotFoundException if the layer version or its policy does not exist.
func (s *Service) GetLayerVersionPolicy(ctx context.Context, account, layerName string, version int64) (*Policy, error) {
	acct, name, err := s.parseLayerName(account, layerName)
	if err != nil {
		return nil, err
	}
	arn := s.layerARN(acct, name) + ":" + strconv.FormatInt(version, 10)
	var out *Policy
	err = s.st.View(ctx, func(tx *store.Tx) error {
		stmts, rev, err := s.layerStatements(ctx, tx, account, acct, name, version, arn)
		if err != nil {
			return err
		}
		if len(stmts) == 0 {
			return noPolicy()
		}
		out = &Policy{Document: policyDocument(stmts), RevisionID: rev}
		return nil
	})
	return out, err
}

// layerStatements checks that caller's layer version exists and reads its
// policy's statements and revision.
func (s *Service) layerStatements(ctx context.Context, tx *store.Tx, caller, account, name string, version int64, arn string) ([]json.RawMessage, string, error) {
	if _, err := s.getLayerVersion(ctx, tx, account, name, version); errors.Is(err, sql.ErrNoRows) || (err == nil && account != caller) {
		return nil, "", notFound("Layer version %s does not exist.", arn)
	} else if err != nil {
		return nil, "", err
	}
	var raw, rev string
	err := tx.QueryRow(ctx, `SELECT statements, revision_id FROM lambda_layer_policies WHERE account = ? AND name = ? AND version = ?`,
		account, name, version).Scan(&raw, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	stmts, err := decodeStatements(raw)
	return stmts, rev, err
}

func (s *Service) putLayerStatements(ctx context.Context, tx *store.Tx, account, name string, version int64, stmts []json.RawMessage, rev string) error {
	if len(stmts) == 0 {
		_, err := tx.Exec(ctx, `DELETE FROM lambda_layer_policies WHERE account = ? AND name = ? AND version = ?`, account, name, version)
		return err
	}
	raw, err := encodeJSON(stmts)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO lambda_layer_policies (account, name, version, statements, revision_id) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, name, version) DO UPDATE SET statements = excluded.statements, revision_id = excluded.revision_id`,
		account, name, version, string(raw), rev)
	return err
}

// checkLayerAccess returns nil if the policy of another account's layer
// version arn allows account to use it (lambda:GetLayerVersion), judged for
// the account as a whole; AccessDeniedException as AWS words it otherwise,
// including when the layer version does not exist.
func (s *Service) checkLayerAccess(ctx context.Context, tx *store.Tx, account, arn, owner, name string, version int64) error {
	caller := "arn:aws:iam::" + account + ":root"
	if p := identity.FromContext(ctx); p != nil && p.Account == account {
		caller = p.ARN
	}
	denied := awserr.New("AccessDeniedException", 403,
		"User: %s is not authorized to perform: %s on resource: %s because no resource-based policy allows the %s action",
		caller, actionGetLayerVersion, arn, actionGetLayerVersion)
	var raw string
	err := tx.QueryRow(ctx, `SELECT statements FROM lambda_layer_policies WHERE account = ? AND name = ? AND version = ?`,
		owner, name, version).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return denied
	}
	if err != nil {
		return err
	}
	stmts, err := decodeStatements(raw)
	if err != nil {
		return err
	}
	p, err := policy.Parse(policyDocument(stmts), policy.Resource)
	if err != nil {
		return fmt.Errorf("parse policy of %s: %w", arn, err)
	}
	c := policy.Context{}
	c.Set("aws:PrincipalAccount", policy.StringValue(account))
	req := &policy.Request{
		Principal: policy.PrincipalInfo{Type: policy.PrincipalRoot, ARN: "arn:aws:iam::" + account + ":root", Account: account},
		Action:    actionGetLayerVersion, Resource: arn, Context: c,
	}
	in := &policy.Input{Resource: &policy.Source{ID: "ResourcePolicy", Type: "resource", Policy: p}, ResourceAccount: owner}
	if policy.Decide(req, in) != policy.Allowed {
		return denied
	}
	return nil
}

// ResourcePolicy returns the policy of the function, version, alias or
// layer version resourceARN names, for the IAM authorizer (it implements
// iam.ResourcePolicySource); ok is false when it has none. A qualified
// function ARN has its version's or alias's policy only: a permission on the
// function does not extend to its versions and aliases, as on AWS; $LATEST
// shares the function's. The policy governs every action on the resource.
// Lookups are cached until the next write to the service: Invoke is
// authorized on every call.
func (s *Service) ResourcePolicy(ctx context.Context, resourceARN, action string) (string, bool, error) {
	e, err := s.cachedPolicy(ctx, resourceARN)
	return e.doc, e.ok, err
}

// PermitService returns nil if the policy of functionARN (as qualified)
// lets servicePrincipal (sns.amazonaws.com, ...) invoke it on behalf of the
// resource sourceARN of account sourceAccount (aws:SourceArn,
// aws:SourceAccount); an *awserr.Error AccessDeniedException otherwise.
func (s *Service) PermitService(ctx context.Context, functionARN, servicePrincipal, sourceARN, sourceAccount string) error {
	e, err := s.cachedPolicy(ctx, functionARN)
	if err != nil {
		return err
	}
	denied := awserr.New("AccessDeniedException", 403,
		"The service principal %s is not authorized to perform: %s on resource: %s because no resource-based policy allows the %s action",
		servicePrincipal, actionInvoke, functionARN, actionInvoke)
	if !e.ok {
		return denied
	}
	if e.parseErr != nil {
		return fmt.Errorf("policy of %s: %w", functionARN, e.parseErr)
	}
	c := policy.Context{}
	c.Set("aws:PrincipalServiceName", policy.StringValue(servicePrincipal))
	if sourceARN != "" {
		c.Set("aws:SourceArn", policy.StringValue(sourceARN))
	}
	if sourceAccount != "" {
		c.Set("aws:SourceAccount", policy.StringValue(sourceAccount))
	}
	req := &policy.Request{
		Principal: policy.PrincipalInfo{Type: policy.PrincipalService, Service: servicePrincipal},
		Action:    actionInvoke, Resource: functionARN, Context: c,
	}
	if policy.Decide(req, &policy.Input{Resource: &policy.Source{ID: "ResourcePolicy", Type: "resource", Policy: e.parsed}}) != policy.Allowed {
		return denied
	}
	return nil
}

// policyCache holds looked-up resource policies by ARN, each tagged with the
// write generation it was read at (see Service.update).
type policyCache struct {
	mu      sync.Mutex // guards entries
	entries map[string]policyEntry
}

type policyEntry struct {
	gen      uint64
	doc      string
	ok       bool
	parsed   *policy.Policy
	parseErr error
}

// cachedPolicy returns the policy of resourceARN, parsed, from the cache
// unless the service was written since it was read.
func (s *Service) cachedPolicy(ctx context.Context, resourceARN string) (policyEntry, error) {
	gen := s.gen.Load()
	c := &s.policies
	c.mu.Lock()
	e, hit := c.entries[resourceARN]
	c.mu.Unlock()
	if hit && e.gen == gen {
		return e, nil
	}
	e = policyEntry{gen: gen}
	var err error
	if e.doc, e.ok, err = s.lookupPolicy(ctx, resourceARN); err != nil {
		return policyEntry{}, err
	}
	if e.ok {
		e.parsed, e.parseErr = policy.Parse(e.doc, policy.Resource)
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxCached {
		c.entries = map[string]policyEntry{}
	}
	c.entries[resourceARN] = e
	c.mu.Unlock()
	return e, nil
}

// lookupPolicy reads the policy of a function or layer version ARN of this
// region.
func (s *Service) lookupPolicy(ctx context.Context, resourceARN string) (string, bool, error) {
	parts := strings.Split(resourceARN, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "lambda" || parts[3] != s.region {
		return "", false, nil
	}
	var q string
	var args []any
	switch {
	case parts[5] == "function" && len(parts) <= 8:
		qualifier := ""
		if len(parts) == 8 && parts[7] != latest {
			qualifier = parts[7]
		}
		q, args = `SELECT statements FROM lambda_function_policies WHERE account = ? AND name = ? AND qualifier = ?`, []any{parts[4], parts[6], qualifier}
	case parts[5] == "layer" && len(parts) == 8:
		v, err := strconv.ParseInt(parts[7], 10, 64)
		if err != nil {
			return "", false, nil
		}
		q, args = `SELECT statements FROM lambda_layer_policies WHERE account = ? AND name = ? AND version = ?`, []any{parts[4], parts[6], v}
	default:
		return "", false, nil
	}
	var raw string
	err := s.st.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, q, args...).Scan(&raw) })
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read policy of %s: %w", resourceARN, err)
	}
	stmts, err := decodeStatements(raw)
	if err != nil || len(stmts) == 0 {
		return "", false, err
	}
	return policyDocument(stmts), true, nil
}

// functionStatement builds the statement AddPermission adds for in, as AWS
// writes it.
func functionStatement(resource string, in PermissionInput) (json.RawMessage, error) {
	if err := checkStatementID(in.StatementID); err != nil {
		return nil, err
	}
	if !actionRE.MatchString(in.Action) {
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])", in.Action)
	}
	principal, err := principalElement(in.Principal, true)
	if err != nil {
		return nil, err
	}
	var equals, arnLike, boolean object
	switch {
	case in.SourceAccount != "" && !accountIDRE.MatchString(in.SourceAccount):
		return nil, invalidParameter("The provided source account %s is invalid: it must be a 12-digit account id.", in.SourceAccount)
	case in.SourceAccount != "":
		equals = append(equals, member{"AWS:SourceAccount", in.SourceAccount})
	}
	switch {
	case in.PrincipalOrgID != "" && !orgIDRE.MatchString(in.PrincipalOrgID):
		return nil, invalidParameter("The provided PrincipalOrgID %s is invalid.", in.PrincipalOrgID)
	case in.PrincipalOrgID != "":
		equals = append(equals, member{"aws:PrincipalOrgID", in.PrincipalOrgID})
	}
	if in.EventSourceToken != "" {
		equals = append(equals, member{"lambda:EventSourceToken", in.EventSourceToken})
	}
	switch in.FunctionURLAuthType {
	case "":
	case "NONE", "AWS_IAM":
		equals = append(equals, member{"lambda:FunctionUrlAuthType", in.FunctionURLAuthType})
	default:
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'functionUrlAuthType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]", in.FunctionURLAuthType)
	}
	switch {
	case in.SourceARN != "" && !strings.HasPrefix(in.SourceARN, "arn:"):
		return nil, invalidParameter("The provided source ARN %s is invalid.", in.SourceARN)
	case in.SourceARN != "":
		arnLike = append(arnLike, member{"AWS:SourceArn", in.SourceARN})
	}
	if in.InvokedViaFunctionURL != nil && *in.InvokedViaFunctionURL {
		boolean = append(boolean, member{"lambda:InvokedViaFunctionUrl", "true"})
	}
	var cond object
	for _, c := range []member{{"StringEquals", equals}, {"ArnLike", arnLike}, {"Bool", boolean}} {
		if len(c.value.(object)) > 0 {
			cond = append(cond, c)
		}
	}
	return statement(in.StatementID, principal, in.Action, resource, cond)
}

// layerStatement builds the statement AddLayerVersionPermission adds.
func layerStatement(resource string, in LayerPermissionInput) (json.RawMessage, error) {
	if err := checkStatementID(in.StatementID); err != nil {
		return nil, err
	}
	if in.Action != actionGetLayerVersion {
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion", in.Action)
	}
	if in.Principal != "*" && !accountIDRE.MatchString(in.Principal) && !iamRootRE.MatchString(in.Principal) {
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root", in.Principal)
	}
	principal, err := principalElement(in.Principal, false)
	if err != nil {
		return nil, err
	}
	var cond object
	switch {
	case in.OrganizationID != "" && !orgIDRE.MatchString(in.OrganizationID):
		return nil, invalidParameter("The provided OrganizationId %s is invalid.", in.OrganizationID)
	case in.OrganizationID != "" && in.Principal != "*":
		return nil, invalidParameter("OrganizationId can only be specified with the principal *.")
	case in.OrganizationID != "":
		cond = object{{"StringEquals", object{{"aws:PrincipalOrgID", in.OrganizationID}}}}
	}
	return statement(in.StatementID, principal, in.Action, resource, cond)
}

var iamRootRE = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:root$`)

func checkStatementID(sid string) error {
	if !statementIDRE.MatchString(sid) {
		return invalidParameter("1 validation error detected: Value '%s' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)", sid)
	}
	return nil
}

// principalElement is the Principal element AWS writes for a principal
// parameter: "*", {"AWS": an account's root or an IAM ARN} or, for
// functions, {"Service": a service principal}.
func principalElement(p string, services bool) (any, error) {
	switch {
	case p == "*":
		return "*", nil
	case accountIDRE.MatchString(p):
		return object{{"AWS", "arn:aws:iam::" + p + ":root"}}, nil
	case iamPrincipalRE.MatchString(p):
		return object{{"AWS", p}}, nil
	case services && servicePrincipalRE.MatchString(p):
		return object{{"Service", p}}, nil
	}
	return nil, invalidParameter("The provided principal was invalid. Please check the principal and try again.")
}

// statement writes one Allow statement in AWS's member order and checks that
// it is a valid resource policy statement.
func statement(sid string, principal any, action, resource string, cond object) (json.RawMessage, error) {
	st := object{{"Sid", sid}, {"Effect", "Allow"}, {"Principal", principal}, {"Action", action}, {"Resource", resource}}
	if len(cond) > 0 {
		st = append(st, member{"Condition", cond})
	}
	b, err := encodeJSON(st)
	if err != nil {
		return nil, err
	}
	if _, err := policy.Parse(policyDocument([]json.RawMessage{b}), policy.Resource); err != nil {
		if ae, ok := awserr.As(err); ok {
			return nil, invalidParameter("The provided policy statement is invalid: %s", ae.Message)
		}
		return nil, err
	}
	return b, nil
}

// addStatement appends st (whose Sid is sid) to stmts. Returns
// ResourceConflictException if sid is in use and
// PolicyLengthExceededException if the policy grows too large.
func addStatement(stmts []json.RawMessage, sid string, st json.RawMessage) ([]json.RawMessage, error) {
	for _, x := range stmts {
		if statementSid(x) == sid {
			return nil, conflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", sid)
		}
	}
	out := append(stmts[:len(stmts):len(stmts)], st)
	if n := len(policyDocument(out)); n > maxPolicyBytes {
		return nil, awserr.New(CodePolicyLengthExceeded, 400, "The final policy size (%d) is bigger than the limit (%d).", n, maxPolicyBytes)
	}
	return out, nil
}

// removeStatement returns stmts without the statement sid, or
// ResourceNotFoundException if there is none.
func removeStatement(stmts []json.RawMessage, sid string) ([]json.RawMessage, error) {
	for i, x := range stmts {
		if statementSid(x) == sid {
			return append(stmts[:i:i], stmts[i+1:]...), nil
		}
	}
	return nil, notFound("Statement %s is not found in resource policy.", sid)
}

func statementSid(st json.RawMessage) string {
	var v struct{ Sid string }
	json.Unmarshal(st, &v)
	return v.Sid
}

// policyDocument assembles the document AWS returns around stmts.
func policyDocument(stmts []json.RawMessage) string {
	var b strings.Builder
	b.WriteString(`{"Version":"2012-10-17","Id":"default","Statement":[`)
	for i, st := range stmts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(st)
	}
	b.WriteString(`]}`)
	return b.String()
}

func decodeStatements(raw string) ([]json.RawMessage, error) {
	var stmts []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &stmts); err != nil {
		return nil, fmt.Errorf("decode policy statements: %w", err)
	}
	return stmts, nil
}

func noPolicy() error { return notFound("No policy is associated with the given resource.") }

func stalePolicyRevision(getter string) error {
	return awserr.New(CodePreconditionFailed, 412,
		"The Revision Id provided does not match the latest Revision Id. Call the %s API to retrieve the latest Revision Id", getter)
}

// object is a JSON object whose members keep their order, as AWS writes
// policy statements.
type object []member

type member struct {
	key   string
	value any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := encodeJSON(m.key)
		if err != nil {
			return nil, err
		}
		v, err := encodeJSON(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// encodeJSON is json.Marshal without escaping <, > and &, as AWS writes
// policies.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
