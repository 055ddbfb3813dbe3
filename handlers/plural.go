package handlers

import "fmt"

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
