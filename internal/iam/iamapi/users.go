package iamapi

import (
	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/iam"
)

func (a *api) createUserResources(c *awsproto.Call, in *iamshapes.CreateUserRequest) ([]string, error) {
	return []string{arn.IAM(account(c), "user", str(in.Path), str(in.UserName))}, nil
}

// createUserConditions adds iam:PermissionsBoundary when a boundary is set.
func createUserConditions(c *awsproto.Call, in *iamshapes.CreateUserRequest) (map[string][]string, error) {
	return boundaryCondition(in.PermissionsBoundary), nil
}

func boundaryCondition(b *string) map[string][]string {
	if str(b) == "" {
		return nil
	}
	return map[string][]string{"iam:PermissionsBoundary": {*b}}
}

func (a *api) createUser(c *awsproto.Call, in *iamshapes.CreateUserRequest) (*iamshapes.CreateUserResponse, error) {
	u, err := a.svc.CreateUser(c.Context, account(c), iam.CreateUserInput{
		Name: str(in.UserName), Path: str(in.Path), PermissionsBoundary: str(in.PermissionsBoundary), Tags: tagsIn(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	out := userOut(u)
	return &iamshapes.CreateUserResponse{User: &out}, nil
}

func (a *api) getUserResources(c *awsproto.Call, in *iamshapes.GetUserRequest) ([]string, error) {
	n, err := userOrSelf(c, in.UserName)
	if err != nil {
		return nil, err
	}
	return a.entityARN(c, iam.KindUser, n)
}

func (a *api) getUser(c *awsproto.Call, in *iamshapes.GetUserRequest) (*iamshapes.GetUserResponse, error) {
	n, err := userOrSelf(c, in.UserName)
	if err != nil {
		return nil, err
	}
	u, err := a.svc.GetUser(c.Context, account(c), n)
	if err != nil {
		return nil, err
	}
	out := userOut(u)
	return &iamshapes.GetUserResponse{User: &out}, nil
}

func (a *api) listUsers(c *awsproto.Call, in *iamshapes.ListUsersRequest) (*iamshapes.ListUsersResponse, error) {
	users, next, err := a.svc.ListUsers(c.Context, account(c), str(in.PathPrefix), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &iamshapes.ListUsersResponse{Users: make([]iamshapes.User, len(users))}
	for i := range users {
		out.Users[i] = userOut(&users[i])
		out.Users[i].Tags = nil // IAM lists users without tags
	}
	out.IsTruncated, out.Marker = truncation(next)
	return out, nil
}

// updateUserResources authorizes on the user and, when renaming, on the new
// name too, as IAM does.
func (a *api) updateUserResources(c *awsproto.Call, in *iamshapes.UpdateUserRequest) ([]string, error) {
	rs, err := a.entityARN(c, iam.KindUser, str(in.UserName))
	if err != nil {
		return nil, err
	}
	if n := str(in.NewUserName); n != "" || str(in.NewPath) != "" {
		path := str(in.NewPath)
		if path == "" {
			cur, _ := arn.Parse(rs[0])
			_, path, _, _ = arn.IAMResource(cur.Resource)
		}
		if n == "" {
			n = str(in.UserName)
		}
		if target := arn.IAM(account(c), "user", path, n); target != rs[0] {
			rs = append(rs, target)
		}
	}
	return rs, nil
}

func (a *api) updateUser(c *awsproto.Call, in *iamshapes.UpdateUserRequest) (*none, error) {
	return nil, a.svc.UpdateUser(c.Context, account(c), str(in.UserName), str(in.NewUserName), str(in.NewPath))
}

func (a *api) deleteUser(c *awsproto.Call, in *iamshapes.DeleteUserRequest) (*none, error) {
	return nil, a.svc.DeleteUser(c.Context, account(c), str(in.UserName))
}

func (a *api) createAccessKey(c *awsproto.Call, in *iamshapes.CreateAccessKeyRequest) (*iamshapes.CreateAccessKeyResponse, error) {
	n, err := userOrSelf(c, in.UserName)
	if err != nil {
		return nil, err
	}
	k, err := a.svc.CreateAccessKey(c.Context, account(c), n)
	if err != nil {
		return nil, err
	}
	return &iamshapes.CreateAccessKeyResponse{AccessKey: &iamshapes.AccessKey{
		UserName: ptr(k.UserName), AccessKeyId: ptr(k.ID), Status: ptr(k.Status),
		SecretAccessKey: ptr(k.Secret), CreateDate: ptr(k.Created),
	}}, nil
}

func (a *api) listAccessKeys(c *awsproto.Call, in *iamshapes.ListAccessKeysRequest) (*iamshapes.ListAccessKeysResponse, error) {
	n, err := userOrSelf(c, in.UserName)
	if err != nil {
		return nil, err
	}
	keys, next, err := a.svc.ListAccessKeys(c.Context, account(c), n, page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &iamshapes.ListAccessKeysResponse{AccessKeyMetadata: make([]iamshapes.AccessKeyMetadata, len(keys))}
	for i, k := range keys {
		out.AccessKeyMetadata[i] = iamshapes.AccessKeyMetadata{
			UserName: ptr(k.UserName), AccessKeyId: ptr(k.ID), Status: ptr(k.Status), CreateDate: ptr(k.Created),
		}
	}
	out.IsTruncated, out.Marker = truncation(next)
	return out, nil
}

func (a *api) updateAccessKey(c *awsproto.Call, in *iamshapes.UpdateAccessKeyRequest) (*none, error) {
	n, err := userOrSelf(c, in.UserName)
	if err != nil {
		return nil, err
	}
	return nil, a.svc.UpdateAccessKey(c.Context, account(c), n, str(in.AccessKeyId), str(in.Status))
}

func (a *api) deleteAccessKey(c *awsproto.Call, in *iamshapes.DeleteAccessKeyRequest) (*none, error) {
	n, err := userOrSelf(c, in.UserName)
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteAccessKey(c.Context, account(c), n, str(in.AccessKeyId))
}
