package cloud

import "strings"

// UserMessage turns a cloud or gateway error code into a plain sentence; fallback is used for unknown codes.
func UserMessage(code, fallback string) string {
	if code == "" || code == "200" {
		return ""
	}
	if m, ok := codeMessage[code]; ok {
		return m
	}
	for _, p := range prefixMessage {
		if strings.HasPrefix(code, p.prefix) {
			return p.msg
		}
	}
	if fallback != "" {
		return fallback
	}
	return kindMessage[classify(code, 0)]
}

var codeMessage = map[string]string{
	"ServiceUnavailable":                    "Alibaba Cloud ECS is temporarily unavailable. Please try again shortly.",
	"InternalError":                         "Alibaba Cloud ECS ran into an internal error. Please try again.",
	"UnknownError":                          "Alibaba Cloud ECS ran into an internal error. Please try again.",
	"DependencyViolation.WindowsInstance":   "Windows instances cannot use SSH key pairs.",
	"DependencyViolation.IoOptimize":        "This instance is not I/O optimized, so it cannot use SSH key pairs.",
	"InvalidKeyPairName.NotFound":           "The key pair does not exist in this region.",
	"InvalidKeyPairName.Malformed":          "The key pair name is not valid: use 2 to 128 letters, digits, ':', '_' or '-', starting with a letter.",
	"InvalidKeyPairNames.ValueNotSupported": "One or more key pair names are not valid.",
	"InvalidInstanceId.NotFound":            "The instance does not exist in this region.",
	"InvalidInstanceIds.ValueNotSupported":  "One or more instance IDs are not valid.",
	"InvalidInstanceId.MalFormed":           "The instance ID is not valid.",
	"InstanceKeyPairLimitExceeded":          "Too many instances or key pairs in one request.",
	"IncorrectInstanceStatus":               "The instance is not in a state that allows this operation.",
	"InstanceLockedForSecurity":             "The instance is locked for security reasons.",
	"InstanceExpiredOrInArrears":            "The instance has expired or the account is in arrears.",
	"InstanceExpired":                       "The instance has expired.",
	"InsufficientBalance":                   "The account balance is insufficient.",
	"InstanceNotReady":                      "The instance is not ready yet. Please try again shortly.",
	"DiskError":                             "A disk of the instance is in a state that does not allow this operation.",
	"OperationDenied.NoStock":               "Alibaba Cloud has no capacity to start this instance in its zone right now.",
	"QuotaExceed.KeyPair":                   "The region already has the maximum number of key pairs (500).",
	"KeyPair.AlreadyExist":                  "A key pair with this name already exists in this region.",
	"InvalidPublicKeyBody.Malformed":        "The public key is not in a supported format.",
	"MissingParameter":                      "A required parameter was missing from the request.",
	"InvalidParameter":                      "A parameter of the request was not valid.",
	"InvalidRegionId.NotFound":              "The region does not exist.",
	"InvalidStatus.NotFound":                "The instance status filter is not valid.",
	"SignatureDoesNotMatch":                 "The access key secret is wrong: the request signature did not match.",
	"IncompleteSignature":                   "The request signature was incomplete; check the access key configuration.",
	"InvalidAccessKeyId.NotFound":           "The access key ID is not recognised.",
	"InvalidAccessKeyId.Inactive":           "The access key is disabled.",
	"Forbidden.AccessKeyDisabled":           "The access key is disabled.",
	"Forbidden.RAM":                         "The cloud account is not allowed to perform this operation (RAM policy).",
	"Unauthorized.EmptyRegion":              "The cloud account has no access to any region.",
	"SignatureNonceUsed":                    "The request was rejected as a replay. Please try again.",
	"IllegalTimestamp":                      "The request time was rejected; check the server clock.",
	"OperationConflict":                     "Another operation on this resource is in progress. Please try again.",
	"DryRunOperation":                       "The request would succeed (dry run).",
	"DRYRUN.SUCCESS":                        "The request would succeed (dry run).",
	CodeTimeout:                             "Alibaba Cloud did not answer in time. Please try again.",
	CodeConnectionFailed:                    "Could not connect to Alibaba Cloud. Check the network and the endpoint setting.",
	CodeNetwork:                             "The connection to Alibaba Cloud broke. Please try again.",
	CodeInvalidResponse:                     "Alibaba Cloud returned a response that could not be read.",
	CodeMissingCredentials:                  "No Alibaba Cloud credentials are configured.",
	CodeResultMissing:                       "Alibaba Cloud did not report a result for this instance; check its state before retrying.",
	CodeCanceled:                            "The operation was cancelled before this instance was processed.",
}

var prefixMessage = []struct{ prefix, msg string }{
	{"Throttling", "Alibaba Cloud is limiting the request rate. Please try again in a moment."},
	{"Forbidden", "The cloud account is not allowed to perform this operation."},
	{"Unauthorized", "The cloud account is not allowed to perform this operation."},
	{"QuotaExceed", "A cloud quota has been reached."},
	{"InvalidAccessKeyId", "The access key ID is not recognised."},
	{"InvalidSecurityToken", "The security token is not valid or has expired."},
}

var kindMessage = map[ErrorKind]string{
	KindUnknown:     "The cloud request failed.",
	KindThrottled:   "Alibaba Cloud is limiting the request rate. Please try again in a moment.",
	KindUnavailable: "Alibaba Cloud ECS is temporarily unavailable. Please try again shortly.",
	KindInternal:    "Alibaba Cloud ECS ran into an internal error. Please try again.",
	KindTransport:   "The connection to Alibaba Cloud failed. Please try again.",
	KindNotFound:    "The resource was not found in this region.",
	KindInvalid:     "The request was not valid.",
	KindForbidden:   "The cloud account is not allowed to perform this operation.",
	KindAuth:        "The cloud credentials were rejected.",
	KindConflict:    "The resource is in a conflicting state. Please try again.",
}

// retryableCode reports whether a per-instance result code is worth retrying.
func retryableCode(code string) bool {
	return classify(code, 0).retryable()
}
