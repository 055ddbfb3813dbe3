package sso

import "keybind/internal/fault"

// Why a single sign-on failed. Each carries its cause for the log and the
// audit trail; the edge words them.
var (
	// ErrUnavailable: the provider's discovery document or token endpoint
	// could not be reached.
	ErrUnavailable = fault.New(fault.KindUnavailable, "sso_unavailable")
	// ErrState: the callback does not belong to a sign-in this browser
	// started (no flow cookie, an old one, a state that does not match, or
	// the same callback a second time).
	ErrState = fault.New(fault.KindInvalid, "sso_state")
	// ErrRefused: the provider sent an error instead of a code (Subject is
	// its error code, such as access_denied).
	ErrRefused = fault.New(fault.KindInvalid, "sso_refused")
	// ErrExchange: the provider refused the code (used already, expired, or
	// the PKCE verifier does not match).
	ErrExchange = fault.New(fault.KindInvalid, "sso_exchange")
	// ErrToken: the ID token did not verify (signature, issuer, audience,
	// nonce).
	ErrToken = fault.New(fault.KindInvalid, "sso_token")
	// ErrTokenExpired: the ID token had expired.
	ErrTokenExpired = fault.New(fault.KindInvalid, "sso_token_expired")
	// ErrClaims: the ID token lacks the username claim.
	ErrClaims = fault.New(fault.KindInvalid, "sso_claims")
)
