package auth

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// defaultMaxIPs bounds how many addresses an IPLimiter remembers.
const defaultMaxIPs = 10000

// IPLimiter is a per-client-address token bucket for POST /login, in memory.
// IPv6 clients are limited per /64, the block one host usually controls.
// Memory is bounded: past maxIPs entries, buckets that have refilled (and so
// behave like new ones) are dropped first, then the least recently seen.
type IPLimiter struct {
	mu     sync.Mutex
	limit  rate.Limit
	burst  int
	clock  Clock
	max    int
	idle   time.Duration // time for an empty bucket to refill
	byAddr map[string]*ipBucket
}

type ipBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewIPLimiter allows each address burst requests at once and r per second
// after that.
func NewIPLimiter(r rate.Limit, burst int, clock Clock) *IPLimiter {
	if clock == nil {
		clock = SystemClock
	}
	burst = max(burst, 1)
	idle := time.Hour
	if r > 0 && r != rate.Inf {
		idle = time.Duration(float64(burst) / float64(r) * float64(time.Second))
	}
	return &IPLimiter{limit: r, burst: burst, clock: clock, max: defaultMaxIPs, idle: idle, byAddr: map[string]*ipBucket{}}
}

// IPKey is the bucket an address's sign-in attempts are counted in (see
// ipKey), for a limiter kept elsewhere (the database replicas share).
func IPKey(ip string) string { return ipKey(ip) }

// ipKey maps an address to its bucket: the address for IPv4 (and
// IPv4-mapped IPv6), the /64 prefix for IPv6, the raw text if unparseable.
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return truncate(ip, maxClientIP)
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// Allow reports whether a request from ip may proceed now, and otherwise
// how long until it may.
func (l *IPLimiter) Allow(ip string) (bool, time.Duration) {
	now := l.clock.Now()
	key := ipKey(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byAddr[key]
	if b == nil {
		l.makeRoom(now)
		b = &ipBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.byAddr[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, l.idle
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// makeRoom keeps the map under max entries. Called with mu held.
func (l *IPLimiter) makeRoom(now time.Time) {
	if len(l.byAddr) < l.max {
		return
	}
	for k, b := range l.byAddr {
		if now.Sub(b.seen) >= l.idle {
			delete(l.byAddr, k)
		}
	}
	for len(l.byAddr) >= l.max {
		var oldest string
		var at time.Time
		for k, b := range l.byAddr {
			if oldest == "" || b.seen.Before(at) {
				oldest, at = k, b.seen
			}
		}
		delete(l.byAddr, oldest)
	}
}

// Len returns how many addresses are remembered.
func (l *IPLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byAddr)
}
