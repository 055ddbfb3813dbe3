package jobs

import "context"

// Actions are what a person may do to a running job: restart chosen items or
// a whole group, retry, decide an item, pause, resume and cancel. *Engine
// provides it; the result grid and the API call it.
type Actions interface {
	Restart(ctx context.Context, actor Actor, jobID int64, op RestartOp, instanceIDs []string, force bool) (int, error)
	RestartAll(ctx context.Context, actor Actor, jobID int64, kind RestartAllKind, force bool) (int, error)
	RetryFailed(ctx context.Context, actor Actor, jobID int64) (int, error)
	ResolveOperator(ctx context.Context, actor Actor, jobID int64, instanceID string, d Decision) error
	Pause(ctx context.Context, actor Actor, jobID int64) error
	Resume(ctx context.Context, actor Actor, jobID int64) error
	Cancel(ctx context.Context, actor Actor, jobID int64) error
}

var _ Actions = (*Engine)(nil)
