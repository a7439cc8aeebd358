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

// take gives key a waiting slot, or reports that it holds MaxWaitsPerKey already.
func (w *waits) take(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n[key] >= MaxWaitsPerKey {
		return false
	}
	if w.n == nil {
		w.n = map[string]int{}
	}
	w.n[key]++
	return true
}

// give returns a slot taken with take.
func (w *waits) give(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n[key]--; w.n[key] <= 0 {
		delete(w.n, key)
	}
}

// tooManyWaits is what a key over the bound reads instead of waiting.
func tooManyWaits(t Target, fingerprint string) string {
	return fmt.Sprintf("%s is not ready, and %d connections with key %s already wait for environments: "+
		"this one does not wait; try again once one of them got through", t, MaxWaitsPerKey, fingerprint)
}
