package jobs

import "testing"

// Names PostgreSQL's text cannot hold (a NUL, bytes that are not UTF-8) go
// through the item columns unchanged; other names are stored as they are.
func TestNamesRoundTripThroughTheColumn(t *testing.T) {
	for _, name := range []string{"", "web-01", "nul\x00byte", "bad\xffutf8", quotedMark + "starts like a quoted one", "bell\x07"} {
		col := toColumn(name)
		if got := fromColumn(col); got != name {
			t.Errorf("fromColumn(toColumn(%q)) = %q", name, got)
		}
	}
	if got := toColumn("web-01"); got != "web-01" {
		t.Errorf("toColumn(web-01) = %q, want it unchanged", got)
	}
	if got := toColumn("nul\x00byte"); got == "nul\x00byte" {
		t.Error("toColumn kept the NUL")
	}
}
