package sandbox

import (
	"encoding/json"
	"fmt"
	"net/url"
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
			return nil, newError(400, "InvalidTagCount", "The specified tags are beyond the permitted range.")
		}
	}
	for n := 1; n <= 20; n++ {
		key, value := p.str(fmt.Sprintf("Tag.%d.Key", n)), p.str(fmt.Sprintf("Tag.%d.Value", n))
		hasKey := p.has(fmt.Sprintf("Tag.%d.Key", n))
		if !hasKey && !p.has(fmt.Sprintf("Tag.%d.Value", n)) {
			continue
		}
		if key == "" {
			return nil, newError(400, "InvalidTag.Mismatch", "The specified Tag.n.Key and Tag.n.Value are not match.")
		}
		out = append(out, Tag{Key: key, Value: value})
	}
	return out, nil
}
