package sandbox

import "net/http"

func (s *Sandbox) serveControl(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
