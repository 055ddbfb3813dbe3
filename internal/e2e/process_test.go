package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

// buildBinary compiles keybind once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "keybind-e2e-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "keybind")
	cmd := exec.Command("go", "build", "-o", bin, "keybind")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

// proc is a keybind process started by a test.
type proc struct {
	cmd    *exec.Cmd
	lines  chan string // stdout and stderr lines
	done   chan error
	output strings.Builder
	seen   []string // lines a waitLine read, for the next one: stdout and stderr arrive in either order
	mu     sync.Mutex
}

func start(t testing.TB, env []string, args ...string) *proc {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: exec.Command(bin, args...), lines: make(chan string, 1000), done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	stdout, _ := p.cmd.StdoutPipe()
	stderr, _ := p.cmd.StderrPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				p.mu.Lock()
				p.output.WriteString(sc.Text() + "\n")
				p.mu.Unlock()
				select {
				case p.lines <- sc.Text():
				default:
				}
			}
		}()
	}
	go func() { wg.Wait(); p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitLine returns the first submatch of the first output line matching re, among the lines
// read so far or the ones to come.
func (p *proc) waitLine(t testing.TB, re *regexp.Regexp) string {
	t.Helper()
	for _, l := range p.seen {
		if m := re.FindStringSubmatch(l); m != nil {
			return m[1]
		}
	}
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l := <-p.lines:
			p.seen = append(p.seen, l)
			if m := re.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		case err := <-p.done:
			t.Fatalf("process ended (%v) before printing %s:\n%s", err, re, p.text())
		case <-timeout:
			t.Fatalf("no line matching %s in 60 s:\n%s", re, p.text())
		}
	}
}

func (p *proc) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

// testSecretKey seals cloud account secrets for consoles that share a
// PostgreSQL database (32 bytes, base64), where a key must be given.
const testSecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

var (
	sandboxURLLine = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	consoleURLLine = regexp.MustCompile(`"msg":"keybind console listening","url":"(http://127\.0\.0\.1:\d+)"`)
)

// TestKilledConsoleResumesItsJob kills the console process (SIGKILL) while a
// 1,000-instance job is binding, starts it again on the same data directory,
// and checks the job finishes without blind repeats: every instance is bound,
// the sandbox agrees, and AttachKeyPair was not sent again for batches that
// had already gone through. It also checks that SIGTERM shuts down cleanly.
func TestKilledConsoleResumesItsJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs keybind processes")
	}
	sb := start(t, nil, "sandbox", "--addr", "127.0.0.1:0", "--instances", "1000", "--seed", "7")
	sandboxURL := sb.waitLine(t, sandboxURLLine)
	const pw = "Quartz-Meadow-Orbit-58"
	dataDir := t.TempDir()
	env := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + sandbox.DefaultAccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sandbox.DefaultAccessKeySecret,
		"KEYBIND_ADMIN_PASSWORD=" + pw}
	serve := func() (*proc, string) {
		p := start(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--ecs-endpoint", sandboxURL, "--log-format", "json")
		return p, p.waitLine(t, consoleURLLine)
	}
	console, consoleURL := serve()

	// A second console on the same data directory is refused: two job
	// engines on one database would send calls twice.
	second := start(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--ecs-endpoint", sandboxURL)
	select {
	case err := <-second.done:
		if err == nil || !strings.Contains(second.text(), "already serving") {
			t.Errorf("a second console on the same data: %v\n%s", err, second.text())
		}
	case <-time.After(20 * time.Second):
		t.Error("a second console on the same data directory kept running")
	}

	// Every AttachKeyPair takes 400 ms, so the job is mid-flight when killed.
	control(t, sandboxURL, "POST", "/_sandbox/faults", `{"action":"AttachKeyPair","kind":"latency","latency_ms":400}`)
	var ids []string
	for _, in := range controlInstances(t, sandboxURL) {
		ids = append(ids, in.InstanceID)
	}

	c := testapp.NewClient(t, consoleURL)
	c.SignIn("admin", pw)
	key := "ops-deploy"
	form := url.Values{"region": {region}, "key": {key}}
	c.Get("/bind/instances?" + form.Encode())
	form.Set("ids", strings.Join(ids, "\n"))
	if r := c.PostHTMX("/bind/selection/paste", form); r.StatusCode != http.StatusOK {
		t.Fatalf("paste = %d: %.300s", r.StatusCode, r.Body)
	}
	review := c.Get("/bind/review?" + url.Values{"region": {region}, "key": {key}}.Encode())
	bindable := count(t, review, "count-bind")
	idem, _ := review.Doc.Find(`input[name="idempotency_key"]`).Attr("value")
	r := c.PostForm("/jobs", url.Values{"region": {region}, "key": {key}, "idempotency_key": {idem}, "ack": {"yes"}, "after": {"none"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit = %d: %.300s", r.StatusCode, r.Body)
	}
	job := r.Header.Get("Location")

	// Kill it once some, not all, attach batches have gone out.
	waitFor(t, "some AttachKeyPair calls", func() bool { return calls(t, sandboxURL)["AttachKeyPair"] >= 10 })
	if err := console.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-console.done
	before := calls(t, sandboxURL)["AttachKeyPair"]
	if before >= 20 {
		t.Fatalf("all %d batches were sent before the kill; the test did not interrupt anything", before)
	}

	// Start again on the same data directory; the job resumes.
	console, consoleURL = serve()
	c = testapp.NewClient(t, consoleURL)
	c.SignIn("admin", pw)
	waitFor(t, "the job to finish", func() bool {
		g := c.Get(job + "/grid").Doc
		return g.Find(`[data-testid="grid-poll"]`).AttrOr("data-in-motion", "") == "false"
	})
	g := c.Get(job + "/grid")
	if got := count(t, g, "count-bound"); got != bindable {
		t.Errorf("bound after the restart = %d, want %d", got, bindable)
	}
	if got := count(t, g, "count-failed"); got != 0 {
		t.Errorf("failed = %d, want 0", got)
	}
	// ⌈bindable/50⌉ batches in all, plus at most the 4 in flight at the kill.
	total := calls(t, sandboxURL)["AttachKeyPair"]
	t.Logf("AttachKeyPair calls: %d before the kill, %d in all, for %d instances", before, total, bindable)
	if batches := (bindable + 49) / 50; total > batches+4 {
		t.Errorf("AttachKeyPair sent %d times for %d batches: batches were repeated blindly", total, batches)
	}
	// Every row (the grid shows a page; its export has them all): bound, or left out because it already had the key,
	// exactly where the sandbox reports the key.
	var export struct {
		Rows []struct {
			InstanceID   string `json:"instance_id"`
			Result       string `json:"result"`
			ResultDetail string `json:"result_detail"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(c.Get(job+"/export.json").Body), &export); err != nil {
		t.Fatal(err)
	}
	result := map[string]string{}
	for _, r := range export.Rows {
		result[r.InstanceID] = r.Result + " " + r.ResultDetail
	}
	for _, in := range controlInstances(t, sandboxURL) {
		row := result[in.InstanceID]
		if (strings.HasPrefix(row, "Bound") || strings.Contains(row, "Already has this key")) != (in.KeyPairName == key) {
			t.Errorf("%s: grid says %q, the sandbox reports key %q", in.InstanceID, row, in.KeyPairName)
		}
	}

	// SIGTERM: a graceful shutdown that exits 0.
	if err := console.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-console.done:
		if err != nil {
			t.Errorf("after SIGTERM the console exited with %v:\n%s", err, console.text())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the console did not stop within 20 s of SIGTERM")
	}
}

// count reads a number shown under a data-testid.
func count(t *testing.T, r *testapp.Response, testid string) int {
	t.Helper()
	s := strings.TrimSpace(r.Doc.Find(`[data-testid="` + testid + `"]`).First().Text())
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("[data-testid=%s] = %q, want a number (status %d)", testid, s, r.StatusCode)
	}
	return n
}

func control(t *testing.T, base, method, path, body string) []byte {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s = %d: %s", method, path, resp.StatusCode, b)
	}
	return b
}

func calls(t *testing.T, base string) map[string]int {
	t.Helper()
	var m map[string]int
	if err := json.Unmarshal(control(t, base, "GET", "/_sandbox/calls", ""), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func controlInstances(t *testing.T, base string) []sandbox.InstanceState {
	t.Helper()
	var state struct {
		Regions []struct {
			Instances []sandbox.InstanceState `json:"instances"`
		} `json:"regions"`
	}
	if err := json.Unmarshal(control(t, base, "GET", "/_sandbox/state?region="+region, ""), &state); err != nil {
		t.Fatal(err)
	}
	if len(state.Regions) != 1 {
		t.Fatalf("state of %s: %d regions", region, len(state.Regions))
	}
	return state.Regions[0].Instances
}

// waitFor polls cond every 100 ms for up to a minute; the processes under
// test run on real time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
