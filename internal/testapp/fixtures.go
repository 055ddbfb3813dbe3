package testapp

import (
	"testing"

	"keybind/internal/sandbox"
)

// Region is the sandbox region the fixtures use.
const Region = "cn-hangzhou"

// ThreeInstances gives three Linux instances of Region a known start: a is
// Running with key ci-runner, b is Running with no key, c is Stopped with no
// key. nameB, when not empty, renames b (for hostile-name tests).
func (a *App) ThreeInstances(tb testing.TB, nameB string) (idA, idB, idC string) {
	tb.Helper()
	var ids []string
	for _, in := range a.Sandbox.Instances(Region) {
		if in.OSType == "linux" && in.IoOptimized && in.LockReason == "" && len(ids) < 3 {
			ids = append(ids, in.InstanceID)
		}
	}
	if len(ids) != 3 {
		tb.Fatalf("the sandbox has %d Linux instances in %s, want 3", len(ids), Region)
	}
	str := func(s string) *string { return &s }
	updates := []sandbox.InstanceUpdate{
		{Status: str(sandbox.StatusRunning), KeyPairName: str("ci-runner")},
		{Status: str(sandbox.StatusRunning), KeyPairName: str("")},
		{Status: str(sandbox.StatusStopped), KeyPairName: str("")},
	}
	if nameB != "" {
		updates[1].InstanceName = str(nameB)
	}
	for i, u := range updates {
		if _, err := a.Sandbox.UpdateInstance(Region, ids[i], u); err != nil {
			tb.Fatal(err)
		}
	}
	return ids[0], ids[1], ids[2]
}
