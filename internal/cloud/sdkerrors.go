package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
)

// credentialError marks a failure to resolve credentials.
type credentialError struct{ err error }

func (e *credentialError) Error() string { return "resolve credentials: " + e.err.Error() }
func (e *credentialError) Unwrap() error { return e.err }

// responsePanic records a panic inside the SDK while decoding a response (e.g. a numeric Code).
type responsePanic struct{ v any }

func (p *responsePanic) Error() string {
	return fmt.Sprintf("SDK panicked decoding the response: %v", p.v)
}

// toError maps any error from one SDK call to *Error; ctx errors pass through unchanged.
func toError(action, region string, err error) *Error {
	e := &Error{Action: action, Region: region}
	var se *sdkerrors.ServerError
	var ce *sdkerrors.ClientError
	var cred *credentialError
	var rp *responsePanic
	var re *roleError
	switch {
	case errors.As(err, &re):
		*e = *re.e
		e.Action, e.Region = action, region
		if !e.Retryable() {
			e.Kind = KindAuth
		}
	case errors.As(err, &se):
		e.HTTPStatus = se.HttpStatus()
		e.Code = se.ErrorCode()
		e.RequestID = se.RequestId()
		e.HostID = se.HostId()
		e.RetryAfter = retryAfter(se.RespHeaders)
		if e.Code != "" {
			e.Message = sanitize(se.Message())
			e.Err = errors.New(e.Code + ": " + e.Message)
		} else {
			e.Code = CodeHTTPError
			e.Err = fmt.Errorf("HTTP %d with a body that is not a cloud error (%d bytes)", e.HTTPStatus, len(se.Message()))
		}
		e.Kind = classify(e.Code, e.HTTPStatus)
	case errors.As(err, &cred):
		e.Code, e.Kind, e.Err = CodeMissingCredentials, KindAuth, cred.err
	case errors.As(err, &rp):
		e.Code, e.Kind, e.Err = CodeInvalidResponse, KindUnknown, errors.New(rp.Error())
	case errors.As(err, &ce):
		switch {
		case ce.ErrorCode() == sdkerrors.JsonUnmarshalErrorCode:
			e.Code, e.Kind = CodeInvalidResponse, KindUnknown
			e.Err = errors.New("the response could not be decoded")
			if ce.OriginError() != nil {
				e.Err = fmt.Errorf("the response could not be decoded: %w", ce.OriginError())
			}
		case ce.OriginError() != nil && isTransport(ce.OriginError()):
			return transportError(e, ce.OriginError())
		case ce.ErrorCode() == sdkerrors.TimeoutErrorCode:
			e.Code, e.Kind, e.Err = CodeTimeout, KindTransport, errors.New("the call timed out")
		default:
			e.Code = ce.ErrorCode()
			e.Kind = classify(e.Code, 0)
			e.Err = errors.New(ce.ErrorCode() + ": " + firstLine(ce.Message()))
		}
	case isTransport(err):
		return transportError(e, err)
	default:
		e.Code, e.Kind, e.Err = CodeInvalidArgument, KindInvalid, err
	}
	return e
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// isTransport reports whether err came from the network rather than from the cloud.
func isTransport(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func transportError(e *Error, err error) *Error {
	e.Kind, e.Err = KindTransport, err
	var oe *net.OpError
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		e.Code = CodeTimeout
	case errors.As(err, &oe) && oe.Op == "dial":
		e.Code = CodeConnectionFailed
	default:
		e.Code = CodeNetwork
	}
	return e
}

// connectFailed reports whether the request never reached the server, so any call may be repeated.
func (e *Error) connectFailed() bool { return e.Code == CodeConnectionFailed }

// retryAfter reads the server's hint: x-acs-retry-after (ms) or TimeLeft:<ms> in x-ratelimit-user(-api).
func retryAfter(h map[string][]string) time.Duration {
	var best time.Duration
	for k, vs := range h {
		for _, v := range vs {
			var d time.Duration
			switch strings.ToLower(k) {
			case "x-acs-retry-after":
				d = parseMillis(strings.TrimSpace(v))
			case "x-ratelimit-user-api", "x-ratelimit-user":
				d = timeLeft(v)
			}
			best = max(best, d)
		}
	}
	return best
}

func timeLeft(v string) time.Duration {
	for pair := range strings.SplitSeq(v, ",") {
		k, val, ok := strings.Cut(pair, ":")
		if ok && strings.TrimSpace(k) == "TimeLeft" {
			return parseMillis(strings.TrimSpace(val))
		}
	}
	return 0
}

func parseMillis(s string) time.Duration {
	var n int64
	if s == "" || len(s) > 12 {
		return 0
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return time.Duration(n) * time.Millisecond
}
