package handlers

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// keyPairNamePattern is ECS's rule: 2–128 characters, starting with a
// letter; letters, digits, ':', '_' and '-'.
var keyPairNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9:_-]{1,127}$`)

// validKeyPairName applies ECS's key pair name rules.
func validKeyPairName(name string) bool {
	lower := strings.ToLower(name)
	return keyPairNamePattern.MatchString(name) && !strings.HasPrefix(lower, "http:") && !strings.HasPrefix(lower, "https:")
}

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
