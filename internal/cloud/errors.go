package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
)

// ErrorKind groups cloud error codes by what a caller can do about them.
type ErrorKind int

// Error kinds; only Throttled, Unavailable, Internal and Transport are retryable.
const (
	KindUnknown ErrorKind = iota
	KindThrottled
	KindUnavailable
	KindInternal
	KindTransport
	KindNotFound
	KindInvalid
	KindForbidden
	KindAuth
	KindConflict
)

var kindNames = [...]string{"unknown", "throttled", "unavailable", "internal", "transport", "not-found", "invalid", "forbidden", "auth", "conflict"}

// String names the kind.
func (k ErrorKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("ErrorKind(%d)", int(k))
	}
	return kindNames[k]
}

// Codes the gateway itself assigns when the cloud gave none.
const (
	CodeTimeout            = "RequestTimeout"     // the call did not complete in time
	CodeConnectionFailed   = "ConnectionFailed"   // no connection could be made
	CodeNetwork            = "NetworkError"       // the connection broke
	CodeInvalidResponse    = "InvalidResponse"    // the response could not be decoded
	CodeMissingCredentials = "MissingCredentials" // no credentials could be resolved
	CodeResultMissing      = "ResultMissing"      // the cloud returned no result for an instance
	CodeCanceled           = "Canceled"           // the operation's context was cancelled
	CodeInvalidArgument    = "InvalidArgument"    // the gateway rejected an argument before calling
	CodeHTTPError          = "HTTPError"          // a non-2xx response without a cloud error body
)

// Error is a failed cloud call, mapped from either of the SDK's error forms.
type Error struct {
	Action, Region, Code, Message, RequestID, HostID string
	HTTPStatus                                       int
	Kind                                             ErrorKind
	RetryAfter                                       time.Duration // server hint, 0 if none
	Err                                              error         // cause; never an SDK type
}

// Error describes the failure for logs: action, region, code, status, request ID and cloud message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cloud: ")
	b.WriteString(e.Action)
	if e.Region != "" {
		b.WriteString(" in ")
		b.WriteString(e.Region)
	}
	b.WriteString(": ")
	if e.Code != "" {
		b.WriteString(e.Code)
	} else {
		b.WriteString(e.Kind.String())
	}
	var meta []string
	if e.HTTPStatus != 0 {
		meta = append(meta, fmt.Sprintf("HTTP %d", e.HTTPStatus))
	}
	if e.RequestID != "" {
		meta = append(meta, "RequestId "+e.RequestID)
	}
	if len(meta) > 0 {
		b.WriteString(" (" + strings.Join(meta, ", ") + ")")
	}
	switch {
	case e.Message != "":
		b.WriteString(": " + e.Message)
	case e.Err != nil:
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether repeating the call may succeed.
func (e *Error) Retryable() bool { return e.Kind.retryable() }

// UserMessage is a plain-language sentence for the console.
func (e *Error) UserMessage() string { return UserMessage(e.Code, e.fallbackMessage()) }

func (k ErrorKind) retryable() bool {
	switch k {
	case KindThrottled, KindUnavailable, KindInternal, KindTransport:
		return true
	}
	return false
}

func (e *Error) fallbackMessage() string {
	if e.Code == CodeInvalidArgument && e.Message != "" {
		return e.Message
	}
	if m := plainMessage(e.Message); m != "" && e.HTTPStatus != 0 && e.Code != "" {
		return m
	}
	return kindMessage[e.Kind]
}

// plainMessage returns msg if it reads like a short cloud sentence, else "".
func plainMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" || len(msg) > 300 || strings.ContainsAny(msg, "\n{}<>") {
		return ""
	}
	return msg
}

// sanitize drops the signature material the cloud echoes in SignatureDoesNotMatch.
func sanitize(msg string) string {
	if i := strings.Index(msg, "server string to sign is:"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

// classify maps a cloud code and HTTP status to a kind.
func classify(code string, status int) ErrorKind {
	switch {
	case code == "":
	case strings.HasPrefix(code, "Throttling"):
		return KindThrottled
	case code == "ServiceUnavailable":
		return KindUnavailable
	case code == "InternalError" || code == "UnknownError":
		return KindInternal
	case code == CodeTimeout || code == CodeConnectionFailed || code == CodeNetwork:
		return KindTransport
	case code == CodeMissingCredentials || code == "SignatureDoesNotMatch" || code == "IncompleteSignature" ||
		code == "SignatureNonceUsed" || code == "IllegalTimestamp" || code == "Forbidden.AccessKeyDisabled" ||
		strings.HasPrefix(code, "InvalidAccessKeyId") || strings.HasPrefix(code, "InvalidSecurityToken"):
		return KindAuth
	case code == "OperationConflict" || code == "IncorrectInstanceStatus" || code == "LastTokenProcessing" ||
		strings.Contains(code, "AlreadyExist") || strings.HasPrefix(code, "IncorrectInstanceStatus"):
		return KindConflict
	case strings.HasSuffix(code, ".NotFound") || code == "InvalidInstanceId.NotFound":
		return KindNotFound
	case strings.HasPrefix(code, "Forbidden") || strings.HasPrefix(code, "Unauthorized") ||
		strings.HasPrefix(code, "QuotaExceed") || code == "InstanceLockedForSecurity" ||
		code == "InstanceExpiredOrInArrears" || code == "InstanceExpired" || code == "InsufficientBalance" ||
		strings.HasPrefix(code, "OperationDenied") || code == "DependencyViolation.WindowsInstance":
		return KindForbidden
	case strings.HasPrefix(code, "Invalid") || strings.HasPrefix(code, "Missing") ||
		strings.HasPrefix(code, "DependencyViolation") || code == "InstanceKeyPairLimitExceeded" ||
		strings.HasPrefix(code, "SDK."):
		return KindInvalid
	}
	switch {
	case status == http.StatusTooManyRequests:
		return KindThrottled
	case status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
		return KindUnavailable
	case status >= 500:
		return KindInternal
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusUnauthorized:
		return KindAuth
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusConflict:
		return KindConflict
	case status >= 400:
		return KindInvalid
	}
	return KindUnknown
}

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
	switch {
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

// invalidArg builds the error returned for an argument the gateway refuses to send.
func invalidArg(action, region, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Action: action, Region: region, Code: CodeInvalidArgument, Kind: KindInvalid, Message: msg, Err: errors.New(msg)}
}
