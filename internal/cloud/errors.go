package cloud

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
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

// invalidArg builds the error returned for an argument the gateway refuses to send.
func invalidArg(action, region, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Action: action, Region: region, Code: CodeInvalidArgument, Kind: KindInvalid, Message: msg, Err: errors.New(msg)}
}
