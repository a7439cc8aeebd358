package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

const (
	// waitTimeout bounds every wait for the page; KWOK pods run within seconds.
	waitTimeout = 60 * time.Second
	// pollEvery is how often a JavaScript condition is checked while waiting.
	pollEvery = 100 * time.Millisecond
	// chromiumPath is Debian's package; nothing here ever downloads a browser.
	chromiumPath = "/usr/bin/chromium"
	width        = 1280
	height       = 900
	narrowWidth  = 400
)

// findChromium returns the browser to drive. When it is missing the test fails under CI
// (a missing browser must never pass as a skip there) and skips elsewhere.
func findChromium(t *testing.T) string {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		} else {
			msg := fmt.Sprintf("no chromium at %s or on PATH: apt-get install chromium", chromiumPath)
			if os.Getenv("CI") != "" {
				t.Fatalf("%s (CI is set, so this is a failure, not a skip)", msg)
			}
			t.Skip(msg)
		}
	}
	return path
}

// launchBrowser starts headless chromium with a fresh profile; it stops with the test.
// Only these flags: chromedp.DefaultExecAllocatorOptions is deliberately not used.
func launchBrowser(t *testing.T, execPath string) context.Context {
	t.Helper()
	profile := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile),
	)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // waits for the browser process to exit, before TempDir is removed
	})
	// The first Run starts the browser; it must not carry a timeout (that would end it).
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", execPath, err)
	}
	return browserCtx
}

// tab is one browser tab (its own sessionStorage) with the problems its page reported.
type tab struct {
	t   *testing.T
	ctx context.Context
	st  *stack

	mu        sync.Mutex
	problems  []string
	allowed   []allowedHTTPError
	listSeen  int            // answers of listenvs GETs received
	navigated int            // main-frame navigations
	sent      map[string]int // requests sent per function name
	blocked   bool           // requests are blocked on purpose (network.SetBlockedURLs)
	// netChanged counts loads Chromium cut with ERR_NETWORK_CHANGED (see open).
	netChanged int
}

// networkChanged is how Chromium fails a load when the machine gains or loses a network
// interface: here, whenever a pod starts or goes on the real node. It says nothing about
// the page, so open loads again instead of the test failing.
const networkChanged = "ERR_NETWORK_CHANGED"

// allowedHTTPError is a failed call the flow provokes on purpose (the browser logs every
// 4xx of fetch as a network error).
type allowedHTTPError struct {
	urlPrefix string
	status    int
}

// openTab opens a new tab at width x height and records console errors, uncaught
// exceptions and browser log errors (CSP violations, CORS failures, failed loads). The
// test fails at its end if any appeared that the flow did not expect.
func openTab(t *testing.T, browserCtx context.Context, st *stack) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	tb := &tab{t: t, ctx: ctx, st: st}
	t.Cleanup(cancel)
	t.Cleanup(tb.checkProblems) // runs before cancel
	if err := chromedp.Listen(ctx, tb.onEvent); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tb.run("size the viewport and bring the tab to front",
		chromedp.EmulateViewport(width, height),
		chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			_, err := cdp.Call(ctx, target, page.BringToFront, cdp.Empty{})
			return err
		}))
	return tb
}

// onEvent runs on chromedp's reading goroutine: it must be quick and must not call back.
func (tb *tab) onEvent(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		tb.problems = append(tb.problems, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber, text))
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			var parts []string
			for _, a := range e.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			tb.problems = append(tb.problems, "console.error: "+strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		en := e.Entry
		if en.Level != log.EntryLevelError || tb.isAllowed(en) {
			return
		}
		if strings.Contains(en.Text, networkChanged) {
			tb.netChanged++
			return
		}
		tb.problems = append(tb.problems, fmt.Sprintf("browser log error (%s) %s: %s", en.Source, en.URL, en.Text))
	case *network.EventResponseReceived:
		if e.Type == network.ResourceTypeFetch && e.Response != nil &&
			strings.HasPrefix(e.Response.URL, tb.st.fn["listenvs"]) {
			tb.listSeen++
		}
	case *network.EventRequestWillBeSent:
		if e.Request != nil && e.Request.Method != "OPTIONS" {
			for name, base := range tb.st.fn {
				if strings.HasPrefix(e.Request.URL, base) {
					if tb.sent == nil {
						tb.sent = map[string]int{}
					}
					tb.sent[name]++
				}
			}
		}
	case *page.EventFrameNavigated:
		if e.Frame != nil && e.Frame.ParentID == "" {
			tb.navigated++
		}
	}
}

func (tb *tab) isAllowed(en *log.Entry) bool {
	if en.Source != log.EntrySourceNetwork {
		return false
	}
	if tb.blocked && strings.Contains(en.Text, "ERR_BLOCKED_BY_CLIENT") {
		return true
	}
	for _, a := range tb.allowed {
		if strings.HasPrefix(en.URL, a.urlPrefix) && strings.Contains(en.Text, fmt.Sprintf("status of %d ", a.status)) {
			return true
		}
	}
	return false
}

// allowHTTPError accepts the browser's "Failed to load resource: ... status of <status>"
// for calls to function that the flow provokes on purpose.
func (tb *tab) allowHTTPError(function string, status int) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.allowed = append(tb.allowed, allowedHTTPError{urlPrefix: tb.st.fn[function], status: status})
}

func (tb *tab) checkProblems() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.t.Errorf("page reported: %s", p)
	}
	if tb.netChanged > 0 {
		tb.t.Logf("%d loads were cut by %s (the machine's, not the page's)", tb.netChanged, networkChanged)
	}
}

// requestsTo is how many requests the page sent to function so far.
func (tb *tab) requestsTo(function string) int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.sent[function]
}

// allowBlocked accepts the browser's errors for requests the test blocks on purpose.
func (tb *tab) allowBlocked() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.blocked = true
}

func (tb *tab) counts() (lists, navigations int) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.listSeen, tb.navigated
}

// run runs actions with the wait timeout and fails the test with what on error.
func (tb *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v%s", what, err, tb.state())
	}
}

// eval evaluates a JavaScript expression in the page (DevTools evaluation, which the
// page's CSP does not govern; chromedp.Poll is not used because it builds its predicate
// with new Function, which script-src 'self' rightly refuses).
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, waitTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS waits until expr is true, for at most timeout.
func (tb *tab) waitJS(what, expr string, timeout time.Duration) {
	tb.t.Helper()
	if err := tb.pollJS(expr, timeout); err != nil {
		tb.t.Fatalf("%s: %v%s", what, err, tb.state())
	}
}

func (tb *tab) pollJS(expr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(tb.ctx, timeout)
	defer cancel()
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+expr+")"))
		if err == nil && ok {
			return nil
		}
		if ctx.Err() != nil {
			if lastErr != nil {
				return fmt.Errorf("not true within %s (last error %v): %s", timeout, lastErr, expr)
			}
			return fmt.Errorf("not true within %s: %s", timeout, expr)
		}
		lastErr = err
		select {
		case <-ctx.Done():
		case <-time.After(pollEvery):
		}
	}
}

// waitFor waits until cond (a Go-side check, e.g. of recorded events) holds.
func (tb *tab) waitFor(what string, timeout time.Duration, cond func() bool) {
	tb.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: not within %s%s", what, timeout, tb.state())
		}
		select {
		case <-tb.ctx.Done():
			tb.t.Fatalf("%s: %v", what, tb.ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// state describes the page for a failure message: banner, rows and their phases.
func (tb *tab) state() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		notices: document.querySelector('#notices')?.innerText,
		rows: [...document.querySelectorAll('tr[data-env]')].map((r) => r.dataset.env + '=' + r.querySelector('[data-phase]')?.dataset.phase),
		formErrors: document.querySelector('#form-errors')?.hidden ? '' : document.querySelector('#form-errors')?.innerText,
		signIn: !document.querySelector('#signin-view')?.hidden,
	})`))
	if err != nil {
		return "\n(page state unavailable: " + err.Error() + ")"
	}
	return "\npage state: " + raw
}

// open loads url and runs then (say, a wait for an element). A load that Chromium cut
// because the machine's network changed (networkChanged) is made again, at most twice.
func (tb *tab) open(what, url string, then ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	for attempt := 1; ; attempt++ {
		tb.mu.Lock()
		before := tb.netChanged
		tb.mu.Unlock()
		tb.run(what, append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(url)}, then...)...)
		tb.mu.Lock()
		cut := tb.netChanged > before
		tb.mu.Unlock()
		if !cut || attempt == 3 {
			return
		}
		tb.t.Logf("%s: loading again, the network changed during the load", what)
	}
}

// signIn opens the UI and signs in through the form with user's token.
func (tb *tab) signIn(user string) {
	tb.t.Helper()
	tb.open("open the UI and wait for the sign-in form", tb.st.web+"/", chromedp.WaitVisible(chromedp.CSS("#token")))
	tb.run("sign in as "+user,
		chromedp.SendKeys(chromedp.CSS("#token"), fixture.Token(user)),
		chromedp.Click(chromedp.CSS("#sign-in")))
	tb.waitJS("signed in as "+user,
		`!document.querySelector('#app-view').hidden && document.querySelector('#user-name').textContent === `+jsString(user),
		waitTimeout)
	// Polling stops while document.hidden; a hidden tab would make every wait below time out.
	if state := eval[string](tb, "document.visibilityState"); state != "visible" {
		tb.t.Fatalf("document.visibilityState is %q; the UI polls only while visible", state)
	}
}

// phase is the expression for the data-phase of key's badge.
func phaseOf(key string) string {
	return fmt.Sprintf(`document.querySelector(%s)?.dataset.phase`, jsString(rowSel(key)+" [data-phase]"))
}

func (tb *tab) waitPhase(key, phase string) {
	tb.t.Helper()
	tb.waitJS(fmt.Sprintf("%s reaches %s", key, phase), phaseOf(key)+" === "+jsString(phase), waitTimeout)
}

func rowSel(key string) string { return fmt.Sprintf(`tr[data-env=%q]`, key) }

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// screenshot writes a PNG: into docs/screenshots with UPDATE_SCREENSHOTS=1, else into a
// temporary directory, so ordinary runs leave the tree alone. full captures the whole page
// rather than the viewport.
func (tb *tab) screenshot(name string, full bool) {
	tb.t.Helper()
	dir := tb.t.TempDir()
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(tb.ctx, waitTimeout)
	defer cancel()
	// PNG is lossless, so there is no quality to choose: FullScreenshot(100) asks for PNG
	// (any other quality gives a JPEG), CaptureScreenshot is PNG of the viewport.
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot %s (%d bytes)", path, len(png))
}
