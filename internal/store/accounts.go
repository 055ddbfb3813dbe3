package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CloudAccountRow is a row of cloud_accounts. SealedSecret is the AccessKey
// secret sealed by internal/accounts; the store never sees it in clear.
type CloudAccountRow struct {
	ID             int64
	Name           string
	Kind           string // "accesskey" or "role"
	AccessKeyID    string
	SealedSecret   string
	RoleARN        string
	ExternalID     string
	DefaultRegions string // comma-separated
	CreatedBy      string
	CreatedAt      time.Time
}

const cloudAccountColumns = `id, name, kind, access_key_id, sealed_secret, role_arn, external_id, default_regions, created_by, created_at`

func scanCloudAccount(sc Scanner) (CloudAccountRow, error) {
	var (
		a  CloudAccountRow
		at int64
	)
	err := sc.Scan(&a.ID, &a.Name, &a.Kind, &a.AccessKeyID, &a.SealedSecret, &a.RoleARN, &a.ExternalID, &a.DefaultRegions, &a.CreatedBy, &at)
	a.CreatedAt = fromMicros(at)
	return a, err
}

// CreateCloudAccount inserts a (its ID is ignored) and returns the new ID;
// ErrConflict if the name is taken.
func (q *Queries) CreateCloudAccount(ctx context.Context, a CloudAccountRow) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx, `INSERT INTO cloud_accounts (name, kind, access_key_id, sealed_secret, role_arn,
		external_id, default_regions, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.Name, a.Kind, a.AccessKeyID, a.SealedSecret, a.RoleARN, a.ExternalID, a.DefaultRegions, a.CreatedBy, micros(a.CreatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("store: create cloud account %q: %w", a.Name, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("store: create cloud account: %w", err)
	}
	return id, nil
}

// CloudAccounts lists every stored cloud account by name.
func (q *Queries) CloudAccounts(ctx context.Context) ([]CloudAccountRow, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+cloudAccountColumns+` FROM cloud_accounts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: cloud accounts: %w", err)
	}
	defer rows.Close()
	var out []CloudAccountRow
	for rows.Next() {
		a, err := scanCloudAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("store: cloud accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CloudAccount reads one account by name; ErrNotFound if there is none.
func (q *Queries) CloudAccount(ctx context.Context, name string) (CloudAccountRow, error) {
	a, err := scanCloudAccount(q.db.QueryRowContext(ctx, `SELECT `+cloudAccountColumns+` FROM cloud_accounts WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("store: cloud account %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("store: cloud account %q: %w", name, err)
	}
	return a, nil
}

// DeleteCloudAccount deletes an account and its grants; ErrNotFound if there is none.
func (q *Queries) DeleteCloudAccount(ctx context.Context, name string) error {
	res, err := q.db.ExecContext(ctx, `DELETE FROM account_grants WHERE account = $1`, name)
	if err == nil {
		res, err = q.db.ExecContext(ctx, `DELETE FROM cloud_accounts WHERE name = $1`, name)
	}
	if err != nil {
		return fmt.Errorf("store: delete cloud account %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: delete cloud account %q: %w", name, ErrNotFound)
	}
	return nil
}

// UnfinishedJobsIn counts the jobs in the account the engine still has work for.
func (q *Queries) UnfinishedJobsIn(ctx context.Context, account string) (int, error) {
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE account = $1 AND finished_at = 0`, account).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unfinished jobs in %q: %w", account, err)
	}
	return n, nil
}

// AccountGrant is one row of account_grants: a subject ("user:<name>",
// "group:<SSO group>" or "*", everyone) may work in an account.
type AccountGrant struct {
	Account, Subject, CreatedBy string
	CreatedAt                   time.Time
}

// AddAccountGrant grants subject the account; granting twice is no error.
func (q *Queries) AddAccountGrant(ctx context.Context, g AccountGrant) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO account_grants (account, subject, created_by, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (account, subject) DO NOTHING`, g.Account, g.Subject, g.CreatedBy, micros(g.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: add account grant: %w", err)
	}
	return nil
}

// RemoveAccountGrant takes a grant back; no error if there was none.
func (q *Queries) RemoveAccountGrant(ctx context.Context, account, subject string) error {
	_, err := q.db.ExecContext(ctx, `DELETE FROM account_grants WHERE account = $1 AND subject = $2`, account, subject)
	if err != nil {
		return fmt.Errorf("store: remove account grant: %w", err)
	}
	return nil
}

// AccountGrants lists every grant, by account then subject.
func (q *Queries) AccountGrants(ctx context.Context) ([]AccountGrant, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT account, subject, created_by, created_at FROM account_grants ORDER BY account, subject`)
	if err != nil {
		return nil, fmt.Errorf("store: account grants: %w", err)
	}
	defer rows.Close()
	var out []AccountGrant
	for rows.Next() {
		var (
			g  AccountGrant
			at int64
		)
		if err := rows.Scan(&g.Account, &g.Subject, &g.CreatedBy, &at); err != nil {
			return nil, fmt.Errorf("store: account grants: %w", err)
		}
		g.CreatedAt = fromMicros(at)
		out = append(out, g)
	}
	return out, rows.Err()
}

// maxSSOGroups bounds the groups remembered per user.
const maxSSOGroups = 500

// GrantedAccounts lists the accounts granted to a user: to everyone, to the
// user by name, or to one of the SSO groups of their last sign-in.
func (q *Queries) GrantedAccounts(ctx context.Context, userID int64, username string) ([]string, error) {
	out, err := Strings(ctx, q.db, `SELECT DISTINCT account FROM account_grants
		WHERE subject = '*' OR subject = $2
		   OR subject IN (SELECT 'group:' || grp FROM user_sso_groups WHERE user_id = $1)
		ORDER BY account`, userID, "user:"+username)
	if err != nil {
		return nil, fmt.Errorf("store: granted accounts: %w", err)
	}
	return out, nil
}

// SetUserSSOGroups replaces the SSO groups remembered for a user.
func (q *Queries) SetUserSSOGroups(ctx context.Context, userID int64, groups []string) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM user_sso_groups WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("store: set sso groups: %w", err)
	}
	for i, g := range groups {
		if i >= maxSSOGroups || len(g) > 256 {
			break
		}
		if _, err := q.db.ExecContext(ctx, `INSERT INTO user_sso_groups (user_id, grp) VALUES ($1, $2) ON CONFLICT DO NOTHING`, userID, g); err != nil {
			return fmt.Errorf("store: set sso groups: %w", err)
		}
	}
	return nil
}

// UserSSOGroups lists the SSO groups remembered for a user.
func (q *Queries) UserSSOGroups(ctx context.Context, userID int64) ([]string, error) {
	out, err := Strings(ctx, q.db, `SELECT grp FROM user_sso_groups WHERE user_id = $1 ORDER BY grp`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: sso groups: %w", err)
	}
	return out, nil
}
