package lambda

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Resolved is what one invoke of a function name and qualifier runs.
type Resolved struct {
	// Version is the concrete version chosen. It is shared with other invokes:
	// read it, never change it.
	Version *Version
	// Alias is the alias the qualifier named, or "".
	Alias string
}

// cached is one resolution of (account, name, qualifier): the alias's primary
// version and, for a weighted alias, its additional version and weight.
type cached struct {
	gen     uint64
	alias   string
	primary *Version
	extra   *Version
	weight  float64
	// unreserved is set for the entries UnreservedConcurrency caches.
	unreserved int64
	// eventConfig is set for the entries EventConfigFor caches.
	eventConfig *EventInvokeConfig
}

// maxCached bounds the invoke cache; it is emptied when full.
const maxCached = 4096

// ResolveForInvoke returns the concrete version an invoke of nameOrARN with
// qualifier runs: $LATEST by default, a published version, or an alias's
// version — for a weighted alias, its additional version with the alias's
// weight, chosen at random per call. The version carries the code and layer
// digests, the decrypted environment and the reserved concurrency. Returns
// ResourceNotFoundException as GetFunctionConfiguration does.
//
// Resolutions are cached until the next write to the service, so that warm
// invokes do not read the store.
func (s *Service) ResolveForInvoke(ctx context.Context, account, nameOrARN, qualifier string) (Resolved, error) {
	key := account + "\x00" + nameOrARN + "\x00" + qualifier
	gen := s.gen.Load()
	s.cacheMu.Lock()
	c, ok := s.cache[key]
	s.cacheMu.Unlock()
	if !ok || c.gen != gen || c.envFailed() {
		var err error
		if c, err = s.resolve(ctx, account, nameOrARN, qualifier); err != nil {
			return Resolved{}, err
		}
		c.gen = gen
		s.remember(key, c)
	}
	v := c.primary
	if c.extra != nil && rand.Float64() < c.weight {
		v = c.extra
	}
	if err := s.checkEnvKey(ctx, v); err != nil {
		return Resolved{}, err
	}
	return Resolved{Version: v, Alias: c.alias}, nil
}

// envFailed reports whether a version of c could not decrypt its environment
// when c was cached: the key may be usable again, so c is resolved afresh.
func (c cached) envFailed() bool {
	return (c.primary != nil && c.primary.EnvError != nil) || (c.extra != nil && c.extra.EnvError != nil)
}

func (s *Service) remember(key string, c cached) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.cache == nil || len(s.cache) >= maxCached {
		s.cache = map[string]cached{}
	}
	s.cache[key] = c
}

func (s *Service) resolve(ctx context.Context, account, nameOrARN, qualifier string) (cached, error) {
	ref, err := s.resolveRef(account, nameOrARN, qualifier)
	if err != nil {
		return cached{}, err
	}
	var c cached
	err = s.st.View(ctx, func(tx *store.Tx) error {
		num, alias, err := s.resolveQualifier(ctx, tx, ref)
		if err != nil {
			return err
		}
		reserved, err := s.reserved(ctx, tx, account, ref.Name)
		if err != nil {
			return err
		}
		load := func(num int64) (*Version, error) {
			v, err := s.getVersion(ctx, tx, account, ref.Name, num)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, s.refNotFound(ref)
			}
			if err != nil {
				return nil, fmt.Errorf("version %d of %s: %w", num, ref.Name, err)
			}
			v.ReservedConcurrency = reserved
			return v, nil
		}
		if c.primary, err = load(num); err != nil {
			return err
		}
		if alias == nil {
			return nil
		}
		c.alias = alias.Name
		for extra, w := range alias.Weights {
			n, err := strconv.ParseInt(extra, 10, 64)
			if err != nil {
				return fmt.Errorf("alias %s weight for %q: %w", alias.Name, extra, err)
			}
			if c.extra, err = load(n); err != nil {
				return err
			}
			c.weight = w
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	for _, v := range []*Version{c.primary, c.extra} {
		if v != nil {
			if err := s.openEnv(ctx, v); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

// UnreservedConcurrency returns how many concurrent executions the account's
// functions without reserved concurrency share: the account limit minus every
// reservation. Cached like ResolveForInvoke.
func (s *Service) UnreservedConcurrency(ctx context.Context, account string) (int64, error) {
	key := account + "\x00unreserved"
	gen := s.gen.Load()
	s.cacheMu.Lock()
	c, ok := s.cache[key]
	s.cacheMu.Unlock()
	if ok && c.gen == gen {
		return c.unreserved, nil
	}
	var reserved int64
	err := s.st.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COALESCE(SUM(reserved), 0) FROM lambda_functions WHERE account = ?`, account).Scan(&reserved)
	})
	if err != nil {
		return 0, fmt.Errorf("unreserved concurrency: %w", err)
	}
	s.remember(key, cached{gen: gen, unreserved: s.limit - reserved})
	return s.limit - reserved, nil
}

// ExtractCode extracts a code or layer blob into dir (empty, existing), with
// the checks of ExtractZip.
func (s *Service) ExtractCode(ctx context.Context, digest blob.Digest, dir string) error {
	data, err := s.blobs.ReadAll(digest)
	if err != nil {
		return fmt.Errorf("extract code: %w", err)
	}
	return ExtractZip(ctx, data, dir)
}
