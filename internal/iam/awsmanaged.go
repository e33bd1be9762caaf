package iam

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/store"
)

// awsAccount is the account field of AWS managed policy ARNs.
const awsAccount = "aws"

// ARNs of the AWS managed policies Stratus provides.
const (
	AdministratorAccessARN = "arn:aws:iam::aws:policy/AdministratorAccess"
	ReadOnlyAccessARN      = "arn:aws:iam::aws:policy/ReadOnlyAccess"
)

// awsManagedPolicy is an AWS managed policy as Stratus seeds it.
type awsManagedPolicy struct {
	name, id, description string
	created               time.Time
	document              string
}

// awsManagedPolicies returns the AWS managed policies. Ids and creation dates are
// AWS's own, so scripts comparing them see familiar values.
func awsManagedPolicies() []awsManagedPolicy {
	return []awsManagedPolicy{
		{
			name: "AdministratorAccess", id: "ANPAIWMBCKSKIEE64ZLYK",
			description: "Provides full access to AWS services and resources.",
			created:     time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC),
			document: `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*"
        }
    ]
}`,
		},
		{
			name: "ReadOnlyAccess", id: "ANPAILL3HVNFSB6DCOWYQ",
			description: "Provides read-only access to AWS services and resources.",
			created:     time.Date(2015, 2, 6, 18, 39, 48, 0, time.UTC),
			document:    readOnlyAccessDocument,
		},
	}
}

// readOnlyAccessDocument is AWS's ReadOnlyAccess cut down to the services Stratus
// serves: the read actions AWS's own policy grants for them. Like AWS's, it
// leaves out reads of secret material (secretsmanager:GetSecretValue,
// sqs:ReceiveMessage).
const readOnlyAccessDocument = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadOnlyActions",
            "Effect": "Allow",
            "Action": [
                "cloudtrail:Describe*",
                "cloudtrail:Get*",
                "cloudtrail:List*",
                "cloudtrail:LookupEvents",
                "cloudwatch:Describe*",
                "cloudwatch:Get*",
                "cloudwatch:List*",
                "ec2:Describe*",
                "ec2:Get*",
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:Describe*",
                "ecr:Get*",
                "ecr:List*",
                "ecs:Describe*",
                "ecs:List*",
                "events:Describe*",
                "events:List*",
                "events:TestEventPattern",
                "iam:Generate*",
                "iam:Get*",
                "iam:List*",
                "iam:Simulate*",
                "kms:Describe*",
                "kms:Get*",
                "kms:List*",
                "lambda:Get*",
                "lambda:List*",
                "logs:Describe*",
                "logs:FilterLogEvents",
                "logs:Get*",
                "logs:List*",
                "logs:StartQuery",
                "logs:StopQuery",
                "logs:TestMetricFilter",
                "organizations:Describe*",
                "organizations:List*",
                "rds:Describe*",
                "rds:List*",
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:List*",
                "signer:Describe*",
                "signer:Get*",
                "signer:List*",
                "sns:Get*",
                "sns:List*",
                "sqs:Get*",
                "sqs:List*",
                "ssm:Describe*",
                "ssm:Get*",
                "ssm:List*",
                "sts:GetCallerIdentity"
            ],
            "Resource": "*"
        }
    ]
}`

// seedManagedPolicies makes the AWS managed policies exist with their current
// documents (version v1, replaced in place when Stratus ships a new text).
func (s *Service) seedManagedPolicies(ctx context.Context) error {
	for _, p := range awsManagedPolicies() {
		if err := checkDocument(p.document, policy.Identity); err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx *store.Tx) error {
		for _, p := range awsManagedPolicies() {
			policyARN := "arn:aws:iam::aws:policy/" + p.name
			var doc string
			err := tx.QueryRow(ctx, `SELECT document FROM iam_policy_versions WHERE policy_arn = ? AND version = 1`, policyARN).Scan(&doc)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				created := formatTime(p.created)
				if _, err := tx.Exec(ctx, `INSERT INTO iam_policies (arn, account, name_key, name, path, id, description,
					default_version, next_version, tags, created_at, updated_at) VALUES (?, ?, ?, ?, '/', ?, ?, 1, 2, '[]', ?, ?)`,
					policyARN, awsAccount, nameKey(p.name), p.name, p.id, p.description, created, created); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO iam_policy_versions (policy_arn, version, document, created_at) VALUES (?, 1, ?, ?)`,
					policyARN, p.document, created); err != nil {
					return err
				}
			case err != nil:
				return err
			case doc != p.document:
				if _, err := tx.Exec(ctx, `UPDATE iam_policy_versions SET document = ? WHERE policy_arn = ? AND version = 1`, p.document, policyARN); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
