// Package e2e holds the real-browser tests: Debian's chromium, driven by chromedp, uses the
// UI served by the root file function, which calls createenv, listenvs, deleteenv and
// updateenv over real CORS against the local cluster and Redis (`make cluster`,
// `make redis`). Everything is in the _test.go files; run them with
//
//	CI=1 go test -count=1 ./hack/e2e/
//
// UPDATE_SCREENSHOTS=1 also rewrites docs/screenshots/*.png; without it the screenshots go
// to a temporary directory, so a test run never changes the tree.
package e2e
