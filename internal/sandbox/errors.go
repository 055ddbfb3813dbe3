package sandbox

import (
	"fmt"
	"net/http"
)

// apiError is an ECS error response.
type apiError struct {
	Status  int
	Code    string
	Message string
	header  http.Header // extra response headers, e.g. x-acs-retry-after
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

func errMissing(name string) *apiError {
	return newError(http.StatusBadRequest, "MissingParameter",
		fmt.Sprintf("The input parameter %q that is mandatory for processing this request is not supplied.", name))
}

func errInvalid(name string) *apiError {
	return newError(http.StatusBadRequest, "InvalidParameter",
		fmt.Sprintf("The specified parameter %q is not valid.", name))
}

// errAPINotFound is what today's API gateway answers for an unknown action
// or path.
func errAPINotFound() *apiError {
	return newError(http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
}

func errRegionNotFound() *apiError {
	return newError(http.StatusNotFound, "InvalidRegionId.NotFound", "The specified RegionId does not exist.")
}

func errInstanceNotFound() *apiError {
	return newError(http.StatusNotFound, "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.")
}

func errIncorrectStatus() *apiError {
	return newError(http.StatusForbidden, "IncorrectInstanceStatus", "The current status of the resource does not support this operation.")
}

func errLocked() *apiError {
	return newError(http.StatusForbidden, "InstanceLockedForSecurity",
		"The specified operation is denied as your instance is locked for security reasons.")
}

func errDryRun() *apiError {
	return newError(http.StatusBadRequest, "DryRunOperation", "Request validation has been passed with DryRun flag set.")
}

func errKeyPairNotFound() *apiError {
	return newError(http.StatusBadRequest, "InvalidKeyPairName.NotFound", "The specified KeyPairName does not exist in our records.")
}

func errInternal() *apiError {
	return newError(http.StatusInternalServerError, "InternalError",
		"The request processing has failed due to some unknown error, exception or failure.")
}

func errUnavailable() *apiError {
	return newError(http.StatusServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
}

func errThrottled() *apiError {
	return newError(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
}

// Per-instance failure codes used in AttachKeyPair/DetachKeyPair results.
var (
	failWindows = &apiError{Status: http.StatusForbidden, Code: "DependencyViolation.WindowsInstance",
		Message: "The instance creating is windows, cannot use ssh key pair to login"}
	failIoOptimize = &apiError{Status: http.StatusBadRequest, Code: "DependencyViolation.IoOptimize",
		Message: "The specified parameter InstanceIds is not valid."}
)

// errorBody is the JSON every error response carries.
type errorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

func recommendURL(code, requestID string) string {
	return "https://api.aliyun.com/troubleshoot?q=" + code + "&product=Ecs&requestId=" + requestID
}
