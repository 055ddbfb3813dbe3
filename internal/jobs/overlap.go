package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"keybind/internal/fault"
	"keybind/internal/store"
)

// Overlap is an active job that already works on some of the instances asked for.
type Overlap struct {
	JobID       int64
	Title       string
	InstanceIDs []string
	// What the title is made of, for a title in another language.
	Kind     Kind
	KeyPair  string
	ParentID int64
}

// OverlapError refuses a job whose instances an active job still works on: one instance, one
// active job, so two jobs cannot both claim their key is in effect.
type OverlapError struct{ Overlaps []Overlap }

func (e *OverlapError) Error() string {
	ids := make([]string, len(e.Overlaps))
	for i, o := range e.Overlaps {
		ids[i] = fmt.Sprint(o.JobID)
	}
	return "jobs: instances are in active jobs " + strings.Join(ids, ", ")
}

// FaultKind implements fault.Kinded.
func (e *OverlapError) FaultKind() fault.Kind { return fault.KindConflict }

// FaultCode implements fault.Kinded.
func (e *OverlapError) FaultCode() string { return "jobs_overlap" }

// Overlaps lists the active jobs (the engine still has work for them: running, waiting for
// restarts, paused) in the region that include any of the instances, each with those instances.
func (e *Engine) Overlaps(ctx context.Context, region string, ids []string) ([]Overlap, error) {
	var out []Overlap
	err := e.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = overlaps(ctx, tx, region, ids)
		return err
	})
	return out, err
}

// overlapChunk keeps the IN lists well below the databases' limits on parameters.
const overlapChunk = 500

func overlaps(ctx context.Context, q store.DBTX, region string, ids []string) ([]Overlap, error) {
	byJob := map[int64]*Overlap{}
	var order []int64
	for part := range slices.Chunk(ids, overlapChunk) {
		args := []any{region}
		ph := make([]string, len(part))
		for i, id := range part {
			args = append(args, id)
			ph[i] = fmt.Sprintf("$%d", i+2)
		}
		rows, err := q.QueryContext(ctx, `SELECT i.job_id, i.instance_id FROM job_items i JOIN jobs j ON j.id = i.job_id
			WHERE j.finished_at = 0 AND j.region = $1 AND i.key_state NOT IN ('excluded', 'cancelled')
			AND i.instance_id IN (`+strings.Join(ph, ", ")+`) ORDER BY i.job_id, i.seq`, args...)
		if err != nil {
			return nil, fmt.Errorf("jobs: find overlapping jobs: %w", err)
		}
		for rows.Next() {
			var id int64
			var inst string
			if err := rows.Scan(&id, &inst); err != nil {
				rows.Close()
				return nil, fmt.Errorf("jobs: find overlapping jobs: %w", err)
			}
			if byJob[id] == nil {
				byJob[id] = &Overlap{JobID: id}
				order = append(order, id)
			}
			byJob[id].InstanceIDs = append(byJob[id].InstanceIDs, inst)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.Sort(order)
	out := make([]Overlap, 0, len(order))
	for _, id := range order {
		o := *byJob[id]
		j, err := loadJob(ctx, q, id)
		if err != nil {
			return nil, err
		}
		o.Title, o.Kind, o.KeyPair, o.ParentID = j.Title(), j.Kind, j.KeyPair, j.ParentID
		out = append(out, o)
	}
	return out, nil
}
