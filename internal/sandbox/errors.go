package sandbox

import (
	"fmt"
	"net/http"
)

// apiError is an error response of the ECS or STS API. The package-level
// ones are shared: never change them.
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

// errAPINotFound is what today's API gateway answers for an unknown action or path.
var errAPINotFound = newError(http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")

var errInternal = newError(http.StatusInternalServerError, "InternalError", "The request processing has failed due to some unknown error, exception or failure.")

// errorBody is the JSON every error response carries.
type errorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}
