package iamapi

import (
	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
)

func (a *api) createGroupResources(c *awsproto.Call, in *iamshapes.CreateGroupRequest) ([]string, error) {
	return []string{arn.IAM(account(c), "group", str(in.Path), str(in.GroupName))}, nil
}

func (a *api) createGroup(c *awsproto.Call, in *iamshapes.CreateGroupRequest) (*iamshapes.CreateGroupResponse, error) {
	g, err := a.svc.CreateGroup(c.Context, account(c), str(in.GroupName), str(in.Path))
	if err != nil {
		return nil, err
	}
	out := groupOut(g)
	return &iamshapes.CreateGroupResponse{Group: &out}, nil
}

func (a *api) getGroup(c *awsproto.Call, in *iamshapes.GetGroupRequest) (*iamshapes.GetGroupResponse, error) {
	g, users, next, err := a.svc.GetGroup(c.Context, account(c), str(in.GroupName), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	gout := groupOut(g)
	out := &iamshapes.GetGroupResponse{Group: &gout, Users: make([]iamshapes.User, len(users))}
	for i := range users {
		out.Users[i] = userOut(&users[i])
		out.Users[i].Tags = nil
	}
	out.IsTruncated, out.Marker = truncation(next)
	return out, nil
}

func (a *api) listGroups(c *awsproto.Call, in *iamshapes.ListGroupsRequest) (*iamshapes.ListGroupsResponse, error) {
	groups, next, err := a.svc.ListGroups(c.Context, account(c), str(in.PathPrefix), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &iamshapes.ListGroupsResponse{Groups: make([]iamshapes.Group, len(groups))}
	for i := range groups {
		out.Groups[i] = groupOut(&groups[i])
	}
	out.IsTruncated, out.Marker = truncation(next)
	return out, nil
}

func (a *api) deleteGroup(c *awsproto.Call, in *iamshapes.DeleteGroupRequest) (*none, error) {
	return nil, a.svc.DeleteGroup(c.Context, account(c), str(in.GroupName))
}

func (a *api) addUserToGroup(c *awsproto.Call, in *iamshapes.AddUserToGroupRequest) (*none, error) {
	return nil, a.svc.AddUserToGroup(c.Context, account(c), str(in.GroupName), str(in.UserName))
}

func (a *api) removeUserFromGroup(c *awsproto.Call, in *iamshapes.RemoveUserFromGroupRequest) (*none, error) {
	return nil, a.svc.RemoveUserFromGroup(c.Context, account(c), str(in.GroupName), str(in.UserName))
}

func (a *api) listGroupsForUser(c *awsproto.Call, in *iamshapes.ListGroupsForUserRequest) (*iamshapes.ListGroupsForUserResponse, error) {
	groups, next, err := a.svc.ListGroupsForUser(c.Context, account(c), str(in.UserName), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &iamshapes.ListGroupsForUserResponse{Groups: make([]iamshapes.Group, len(groups))}
	for i := range groups {
		out.Groups[i] = groupOut(&groups[i])
	}
	out.IsTruncated, out.Marker = truncation(next)
	return out, nil
}
