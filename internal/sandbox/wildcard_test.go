package sandbox

import "testing"

func TestMatchWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"web", "web", true},
		{"web", "web-1", false},
		{"web*", "web-1", true},
		{"web*", "api-web", false},
		{"*web", "api-web", true},
		{"*web", "web-1", false},
		{"*web*", "my-web-1", true},
		{"*", "", true},
		{"*", "anything", true},
		{"a*b*c", "a-b-c", true},
		{"a*b*c", "acb", false},
		{"ab*ba", "aba", false}, // prefix and suffix must not overlap
		{"**", "x", true},
		{"<script>*", "<script>alert(1)</script>", true},
		{"测试*", "测试服务器-杭州-01", true},
		{"Web*", "web-1", false}, // case-sensitive
	}
	for _, tt := range tests {
		if got := matchWildcard(tt.pattern, tt.s); got != tt.want {
			t.Errorf("matchWildcard(%q, %q): got %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}
