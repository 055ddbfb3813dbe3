package sandbox

import (
	"crypto/hmac"
	"net/http"
	"strings"
	"time"
)

// stsKeyPrefix starts every temporary AccessKey ID, as on Alibaba Cloud.
const stsKeyPrefix = "STS."

// sessionRetention is how long, in simulation time, temporary credentials
// are remembered after they expire, so that they are refused as expired
// rather than unknown.
const sessionRetention = 24 * time.Hour

// session is one set of temporary credentials AssumeRole handed out.
type session struct {
	keyID, secret, token string
	role                 *role
	name                 string    // RoleSessionName
	expires              time.Time // simulation time
}

// sessions are the temporary credentials handed out; guarded by Sandbox.mu.
type sessions struct {
	byKey   map[string]*session
	byToken map[string]*session
}

func newSessions() sessions {
	return sessions{byKey: map[string]*session{}, byToken: map[string]*session{}}
}

// add remembers se and forgets sessions expired long before now.
func (ss sessions) add(se *session, now time.Time) {
	for k, old := range ss.byKey {
		if now.Sub(old.expires) > sessionRetention {
			delete(ss.byKey, k)
			delete(ss.byToken, old.token)
		}
	}
	ss.byKey[se.keyID], ss.byToken[se.token] = se, se
}

// principal is who signed a request: an account's own key, or temporary
// credentials acting in their role's account.
type principal struct {
	acct    *account
	secret  string
	session *session // nil for a long-term key
}

var errTokenMismatch = newError(http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey.")

// principalFor finds the signer behind an AccessKey ID.
func (s *Sandbox) principalFor(keyID string) (principal, *apiError) {
	if a := s.byKey[keyID]; a != nil {
		return principal{acct: a, secret: a.AccessKeySecret}, nil
	}
	if strings.HasPrefix(keyID, stsKeyPrefix) {
		s.mu.Lock()
		se := s.sessions.byKey[keyID]
		s.mu.Unlock()
		if se != nil {
			return principal{acct: se.role.acct, secret: se.secret, session: se}, nil
		}
	}
	return principal{}, newError(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
}

// accept finishes the checks both signature schemes share once the string
// to sign is known: the signature, the security token, the nonce.
func (s *Sandbox) accept(p principal, sig, want, stringToSign, token, nonce string) *apiError {
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return errSignatureMismatch(stringToSign)
	}
	if aerr := s.checkToken(p, token); aerr != nil {
		return aerr
	}
	if !s.nonces.use(nonce, s.opts.WallClock()) {
		return newError(http.StatusBadRequest, "SignatureNonceUsed", "The request signature nonce has been used.")
	}
	return nil
}

// checkToken refuses a SecurityToken that does not belong to the key, and
// temporary credentials past their expiry in simulation time.
func (s *Sandbox) checkToken(p principal, token string) *apiError {
	switch {
	case p.session == nil && token == "":
		return nil
	case p.session == nil:
		return errTokenMismatch // a long-term key takes no token
	case token == "":
		return newError(http.StatusBadRequest, "MissingSecurityToken", "SecurityToken is mandatory for this action.")
	case token != p.session.token:
		s.mu.Lock()
		other := s.sessions.byToken[token]
		s.mu.Unlock()
		if other == nil {
			return newError(http.StatusBadRequest, "InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed.")
		}
		return errTokenMismatch
	case !s.Now().Before(p.session.expires):
		return newError(http.StatusForbidden, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")
	}
	return nil
}
