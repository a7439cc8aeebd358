package sshgateway

import (
	"fmt"
	"sync"
)

// MaxWaitsPerKey bounds the connections and channels one key keeps waiting for environments
// at once. Each waiter reads the environment from the apiserver every Poll for up to
// StartWait, so without a bound a loop of `ssh` by one user would become a stream of
// apiserver reads; a person, an editor and a script or two stay well below it.
const MaxWaitsPerKey = 8

// waits counts the waiters per key fingerprint. The zero value is ready to use.
type waits struct {
	mu sync.Mutex
	n  map[string]int
}

// waiter is one connection's or channel's claim on its key's share of the waits: taken at
// its first wait, kept while it goes on waiting, given back once by release.
type waiter struct {
	w    *waits
	key  string
	held bool
}

// waiter starts a claim for key; it holds nothing until hold.
func (w *waits) waiter(key string) *waiter { return &waiter{w: w, key: key} }

// hold takes the waiter's slot unless it has it already, and reports false when the key
// holds MaxWaitsPerKey slots already.
func (c *waiter) hold() bool {
	if c.held {
		return true
	}
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	if c.w.n[c.key] >= MaxWaitsPerKey {
		return false
	}
	if c.w.n == nil {
		c.w.n = map[string]int{}
	}
	c.w.n[c.key]++
	c.held = true
	return true
}

// release gives the slot back, if the waiter holds one.
func (c *waiter) release() {
	if !c.held {
		return
	}
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	if c.w.n[c.key]--; c.w.n[c.key] <= 0 {
		delete(c.w.n, c.key)
	}
	c.held = false
}

// tooManyWaits is what a key over the bound reads instead of waiting.
func tooManyWaits(t Target, fingerprint string) string {
	return fmt.Sprintf("%s is not ready, and %d connections with key %s already wait for environments: "+
		"this one does not wait; try again once one of them got through", t, MaxWaitsPerKey, fingerprint)
}
