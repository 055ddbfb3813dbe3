package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Issue #11: text from the cloud or from people (an instance name, a URL
// path) reaches the log with its control characters made visible, in both
// formats, so printing the log cannot drive a terminal.
func TestLogsMakeControlCharactersVisible(t *testing.T) {
	const hostile = "nul\u0000byte\u0007bell\u001b[31mred\u007fdel\u009bcsi"
	const visible = `nul\u0000byte\u0007bell\u001b[31mred\u007fdel\u009bcsi`
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := newLogger(format, "debug", &buf)
			if err != nil {
				t.Fatal(err)
			}
			log.Info("instance "+hostile, "name", hostile, "err", errors.New("cloud said "+hostile), "n", 3)
			out := buf.Bytes()
			for i, c := range bytes.TrimSuffix(out, []byte("\n")) {
				if c < 0x20 || c == 0x7f {
					t.Fatalf("byte %d of the line is the control %#x: %q", i, c, out)
				}
			}
			if bytes.Contains(out, []byte("\u009b")) {
				t.Errorf("the line holds the C1 control U+009B: %q", out)
			}
			if format == "text" {
				// Unquoted, or inside quotes with each backslash doubled.
				n := strings.Count(buf.String(), visible) + strings.Count(buf.String(), strings.ReplaceAll(visible, `\`, `\\`))
				if n != 3 {
					t.Errorf("the visible form appears %d times, want 3 (msg, name, err): %s", n, out)
				}
				return
			}
			var line map[string]any
			if err := json.Unmarshal(out, &line); err != nil {
				t.Fatalf("not JSON: %v: %s", err, out)
			}
			if line["msg"] != "instance "+visible || line["name"] != visible || line["err"] != "cloud said "+visible || line["n"] != 3.0 {
				t.Errorf("line = %v, want the values with their control characters made visible", line)
			}
		})
	}
}
