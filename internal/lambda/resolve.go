package lambda

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/store"
)

// ResolveForInvoke returns the concrete version an invoke of nameOrARN with
// qualifier runs: $LATEST by default, a published version, or an alias's
// version — for a weighted alias, its additional version with the alias's
// weight, chosen at random per call. The result carries the code and layer
// digests, the decrypted environment and the reserved concurrency. Returns
// ResourceNotFoundException as GetFunctionConfiguration does.
func (s *Service) ResolveForInvoke(ctx context.Context, account, nameOrARN, qualifier string) (*Version, error) {
	ref, err := s.resolveRef(account, nameOrARN, qualifier)
	if err != nil {
		return nil, err
	}
	var v *Version
	err = s.st.View(ctx, func(tx *store.Tx) error {
		num, alias, err := s.resolveQualifier(ctx, tx, ref)
		if err != nil {
			return err
		}
		if alias != nil {
			for extra, w := range alias.Weights {
				if rand.Float64() < w {
					num, _ = strconv.ParseInt(extra, 10, 64)
				}
			}
		}
		v, err = s.getVersion(ctx, tx, account, ref.Name, num)
		if err != nil {
			return fmt.Errorf("version %d of %s: %w", num, ref.Name, err)
		}
		v.ReservedConcurrency, err = s.reserved(ctx, tx, account, ref.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// ExtractCode extracts a version's code into dir (empty, existing), with the
// checks of ExtractZip. The invoke path extracts each layer into its own
// directory the same way, by LayerRef.Digest.
func (s *Service) ExtractCode(ctx context.Context, digest blob.Digest, dir string) error {
	data, err := s.blobs.ReadAll(digest)
	if err != nil {
		return fmt.Errorf("extract code: %w", err)
	}
	return ExtractZip(ctx, data, dir)
}
