package handlers

import "strconv"

// pageParam reads a 1-based page number; anything else is page 1.
func pageParam(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}
