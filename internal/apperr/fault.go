package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"keybind/internal/fault"
)

// words are the plain-language messages of the domain's error codes, for
// the edge to show when a handler has nothing more specific to say.
var words = map[string]string{
	"job_not_found":          "The job was not found.",
	"job_item_not_found":     "The instance in this job was not found.",
	"idempotency_key_in_use": "This form was already submitted by someone else. Reload the page and review again.",
	"nothing_to_do":          "None of the chosen instances can be changed that way now.",
	"bad_job_request":        "The request is not valid for this job.",
	"empty_job":              "A job needs at least one instance.",
	"nothing_included":       "None of these instances can be changed: every one is left out.",
	"job_cancelled":          "This job was cancelled: it sends nothing more.",
	"job_finished":           "This job has nothing left to do.",
	"job_not_paused":         "This job is not paused.",
	"job_already_paused":     "This job is paused already.",
	"jobs_overlap":           "Some of these instances are in a job that is still running: one instance is changed by one job at a time.",
	"window_invalid":         "Enter a number of instances, or a share such as 10%.",
	"max_errors_invalid":     "Enter a number of failed restarts (0 or more), or a share such as 2%.",
	"region_id_invalid":      "Choose a region first.",
	"region_not_found":       "Region %s was not found.",
	"key_pair_name_invalid":  "Choose a key pair first.",
	"key_pair_not_found":     "Key pair %s was not found.",
	"job_in_motion":          "This job is still running. Restore the previous keys once it has finished.",
	"nothing_to_restore":     "This job changed no key, so there is nothing to restore.",
	"nothing_selected":       "No instances are selected any more. Choose instances and review again.",
	"key_search_invalid":     "A key pair name has at most 128 characters.",
	"store_unavailable":      "keybind cannot save changes right now. Try again in a moment.",
	"reason_too_long":        "Keep the reason to 200 characters.",
	"reason_invalid":         "Write the reason on one line, without control characters.",
	"job_other_account":      "This job works in cloud account %s: choose that account first.",
	"account_forbidden":      "You may not work in cloud account %s. Ask an administrator to grant it.",
	"account_not_found":      "Cloud account %s was not found.",
	"account_exists":         "A cloud account named %s exists already.",
	"account_invalid":        "Check the cloud account.",
	"account_secret_key":     "keybind has no secret key to seal AccessKey secrets with: start it with --secret-key-file or KEYBIND_SECRET_KEY.",
	"account_in_use":         "Jobs still work in cloud account %s: delete it once they have ended (or cancel them).",
	"account_builtin":        "The account default is the console's own credentials: it cannot be changed here.",
	"account_name_invalid":   "An account name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
	"access_key_invalid":     "Enter both the AccessKey ID and its secret, or a role ARN instead.",
	"role_arn_invalid":       "A role ARN looks like acs:ram::1234567890123456:role/keybind-operator.",
	"account_kind_invalid":   "Enter an AccessKey pair or a role ARN, not both.",
	"regions_invalid":        "Write region IDs separated by commas, such as cn-hangzhou, cn-shanghai.",
	"grant_subject_invalid":  "Grant a user name, or an SSO group as group:NAME.",

	// Rules an input field breaks (fault.Error.Fields).
	"filter_too_long":     "A user or action filter has at most 64 characters.",
	"instance_id_invalid": "An instance ID is i- followed by lowercase letters and digits.",
	"date_invalid":        "Use a date such as 2026-11-26.",
	"name_too_long":       "A name filter has at most 128 characters.",
	"ip_invalid":          "Enter one IPv4 address, such as 10.0.0.5.",
	"status_unknown":      "Choose a status from the list.",
	"tag_invalid":         "Write a tag as key=value (or just key).",
	"audit_filter":        "Check the filter.",
	"instance_filter":     "Check the filter.",
}

// Words is the plain-language message of a domain error's code, or a
// generic one.
func Words(err error) string {
	var k fault.Kinded
	if errors.As(err, &k) {
		if msg := words[k.FaultCode()]; msg != "" && !strings.Contains(msg, "%s") {
			return msg
		}
	}
	return "This is not valid."
}

// FieldWords words the fields of a domain input error (fault.Error.Fields),
// or returns nil.
func FieldWords(err error) map[string]string {
	var f *fault.Error
	if !errors.As(err, &f) || len(f.Fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(f.Fields))
	for field, code := range f.Fields {
		out[field] = or(words[code], "This is not valid.")
	}
	return out
}

// FromFault maps a domain error (package fault) to what the user is shown:
// the status follows its kind, the message its code. ok is false for an
// error that is not a domain error.
func FromFault(err error) (e *Error, ok bool) {
	var k fault.Kinded
	if !errors.As(err, &k) {
		return nil, false
	}
	var f fault.Error
	if fe, ok := k.(*fault.Error); ok {
		f = *fe
	}
	msg := words[k.FaultCode()]
	if strings.Contains(msg, "%s") {
		if f.Subject == "" {
			msg = ""
		} else {
			msg = fmt.Sprintf(msg, f.Subject)
		}
	}
	switch k.FaultKind() {
	case fault.KindNotFound:
		e = New(http.StatusNotFound, "not_found", or(msg, "That was not found."))
	case fault.KindConflict:
		e = Conflict(or(msg, "That cannot be done now."))
	case fault.KindForbidden:
		e = Forbidden(or(msg, "Your role does not allow this. Ask an administrator if you need it."))
	case fault.KindUnavailable:
		e = Unavailable(or(msg, "A service keybind needs is not answering. Try again in a moment."))
	default:
		e = BadRequest(or(msg, "The request could not be understood."))
		if fields := FieldWords(err); fields != nil {
			e = Invalid(e.Message, fields)
		} else if f.Field != "" {
			e = Invalid(e.Message, map[string]string{f.Field: e.Message})
		}
	}
	return e.Wrap(err), true
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
