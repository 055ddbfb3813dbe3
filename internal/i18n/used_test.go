package i18n_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"keybind/internal/i18n"
)

// usedID finds the message IDs the code names literally: T(ctx, "id" and
// request.T(c, "id" (IDs built at run time are covered by the page walkers
// and TestDomainStatesHaveWords).
var usedID = regexp.MustCompile(`\bT\((?:ctx|c|ec), "([a-z0-9_]+\.[A-Za-z0-9_.-]+)"\s*[,)]`)

// Every message the code names literally is in the catalogue.
func TestEveryUsedMessageExists(t *testing.T) {
	root := filepath.Join("..", "..")
	found := 0
	for _, dir := range []string{"views", "handlers", "web"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			source := strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ")
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_templ.go") || !source {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range usedID.FindAllStringSubmatch(string(b), -1) {
				found++
				if !i18n.Has(m[1]) {
					t.Errorf("%s uses %s, which is not in the catalogue", path, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if found < 300 {
		t.Errorf("found %d uses of messages, want the console's hundreds", found)
	}
}
