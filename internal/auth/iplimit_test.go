package auth

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestIPLimiter(t *testing.T) {
	clock := &fakeClock{t: t0}
	l := NewIPLimiter(rate.Every(time.Minute), 3, clock)
	for i := range 3 {
		if ok, _ := l.Allow("192.0.2.1"); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("192.0.2.1")
	if ok || wait != time.Minute {
		t.Errorf("4th request = %v, retry after %v; want refused, 1m", ok, wait)
	}
	if ok, _ := l.Allow("192.0.2.2"); !ok {
		t.Error("another address is limited too")
	}
	if ok, _ := l.Allow("::ffff:192.0.2.1"); ok {
		t.Error("the IPv4-mapped form of a limited address is not limited")
	}
	clock.Advance(30 * time.Second)
	if ok, wait := l.Allow("192.0.2.1"); ok || wait != 30*time.Second {
		t.Errorf("after 30s = %v, %v; want refused, 30s", ok, wait)
	}
	clock.Advance(30 * time.Second)
	if ok, _ := l.Allow("192.0.2.1"); !ok {
		t.Error("refused after a token refilled")
	}
}

func TestIPLimiterGroupsIPv6By64(t *testing.T) {
	l := NewIPLimiter(rate.Every(time.Hour), 1, &fakeClock{t: t0})
	if ok, _ := l.Allow("2001:db8:1:2::1"); !ok {
		t.Fatal("first request refused")
	}
	if ok, _ := l.Allow("2001:db8:1:2:ffff::9"); ok {
		t.Error("another address in the same /64 is not limited")
	}
	if ok, _ := l.Allow("2001:db8:1:3::1"); !ok {
		t.Error("an address in another /64 is limited")
	}
}

func TestIPLimiterMemoryIsBounded(t *testing.T) {
	clock := &fakeClock{t: t0}
	l := NewIPLimiter(rate.Every(time.Minute), 2, clock)
	l.max = 100
	for i := range 1000 {
		l.Allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		clock.Advance(time.Millisecond)
	}
	if n := l.Len(); n > 100 {
		t.Errorf("%d addresses remembered, want at most 100", n)
	}
	// The most recent address is still limited: eviction took older ones.
	last := fmt.Sprintf("10.0.%d.%d", 999/256, 999%256)
	l.Allow(last)
	if ok, _ := l.Allow(last); ok {
		t.Error("most recent address forgotten")
	}
}
