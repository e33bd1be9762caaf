package lambda

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stratus-cloud/stratus/internal/store"
)

// More states and reasons, as AWS spells them.
const (
	StatePending          = "Pending"
	StateFailed           = "Failed"
	reasonCreating        = "The function is being created."
	reasonCodeCreating    = "Creating"
	reasonCodeInternal    = "InternalError"
	stateConflictTemplate = "The operation cannot be performed at this time. The function is currently in the following state: %s"
)

// Preparer makes a function version ready to run: the data plane extracts its
// code and layers. It is called once per created function, outside any
// transaction.
type Preparer func(ctx context.Context, v *Version) error

// StartPreparing makes functions move through the states AWS documents: from
// now on CreateFunction commits a function in State Pending, prepare runs for
// it in the background, and the function becomes Active (or Failed, if prepare
// fails). Functions a previous run left Pending are prepared now. Without
// StartPreparing (no data plane on this host) functions are Active at once.
// Close stops the preparations in flight.
func (s *Service) StartPreparing(ctx context.Context, prepare Preparer) error {
	s.prepMu.Lock()
	s.prepare = prepare
	s.prepCtx, s.prepCancel = context.WithCancel(context.Background())
	s.prepMu.Unlock()
	var pending [][2]string
	err := s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT account, name, config FROM lambda_versions WHERE version_num = 0`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var account, name, cfg string
			if err := rows.Scan(&account, &name, &cfg); err != nil {
				return err
			}
			var st struct{ State string }
			if err := json.Unmarshal([]byte(cfg), &st); err != nil {
				return fmt.Errorf("decode version config: %w", err)
			}
			if st.State == StatePending {
				pending = append(pending, [2]string{account, name})
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("resume pending functions: %w", err)
	}
	for _, p := range pending {
		s.launchPrepare(p[0], p[1])
	}
	return nil
}

// Close stops background preparations and waits for them. Functions whose
// preparation was interrupted stay Pending until the next StartPreparing.
func (s *Service) Close() {
	s.prepMu.Lock()
	cancel := s.prepCancel
	s.prepare = nil
	s.prepMu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.prepWG.Wait()
}

// preparing reports whether created functions start Pending.
func (s *Service) preparing() bool {
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	return s.prepare != nil
}

// launchPrepare prepares a Pending function in a goroutine owned by s.
func (s *Service) launchPrepare(account, name string) {
	s.prepMu.Lock()
	defer s.prepMu.Unlock()
	if s.prepare == nil {
		return
	}
	prepare, ctx := s.prepare, s.prepCtx
	s.prepWG.Add(1)
	go func() {
		defer s.prepWG.Done()
		s.finishPrepare(ctx, account, name, prepare)
	}()
}

// finishPrepare runs prepare on a Pending function's $LATEST and moves every
// Pending version of it to Active, or to Failed with the reason.
func (s *Service) finishPrepare(ctx context.Context, account, name string, prepare Preparer) {
	var v *Version
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		v, err = s.getVersion(ctx, tx, account, name, 0)
		return err
	})
	if err != nil || v.State != StatePending {
		return // deleted meanwhile, or already done
	}
	perr := prepare(ctx, v)
	if ctx.Err() != nil {
		return // shutting down: stays Pending, resumed at the next start
	}
	_ = s.update(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT version_num FROM lambda_versions WHERE account = ? AND name = ?`, account, name)
		if err != nil {
			return err
		}
		var nums []int64
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			nums = append(nums, n)
		}
		rows.Close()
		for _, n := range nums {
			v, err := s.getVersion(ctx, tx, account, name, n)
			if err != nil {
				return err
			}
			if v.State != StatePending {
				continue
			}
			v.State, v.StateReason, v.StateReasonCode, v.LastUpdateStatus = StateActive, "", "", LastUpdateSuccessful
			if perr != nil {
				v.State, v.StateReasonCode = StateFailed, reasonCodeInternal
				v.StateReason = "Stratus could not prepare the function's code: " + perr.Error()
			}
			if err := s.putVersion(ctx, tx, v, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// notActive is the conflict AWS answers for operations on a function that is
// not Active.
func notActive(state string) error {
	return conflict(stateConflictTemplate, state)
}
