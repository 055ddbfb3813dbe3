package handlers

import (
	"fmt"
	"net/netip"
	"strconv"

	"keybind/internal/sshkey"
)

// validKeyPairName applies ECS's key pair name rules (the same check the
// import and create forms make).
func validKeyPairName(name string) bool { return sshkey.ValidName(name) == nil }

// pageParam reads a 1-based page number; anything else is page 1.
func pageParam(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

// parseIP accepts one IPv4 address.
func parseIP(s string) (string, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return "", fmt.Errorf("not an IPv4 address: %q", s)
	}
	return a.String(), nil
}
