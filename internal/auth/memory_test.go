package auth

import (
	"context"
	"testing"
	"time"
)

// TestHashMemoryGoesBackWhenHashingStops: after a sign-in, argon2id's memory
// is handed back to the OS once hashing is quiet, never while a hash runs.
func TestHashMemoryGoesBackWhenHashingStops(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleHelpdesk, pwAlice)
	freed := make(chan struct{}, 16)
	f.s.memMu.Lock()
	f.s.freeMemory = func() { freed <- struct{}{} }
	f.s.memMu.Unlock()
	drain := func() {
		for {
			select {
			case <-freed:
			default:
				return
			}
		}
	}
	drain()

	f.login(t, "alice", pwAlice)
	select {
	case <-freed:
	case <-time.After(10 * time.Second): // a guard against a hang, not a wait for a state
		t.Fatal("argon2id memory was not released after the sign-in")
	}

	if err := f.s.acquireHash(context.Background()); err != nil { // a hash is running
		t.Fatal(err)
	}
	drain()
	f.s.releaseHashMemory()
	select {
	case <-freed:
		t.Error("memory released while a hash was running")
	default:
	}
	<-f.s.hashSem // the hash ends without scheduling another release
	f.s.releaseHashMemory()
	select {
	case <-freed:
	default:
		t.Error("memory not released once no hash runs")
	}
}
