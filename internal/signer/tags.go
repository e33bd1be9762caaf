package signer

import (
	"context"

	"github.com/stratus-cloud/stratus/internal/store"
)

// taggable resolves a profile ARN of the caller's account and region to the
// current version's name. Returns BadRequestException for an ARN that is
// not a signing profile ARN and NotFoundException for a profile that does
// not exist.
func (s *Service) taggable(ctx context.Context, tx *store.Tx, account, region, arn string) (*Profile, error) {
	r, a, name, version, ok := ParseProfileARN(arn)
	if !ok || version != "" {
		return nil, badRequest("%s is not a signing profile ARN.", arn)
	}
	if r != region || a != account {
		return nil, tagNotFound(arn)
	}
	p, err := s.current(ctx, tx, account, region, name)
	if isNotFound(err) {
		return nil, tagNotFound(arn)
	}
	return p, err
}

// ListTagsForResource returns the tags of the profile arn names.
func (s *Service) ListTagsForResource(ctx context.Context, account, region, arn string) (map[string]string, error) {
	var tags map[string]string
	err := s.view(ctx, func(tx *store.Tx) error {
		p, err := s.taggable(ctx, tx, account, region, arn)
		if err != nil {
			return err
		}
		tags = p.Tags
		return nil
	})
	return tags, err
}

// TagResource adds or replaces tags on a profile. Returns
// BadRequestException for a canceled profile or too many tags.
func (s *Service) TagResource(ctx context.Context, account, region, arn string, tags map[string]string) error {
	return s.retag(ctx, account, region, arn, func(have map[string]string) {
		for k, v := range tags {
			have[k] = v
		}
	})
}

// UntagResource removes tags from a profile. Returns BadRequestException
// for a canceled profile.
func (s *Service) UntagResource(ctx context.Context, account, region, arn string, keys []string) error {
	return s.retag(ctx, account, region, arn, func(have map[string]string) {
		for _, k := range keys {
			delete(have, k)
		}
	})
}

func (s *Service) retag(ctx context.Context, account, region, arn string, change func(map[string]string)) error {
	return s.update(ctx, func(tx *store.Tx) error {
		p, err := s.taggable(ctx, tx, account, region, arn)
		if err != nil {
			return err
		}
		if p.Status == StatusCanceled {
			return badRequest("Signing profile %s is canceled.", p.Name)
		}
		if p.Tags == nil {
			p.Tags = map[string]string{}
		}
		change(p.Tags)
		if msg := tagProblem(p.Tags); msg != "" {
			return badRequest("%s", msg)
		}
		_, err = tx.Exec(ctx, `UPDATE signer_profiles SET tags = ? WHERE account = ? AND region = ? AND name = ? AND version = ?`,
			encodeTags(p.Tags), account, region, p.Name, p.Version)
		return err
	})
}
