package handlers

import (
	"encoding/json"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/views"
)

const flashKey = "flash"

// addFlash queues a message for the next page this session sees.
func addFlash(c echo.Context, kind, message string) error {
	st := request.Get(c)
	if st.Session == nil {
		return nil
	}
	list := readFlashes(st)
	list = append(list, views.Flash{Kind: kind, Message: message})
	b, _ := json.Marshal(list)
	st.Session.Values[flashKey] = string(b)
	return st.Session.Save(c.Request(), c.Response())
}

func readFlashes(st *request.State) []views.Flash {
	raw, _ := st.Session.Values[flashKey].(string)
	if raw == "" {
		return nil
	}
	var list []views.Flash
	_ = json.Unmarshal([]byte(raw), &list) // a corrupt value just drops the messages
	return list
}

// takeFlashes consumes the queued messages: they are shown once.
func takeFlashes(c echo.Context) []views.Flash {
	st := request.Get(c)
	if st.Session == nil {
		return nil
	}
	list := readFlashes(st)
	if list == nil {
		return nil
	}
	delete(st.Session.Values, flashKey)
	if err := st.Session.Save(c.Request(), c.Response()); err != nil {
		st.Logger.Warn("consume flash messages", "err", err)
	}
	return list
}
