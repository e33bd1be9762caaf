package iamapi

import (
	"net/url"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/iam"
)

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// optString is nil for "".
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// page turns Marker and MaxItems into an iam.Page.
func page(marker *string, maxItems *int64) iam.Page {
	p := iam.Page{Marker: str(marker)}
	if maxItems != nil {
		p.MaxItems = int(*maxItems)
	}
	return p
}

// truncation returns IsTruncated and Marker for a list response.
func truncation(next string) (*bool, *string) {
	return ptr(next != ""), optString(next)
}

// encodeDocument URL-encodes a policy document as IAM does in responses
// (percent-encoding with spaces as %20, which botocore decodes).
func encodeDocument(doc string) *string {
	return ptr(strings.ReplaceAll(url.QueryEscape(doc), "+", "%20"))
}

func tagsIn(tags []iamshapes.Tag) []iam.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]iam.Tag, len(tags))
	for i, t := range tags {
		out[i] = iam.Tag{Key: str(t.Key), Value: str(t.Value)}
	}
	return out
}

func tagsOut(tags []iam.Tag) []iamshapes.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]iamshapes.Tag, len(tags))
	for i, t := range tags {
		out[i] = iamshapes.Tag{Key: ptr(t.Key), Value: ptr(t.Value)}
	}
	return out
}

func boundaryOut(policyARN string) *iamshapes.AttachedPermissionsBoundary {
	if policyARN == "" {
		return nil
	}
	return &iamshapes.AttachedPermissionsBoundary{
		PermissionsBoundaryType: ptr(iamshapes.PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy),
		PermissionsBoundaryArn:  ptr(policyARN),
	}
}

func userOut(u *iam.User) iamshapes.User {
	return iamshapes.User{
		Path: ptr(u.Path), UserName: ptr(u.Name), UserId: ptr(u.ID), Arn: ptr(u.ARN),
		CreateDate: ptr(u.Created), PermissionsBoundary: boundaryOut(u.PermissionsBoundary), Tags: tagsOut(u.Tags),
	}
}

func groupOut(g *iam.Group) iamshapes.Group {
	return iamshapes.Group{Path: ptr(g.Path), GroupName: ptr(g.Name), GroupId: ptr(g.ID), Arn: ptr(g.ARN), CreateDate: ptr(g.Created)}
}

// roleOut converts a role; lists leave out Tags and RoleLastUsed as IAM does.
func roleOut(r *iam.Role, full bool) iamshapes.Role {
	out := iamshapes.Role{
		Path: ptr(r.Path), RoleName: ptr(r.Name), RoleId: ptr(r.ID), Arn: ptr(r.ARN), CreateDate: ptr(r.Created),
		AssumeRolePolicyDocument: encodeDocument(r.TrustPolicy), Description: optString(r.Description),
		MaxSessionDuration: ptr(r.MaxSessionDuration), PermissionsBoundary: boundaryOut(r.PermissionsBoundary),
	}
	if full {
		out.Tags = tagsOut(r.Tags)
		out.RoleLastUsed = &iamshapes.RoleLastUsed{LastUsedDate: optTime(r.LastUsed), Region: optString(r.LastUsedRegion)}
	}
	return out
}

func policyOut(p *iam.ManagedPolicy) iamshapes.Policy {
	return iamshapes.Policy{
		PolicyName: ptr(p.Name), PolicyId: ptr(p.ID), Arn: ptr(p.ARN), Path: ptr(p.Path),
		DefaultVersionId: ptr(p.DefaultVersionID), AttachmentCount: ptr(p.AttachmentCount),
		PermissionsBoundaryUsageCount: ptr(int64(0)), IsAttachable: ptr(true), Description: optString(p.Description),
		CreateDate: ptr(p.Created), UpdateDate: ptr(p.Updated), Tags: tagsOut(p.Tags),
	}
}

// versionOut converts a policy version; withDoc includes the document.
func versionOut(v *iam.PolicyVersion, withDoc bool) *iamshapes.PolicyVersion {
	out := &iamshapes.PolicyVersion{VersionId: ptr(v.VersionID), IsDefaultVersion: ptr(v.IsDefault), CreateDate: ptr(v.Created)}
	if withDoc {
		out.Document = encodeDocument(v.Document)
	}
	return out
}
