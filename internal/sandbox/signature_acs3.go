package sandbox

import "net/http"

func (s *Sandbox) verifyACS3(r *http.Request, body []byte, p params) *apiError {
	return newError(http.StatusBadRequest, "IncompleteSignature", "ACS3 is not supported yet.")
}
