package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// RoleInfo is a configured role and its ARN.
type RoleInfo struct {
	Role
	ARN string `json:"arn"`
}

// Roles lists the configured roles in the order of Options.Roles.
func (s *Sandbox) Roles() []RoleInfo {
	out := make([]RoleInfo, 0, len(s.opts.Roles))
	for _, r := range s.opts.Roles {
		out = append(out, RoleInfo{Role: r, ARN: roleARN(accountUID(r.Account), r.Name)})
	}
	return out
}

const (
	defaultSessionDuration = time.Hour
	minSessionDuration     = 15 * time.Minute
	maxSessionDuration     = 12 * time.Hour
	maxPolicyLength        = 2048
)

var (
	roleSessionName = regexp.MustCompile(`^[\w.@-]{2,64}$`)
	roleARNPattern  = regexp.MustCompile(`^acs:ram::\d+:role/[^/]+$`)
)

type assumeRoleResponse struct {
	RequestID       string `json:"RequestId"`
	AssumedRoleUser struct {
		Arn           string `json:"Arn"`
		AssumedRoleID string `json:"AssumedRoleId"`
	} `json:"AssumedRoleUser"`
	Credentials struct {
		AccessKeyID     string `json:"AccessKeyId"`
		AccessKeySecret string `json:"AccessKeySecret"`
		SecurityToken   string `json:"SecurityToken"`
		Expiration      string `json:"Expiration"`
	} `json:"Credentials"`
}

// stsActions are the STS actions, served on the same listener as ECS: a
// request whose Version is 2015-04-01 is an STS request.
var stsActions = map[string]action{
	"AssumeRole": {run: (*Sandbox).assumeRole},
}

// assumeRole hands out temporary credentials for a role the signer's
// account is trusted by. They act in the role's account until they expire
// in simulation time.
func (s *Sandbox) assumeRole(c *call) (any, *apiError) {
	arn, aerr := c.p.required("RoleArn")
	if aerr != nil {
		return nil, aerr
	}
	name, aerr := c.p.required("RoleSessionName")
	if aerr != nil {
		return nil, aerr
	}
	seconds, aerr := c.p.integer("DurationSeconds", int(defaultSessionDuration/time.Second), int(minSessionDuration/time.Second), int(maxSessionDuration/time.Second))
	if aerr != nil {
		return nil, newError(http.StatusBadRequest, "InvalidParameter.DurationSeconds", "The Min/Max value of DurationSeconds is 15min/12hr.")
	}
	ext := c.p.str("ExternalId")
	switch {
	case !roleARNPattern.MatchString(arn):
		return nil, newError(http.StatusBadRequest, "InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed.")
	case !roleSessionName.MatchString(name):
		return nil, newError(http.StatusBadRequest, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.")
	case ext != "" && !validExternalID(ext):
		return nil, newError(http.StatusBadRequest, "InvalidParameter.ExternalId", "The parameter ExternalId is wrongly formed.")
	case c.p.has("Policy") && !validPolicy(c.p.str("Policy")):
		return nil, newError(http.StatusBadRequest, "InvalidParameter.PolicyGrammar", "The parameter Policy has not passed grammar check.")
	}
	ro := s.roles[strings.ToLower(arn)]
	switch {
	case ro == nil:
		return nil, newError(http.StatusNotFound, "EntityNotExist.Role", "The specified Role not exists.")
	case ro.trusted != nil && !ro.trusted[c.who.acct.Name], ro.ExternalID != "" && ro.ExternalID != ext:
		return nil, newError(http.StatusForbidden, "NoPermission", "You are not authorized to do this action. You should be authorized by RAM.")
	}
	se := &session{keyID: stsKeyPrefix + randomString(28), secret: randomString(44), token: "CAIS" + randomString(380),
		role: ro, name: name, expires: c.now.Add(time.Duration(seconds) * time.Second).Truncate(time.Second)}
	s.sessions.add(se, c.now)
	resp := assumeRoleResponse{RequestID: c.requestID}
	resp.AssumedRoleUser.Arn = ro.arn + "/" + name
	resp.AssumedRoleUser.AssumedRoleID = ro.id + ":" + name
	resp.Credentials.AccessKeyID, resp.Credentials.AccessKeySecret = se.keyID, se.secret
	resp.Credentials.SecurityToken = se.token
	resp.Credentials.Expiration = se.expires.UTC().Format(time.RFC3339)
	return resp, nil
}

// validPolicy accepts what RAM's grammar check would at least: 1 to 2048
// characters of JSON with a Version and one or more statements.
func validPolicy(doc string) bool {
	var p struct {
		Version   string            `json:"Version"`
		Statement []json.RawMessage `json:"Statement"`
	}
	return len(doc) >= 1 && len(doc) <= maxPolicyLength && json.Unmarshal([]byte(doc), &p) == nil && p.Version != "" && len(p.Statement) > 0
}

// randomString is n characters of URL-safe base64 from crypto/rand.
func randomString(n int) string {
	b := make([]byte, (n*3+3)/4)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
