package handlers

import (
	"errors"

	"keybind/internal/cloud"
)

// asCloud finds a gateway error in err's chain.
func asCloud(err error, target **cloud.Error) bool { return errors.As(err, target) }
