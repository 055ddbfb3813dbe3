package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// params gives typed access to a request's merged query and form parameters.
type params url.Values

func (p params) str(name string) string { return url.Values(p).Get(name) }

func (p params) has(name string) bool {
	_, ok := p[name]
	return ok
}

func (p params) required(name string) (string, *apiError) {
	v := p.str(name)
	if v == "" {
		return "", errMissing(name)
	}
	return v, nil
}

// boolean parses "true"/"false" (any case); absent or empty gives def.
func (p params) boolean(name string, def bool) (bool, *apiError) {
	v := p.str(name)
	if v == "" {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errInvalid(name)
}

// integer parses a decimal in [lo, hi]; absent or empty gives def.
func (p params) integer(name string, def, lo, hi int) (int, *apiError) {
	v := p.str(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errInvalid(name)
	}
	return n, nil
}

// page parses PageNumber (from 1) and PageSize (1 to maxSize, default 10).
func (p params) page(maxSize int) (number, size int, aerr *apiError) {
	if number, aerr = p.integer("PageNumber", 1, 1, 1<<31-1); aerr != nil {
		return 0, 0, aerr
	}
	size, aerr = p.integer("PageSize", 10, 1, maxSize)
	return number, size, aerr
}

// pageBounds is the slice [from, to) of n items that page number holds.
func pageBounds(n, number, size int) (from, to int) {
	from = min((number-1)*size, n)
	return from, min(from+size, n)
}

// oneOf reports whether the parameter is absent or one of allowed.
func (p params) oneOf(name string, allowed ...string) bool {
	v := p.str(name)
	return v == "" || slices.Contains(allowed, v)
}

// list parses a required list parameter (see parseList); a malformed or
// empty one is answered with bad.
func (p params) list(name string, bad *apiError) ([]string, *apiError) {
	raw, aerr := p.required(name)
	if aerr != nil {
		return nil, aerr
	}
	items, ok := parseList(raw)
	if !ok || len(items) == 0 {
		return nil, bad
	}
	return items, nil
}

// repeated collects name.1 … name.N. Numbering must be contiguous from 1.
func (p params) repeated(name string, max int) ([]string, *apiError) {
	var out []string
	prefix := name + "."
	count := 0
	for k := range p {
		if strings.HasPrefix(k, prefix) {
			count++
		}
	}
	for i := 1; i <= count; i++ {
		key := prefix + strconv.Itoa(i)
		if !p.has(key) {
			return nil, errInvalid(key)
		}
		v := p.str(key)
		if v == "" {
			return nil, errInvalid(key)
		}
		out = append(out, v)
	}
	if len(out) > max {
		return nil, errInvalid(name)
	}
	return out, nil
}

// list parses a JSON-array string (["a","b"]) or a comma-separated list.
// It reports ok=false when the value is malformed.
func parseList(v string) (items []string, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	if strings.HasPrefix(v, "[") {
		if err := json.Unmarshal([]byte(v), &items); err != nil {
			return nil, false
		}
	} else {
		items = strings.Split(v, ",")
	}
	for i, s := range items {
		items[i] = strings.TrimSpace(s)
		if items[i] == "" {
			return nil, false
		}
	}
	return items, true
}

// tags parses Tag.N.Key / Tag.N.Value, N 1–20.
func (p params) tags() ([]Tag, *apiError) {
	var out []Tag
	for k := range p {
		if !strings.HasPrefix(k, "Tag.") {
			continue
		}
		rest := strings.TrimPrefix(k, "Tag.")
		num, field, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || (field != "Key" && field != "Value") {
			return nil, errInvalid(k)
		}
		if n < 1 || n > 20 {
			return nil, newError(http.StatusBadRequest, "InvalidTagCount", "The specified tags are beyond the permitted range.")
		}
	}
	for n := 1; n <= 20; n++ {
		key, value := p.str(fmt.Sprintf("Tag.%d.Key", n)), p.str(fmt.Sprintf("Tag.%d.Value", n))
		hasKey := p.has(fmt.Sprintf("Tag.%d.Key", n))
		if !hasKey && !p.has(fmt.Sprintf("Tag.%d.Value", n)) {
			continue
		}
		if key == "" {
			return nil, newError(http.StatusBadRequest, "InvalidTag.Mismatch", "The specified Tag.n.Key and Tag.n.Value are not match.")
		}
		out = append(out, Tag{Key: key, Value: value})
	}
	return out, nil
}

// hasTags reports whether have contains every wanted tag (an empty wanted value matches any value).
func hasTags(have, want []Tag) bool {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h Tag) bool { return h.Key == w.Key && (w.Value == "" || h.Value == w.Value) }) {
			return false
		}
	}
	return true
}
