package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

func serverError(status int, body string, headers map[string][]string) error {
	se := sdkerrors.NewServerError(status, body, "").(*sdkerrors.ServerError)
	se.RespHeaders = headers
	return se
}

func TestToErrorServerError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		code       string
		kind       ErrorKind
		status     int
		requestID  string
		retryAfter time.Duration
		retryable  bool
	}{
		{
			name: "throttling with retry-after",
			err: serverError(400, `{"RequestId":"R1","HostId":"ecs.aliyuncs.com","Code":"Throttling.User","Message":"Request was denied due to user flow control."}`,
				map[string][]string{"X-Acs-Retry-After": {"1500"}}),
			code: "Throttling.User", kind: KindThrottled, status: 400, requestID: "R1", retryAfter: 1500 * time.Millisecond, retryable: true,
		},
		{
			name: "service unavailable",
			err:  serverError(503, `{"RequestId":"R2","Code":"ServiceUnavailable","Message":"The request has failed due to a temporary failure of the server."}`, nil),
			code: "ServiceUnavailable", kind: KindUnavailable, status: 503, requestID: "R2", retryable: true,
		},
		{
			name: "internal error",
			err:  serverError(500, `{"RequestId":"R3","Code":"InternalError","Message":"x"}`, nil),
			code: "InternalError", kind: KindInternal, status: 500, requestID: "R3", retryable: true,
		},
		{
			name: "key pair not found is a 4xx: not retried",
			err:  serverError(400, `{"RequestId":"R4","Code":"InvalidKeyPairName.NotFound","Message":"The specified KeyPairName does not exist in our records."}`, nil),
			code: "InvalidKeyPairName.NotFound", kind: KindNotFound, status: 400, requestID: "R4",
		},
		{
			name: "windows instance",
			err:  serverError(403, `{"RequestId":"R5","Code":"DependencyViolation.WindowsInstance","Message":"The instance creating is windows, cannot use ssh key pair to login"}`, nil),
			code: "DependencyViolation.WindowsInstance", kind: KindForbidden, status: 403, requestID: "R5",
		},
		{
			name: "signature mismatch",
			err:  serverError(400, `{"RequestId":"R6","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&secret"}`, nil),
			code: "SignatureDoesNotMatch", kind: KindAuth, status: 400, requestID: "R6",
		},
		{
			name: "access key id unknown is auth, not not-found",
			err:  serverError(404, `{"RequestId":"R7","Code":"InvalidAccessKeyId.NotFound","Message":"Specified access key is not found."}`, nil),
			code: "InvalidAccessKeyId.NotFound", kind: KindAuth, status: 404, requestID: "R7",
		},
		{
			name: "conflict",
			err:  serverError(403, `{"RequestId":"R8","Code":"IncorrectInstanceStatus","Message":"The current status of the resource does not support this operation."}`, nil),
			code: "IncorrectInstanceStatus", kind: KindConflict, status: 403, requestID: "R8",
		},
		{
			name: "non-JSON 502 from a proxy",
			err:  serverError(502, "<html><body>Bad Gateway</body></html>", nil),
			code: CodeHTTPError, kind: KindUnavailable, status: 502, retryable: true,
		},
		{
			name: "dry run",
			err:  serverError(400, `{"RequestId":"R9","Code":"DryRunOperation","Message":"Request validation has been passed with DryRun flag set."}`, nil),
			code: "DryRunOperation", kind: KindInvalid, status: 400, requestID: "R9",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := toError("AttachKeyPair", "cn-hangzhou", tt.err)
			if e.Code != tt.code || e.Kind != tt.kind || e.HTTPStatus != tt.status || e.RequestID != tt.requestID {
				t.Errorf("got code %q kind %v status %d request %q, want %q %v %d %q",
					e.Code, e.Kind, e.HTTPStatus, e.RequestID, tt.code, tt.kind, tt.status, tt.requestID)
			}
			if e.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tt.retryAfter)
			}
			if e.Retryable() != tt.retryable {
				t.Errorf("Retryable() = %v, want %v", e.Retryable(), tt.retryable)
			}
			assertNoSDKLeak(t, e)
		})
	}
}

// assertNoSDKLeak checks that nothing of the SDK's error form reaches callers.
func assertNoSDKLeak(t *testing.T, e *Error) {
	t.Helper()
	var se *sdkerrors.ServerError
	var ce *sdkerrors.ClientError
	if errors.As(e, &se) || errors.As(e, &ce) {
		t.Errorf("error chain exposes an SDK type: %#v", e.Err)
	}
	for _, s := range []string{e.Error(), e.UserMessage()} {
		for _, bad := range []string{"SDK.ServerError", "ErrorCode:", "RespHeaders", "string to sign", "<html>", "Recommend"} {
			if strings.Contains(s, bad) {
				t.Errorf("%q contains %q", s, bad)
			}
		}
	}
	if e.UserMessage() == "" {
		t.Error("UserMessage() is empty")
	}
}

func TestToErrorTransportAndClient(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	timeout := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/", Err: context.DeadlineExceeded}
	reset := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/", Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}}
	tests := []struct {
		name string
		err  error
		code string
		kind ErrorKind
	}{
		{"connection refused", dial, CodeConnectionFailed, KindTransport},
		{"timeout", timeout, CodeTimeout, KindTransport},
		{"reset", reset, CodeNetwork, KindTransport},
		{"EOF", &url.Error{Op: "Post", URL: "x", Err: fmt.Errorf("read: %w", io.EOF)}, CodeNetwork, KindTransport},
		{"SDK timeout wrapping a transport error", sdkerrors.NewClientError(sdkerrors.TimeoutErrorCode, "timed out", dial), CodeConnectionFailed, KindTransport},
		{"SDK timeout", sdkerrors.NewClientError(sdkerrors.TimeoutErrorCode, "timed out", nil), CodeTimeout, KindTransport},
		{"undecodable body", sdkerrors.NewClientError(sdkerrors.JsonUnmarshalErrorCode, sdkerrors.JsonUnmarshalErrorMessage, errors.New("bad json")), CodeInvalidResponse, KindUnknown},
		{"missing credentials", &credentialError{err: errors.New("no provider")}, CodeMissingCredentials, KindAuth},
		{"SDK panic", &responsePanic{v: "interface conversion: interface {} is float64, not string"}, CodeInvalidResponse, KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := toError("DescribeInstances", "cn-hangzhou", tt.err)
			if e.Code != tt.code || e.Kind != tt.kind {
				t.Errorf("got %q/%v, want %q/%v", e.Code, e.Kind, tt.code, tt.kind)
			}
			assertNoSDKLeak(t, e)
		})
	}
	if e := toError("X", "r", timeout); !errors.Is(e, context.DeadlineExceeded) {
		t.Error("a timeout *Error should unwrap to context.DeadlineExceeded")
	}
}

func TestRetryAfterHeaders(t *testing.T) {
	tests := []struct {
		name string
		h    map[string][]string
		want time.Duration
	}{
		{"none", nil, 0},
		{"x-acs-retry-after", map[string][]string{"X-Acs-Retry-After": {"250"}}, 250 * time.Millisecond},
		{"lowercase key", map[string][]string{"x-acs-retry-after": {"1000"}}, time.Second},
		{"user-api TimeLeft", map[string][]string{"X-Ratelimit-User-Api": {"Limit:10,Remain:0,TimeLeft:2500,Reset:1700000000"}}, 2500 * time.Millisecond},
		{"largest wins", map[string][]string{"X-Ratelimit-User": {"TimeLeft:300"}, "X-Acs-Retry-After": {"100"}}, 300 * time.Millisecond},
		{"garbage", map[string][]string{"X-Acs-Retry-After": {"soon"}, "X-Ratelimit-User": {"TimeLeft:x"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryAfter(tt.h); got != tt.want {
				t.Errorf("retryAfter = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUserMessage(t *testing.T) {
	tests := []struct{ code, fallback, want string }{
		{"DependencyViolation.WindowsInstance", "", "Windows instances cannot use SSH key pairs."},
		{"Throttling.Api", "", "Alibaba Cloud is limiting the request rate. Please try again in a moment."},
		{"200", "whatever", ""},
		{"SomethingNew", "The cloud said no.", "The cloud said no."},
		{"Forbidden.Whatever", "", "The cloud account is not allowed to perform this operation."},
		{"Something.NotFound", "", "The resource was not found in this region."},
	}
	for _, tt := range tests {
		if got := UserMessage(tt.code, tt.fallback); got != tt.want {
			t.Errorf("UserMessage(%q, %q) = %q, want %q", tt.code, tt.fallback, got, tt.want)
		}
	}
	e := toError("X", "r", serverError(400, `{"Code":"NewCode.Invalid","Message":"The widget is not valid.","RequestId":"R"}`, nil))
	if got := e.UserMessage(); got != "The widget is not valid." {
		t.Errorf("unknown code should fall back to the cloud's plain message, got %q", got)
	}
}

func TestNonJSONErrorBodyIsNotShown(t *testing.T) {
	e := toError("DescribeRegions", "cn-hangzhou", serverError(502, "<html><body>Bad Gateway</body></html>", nil))
	if got, want := e.UserMessage(), "Alibaba Cloud ECS is temporarily unavailable. Please try again shortly."; got != want {
		t.Errorf("UserMessage = %q, want %q", got, want)
	}
}

func TestErrorString(t *testing.T) {
	e := toError("AttachKeyPair", "cn-hangzhou", serverError(400,
		`{"RequestId":"REQ-1","Code":"Throttling.User","Message":"Request was denied due to user flow control."}`, nil))
	want := "cloud: AttachKeyPair in cn-hangzhou: Throttling.User (HTTP 400, RequestId REQ-1): Request was denied due to user flow control."
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestInvokeRecoversSDKPanic(t *testing.T) {
	g, err := New(Config{Endpoint: "http://127.0.0.1:1", AccessKeyID: "id", AccessKeySecret: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	var calls []CallInfo
	g.cfg.OnCall = func(ci CallInfo) { calls = append(calls, ci) }
	// The SDK panics like this when an error body carries a numeric Code.
	_, e := g.attempt(context.Background(), "cn-hangzhou", "AttachKeyPair", 1, func(*ecs.Client) (string, error) {
		panic("interface conversion: interface {} is float64, not string")
	})
	if e == nil || e.Code != CodeInvalidResponse || e.Retryable() {
		t.Fatalf("got %v, want a non-retryable %s error", e, CodeInvalidResponse)
	}
	if len(calls) != 1 || calls[0].Code != CodeInvalidResponse {
		t.Errorf("OnCall got %+v", calls)
	}
}
