package auth

import (
	"time"
)

// hashQuiet is how long argon2id must have been idle before its memory is
// handed back to the operating system.
const hashQuiet = 500 * time.Millisecond

// afterHash is called when an argon2id computation ends. Each one allocates
// Params.Memory (19 MiB) and drops it; the Go runtime would keep those pages
// for minutes, so an idle console would stay as large as its busiest
// sign-in burst. Once hashing has been quiet for hashQuiet, the memory goes
// back to the OS: one collection per burst, never one per sign-in.
func (s *Service) afterHash() {
	s.memMu.Lock()
	defer s.memMu.Unlock()
	if s.memTimer == nil {
		s.memTimer = time.AfterFunc(hashQuiet, s.releaseHashMemory)
		return
	}
	s.memTimer.Reset(hashQuiet)
}

// releaseHashMemory returns freed memory to the OS unless a hash is running
// (its end schedules another release).
func (s *Service) releaseHashMemory() {
	if len(s.hashSem) > 0 {
		return
	}
	s.memMu.Lock()
	free := s.freeMemory
	s.memMu.Unlock()
	free()
}
