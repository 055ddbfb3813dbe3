package text

import (
	"bytes"
	"testing"
)

func TestVisible(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text, ünïcödé, 长, emoji 🙂", "plain text, ünïcödé, 长, emoji 🙂"},
		{"tab\tnewline\ncarriage\r", "tab\tnewline\ncarriage\r"},
		{"nul\u0000byte\u0007bell\u001b[31mred", `nul\u0000byte\u0007bell\u001b[31mred`},
		{"del\u007f", `del\u007f`},
		{"c1 \u0085 csi \u009b end", `c1 \u0085 csi \u009b end`},
		{"\u00a0 and \u00ff stay", "\u00a0 and \u00ff stay"},
		{"bad \x9b byte \xff", `bad \x9b byte \xff`},
		{`a literal \u001b stays`, `a literal \u001b stays`},
		{"\x1f\x01", `\u001f\u0001`},
	}
	for _, tt := range tests {
		if got := Visible(tt.in); got != tt.want {
			t.Errorf("Visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := VisibleBytes([]byte(tt.in)); string(got) != tt.want {
			t.Errorf("VisibleBytes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVisibleLeavesNoControlCharacter(t *testing.T) {
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	for r := rune(0x80); r < 0xa0; r++ {
		all = append(all, string(r)...)
	}
	out := VisibleBytes(all)
	for i, c := range out {
		if isControlByte(c) {
			t.Fatalf("byte %d of the output is the control %#x", i, c)
		}
	}
	if i := firstControl(out); i >= 0 {
		t.Fatalf("the output still has a control character at %d: %q", i, out[i:])
	}
}

func TestVisibleBytesDoesNotCopyCleanInput(t *testing.T) {
	in := []byte("<p>nothing to change</p>")
	if out := VisibleBytes(in); &out[0] != &in[0] || !bytes.Equal(out, in) {
		t.Error("VisibleBytes copied input that needed no change")
	}
}
