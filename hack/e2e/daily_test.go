package e2e

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// The flows of issue 15 ("the web UI for daily use"); TestBrowser runs them.

// bobKey is a well-formed ed25519 public key other than fixture.SSHKey (alice's).
var bobKey = func() string {
	var blob []byte
	for _, field := range [][]byte{[]byte("ssh-ed25519"), []byte(strings.Repeat("b", 32))} {
		blob = binary.BigEndian.AppendUint32(blob, uint32(len(field)))
		blob = append(blob, field...)
	}
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(blob) + " bob@laptop"
}()

// signOut clicks Sign out and waits for the sign-in form.
func (tb *tab) signOut() {
	tb.t.Helper()
	tb.run("sign out", chromedp.Click(chromedp.CSS("#sign-out")), chromedp.WaitVisible(chromedp.CSS("#token")))
}

func (tb *tab) keyField() string {
	tb.t.Helper()
	return eval[string](tb, `document.querySelector('#ssh-key').value`)
}

// apiCreate creates an environment through the API as user and fails the test otherwise.
func apiCreate(t *testing.T, st *stack, user string, spec map[string]any) {
	t.Helper()
	if _, ok := spec["sshPublicKeys"]; !ok {
		spec["sshPublicKeys"] = []string{fixture.SSHKey}
	}
	status, body := fixture.Do(t, http.MethodPost, st.fn["createenv"], user, spec)
	if status != http.StatusCreated {
		t.Fatalf("create %v through the API: %d %s", spec["name"], status, body)
	}
}

// Item 1: two users, one browser. A key is remembered for its user only; sign-out empties
// the field, the next user is not offered it, and its owner gets it back.
func keysFlow(t *testing.T, tb *tab) {
	tb.signIn("alice")
	tb.createThroughForm("alpha", "keys-a", "1") // types alice's key
	tb.run("alice's environment appears", chromedp.WaitVisible(chromedp.CSS(rowSel("alpha/keys-a"))))
	tb.signOut()
	if k := tb.keyField(); k != "" {
		t.Errorf("after sign-out the key field still holds %q", k)
	}
	tb.signIn("bob")
	tb.openCreate()
	if k := tb.keyField(); strings.Contains(k, fixture.SSHKey) {
		t.Fatalf("bob's form is pre-filled with alice's key %q", k)
	}
	tb.typeInto("#ssh-key", bobKey)
	tb.typeInto("#name", "keys-b")
	tb.run("bob launches", chromedp.Click(chromedp.CSS("#create-submit")))
	tb.run("bob's environment appears", chromedp.WaitVisible(chromedp.CSS(rowSel("beta/keys-b"))))
	tb.signOut()
	tb.signIn("alice")
	tb.openCreate()
	if k := tb.keyField(); k != fixture.SSHKey {
		t.Errorf("alice is offered %q, want her own key back", k)
	}
	if stray := eval[string](tb, `localStorage.getItem('devenvs.sshPublicKeys') || ''`); stray != "" {
		t.Errorf("a key is still stored for everyone: %q", stray)
	}
	tb.closeCreate()
}

// Item 2: a private key is refused in the browser (nothing sent) with what to paste instead;
// the server refuses it too (for clients other than this page), saying why.
func privateKeyFlow(t *testing.T, tb *tab) {
	const privateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\n" +
		"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" +
		"-----END OPENSSH PRIVATE KEY-----"
	tb.signIn("alice")
	tb.openCreate()
	tb.typeInto("#name", "leaky")
	tb.run("paste a private key", chromedp.SetValue(chromedp.CSS("#ssh-key"), privateKey))
	before := tb.requestsTo("createenv")
	tb.run("submit", chromedp.Click(chromedp.CSS("#create-submit")))
	tb.waitJS("the key field says it is a private key", `(() => { const p = document.querySelector('#error-sshPublicKeys');
		return p && !p.hidden && p.textContent.includes('private key') && p.textContent.includes('id_ed25519.pub'); })()`, waitTimeout)
	t.Logf("#error-sshPublicKeys: %s", eval[string](tb, `document.querySelector('#error-sshPublicKeys').textContent`))
	time.Sleep(300 * time.Millisecond)
	if n := tb.requestsTo("createenv") - before; n != 0 {
		t.Errorf("%d create requests carried the private key to the server", n)
	}
	if got := eval[string](tb, `document.activeElement.id`); got != "ssh-key" {
		t.Errorf("focus is on #%s, want #ssh-key", got)
	}
	// Not a key at all: refused in the browser with what a key looks like.
	tb.typeInto("#ssh-key", "my laptop key")
	tb.run("submit", chromedp.Click(chromedp.CSS("#create-submit")))
	tb.waitJS("the key field says what a public key looks like", `document.querySelector('#error-sshPublicKeys-0')?.textContent.includes('ssh-ed25519')`, waitTimeout)
	tb.closeCreate()

	status, body := fixture.Do(t, http.MethodPost, tb.st.fn["createenv"], "alice",
		map[string]any{"team": "alpha", "name": "leaky", "sshPublicKeys": []string{privateKey}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "private key") ||
		strings.Contains(string(body), "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU") {
		t.Errorf("server answer to a private key: %d %s", status, body)
	}
}

// Item 4: stopping a scratch-home environment asks first and says the home is discarded;
// with a persistent home it stops at once. The idle-stop option says what a stop means.
func stopConfirmFlow(t *testing.T, tb *tab) {
	apiCreate(t, tb.st, "alice", map[string]any{"team": "alpha", "name": "scratch"})
	apiCreate(t, tb.st, "alice", map[string]any{"team": "alpha", "name": "kept", "persistentHome": "5Gi"})
	tb.signIn("alice")
	key := "alpha/scratch"
	tb.waitPhase(key, "Running")
	tb.run("click Stop on the scratch-home environment", chromedp.Click(chromedp.CSS(rowSel(key)+` [data-action="stop"]`)))
	tb.waitJS("a confirmation says the home will be discarded", `document.querySelector('#stop-dialog').open &&
		/discard/.test(document.querySelector('#stop-text').textContent) && /\/home/.test(document.querySelector('#stop-text').textContent)`, waitTimeout)
	tb.run("keep it running", chromedp.Click(chromedp.CSS("#stop-cancel")))
	time.Sleep(2500 * time.Millisecond) // a list or two
	if p := eval[string](tb, phaseOf(key)); p != "Running" {
		t.Errorf("after Cancel %s is %s, want Running", key, p)
	}
	tb.run("stop after all", chromedp.Click(chromedp.CSS(rowSel(key)+` [data-action="stop"]`)),
		chromedp.WaitVisible(chromedp.CSS("#stop-confirm")), chromedp.Click(chromedp.CSS("#stop-confirm")))
	tb.waitPhase(key, "Stopped")

	kept := "alpha/kept"
	tb.run("the persistent-home environment is listed", chromedp.WaitVisible(chromedp.CSS(rowSel(kept))))
	tb.run("click Stop on the persistent-home environment", chromedp.Click(chromedp.CSS(rowSel(kept)+` [data-action="stop"]`)))
	tb.waitPhase(kept, "Stopped")
	if eval[bool](tb, `document.querySelector('#stop-dialog').open`) {
		t.Errorf("stopping an environment whose home is kept asked for confirmation")
	}

	tb.openCreate()
	tb.run("choose a scratch home", chromedp.SetValue(chromedp.CSS("#persistent-home"), ""),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#persistent-home').dispatchEvent(new Event('change', {bubbles: true}))`))
	if hint := eval[string](tb, `document.querySelector('#idle-stop-hint').textContent`); !strings.Contains(hint, "discards") {
		t.Errorf("with a scratch home the idle-stop hint says %q, want it to say a stop discards the home", hint)
	}
	tb.run("choose a persistent home", chromedp.SetValue(chromedp.CSS("#persistent-home"), "10Gi"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#persistent-home').dispatchEvent(new Event('change', {bubbles: true}))`))
	if hint := eval[string](tb, `document.querySelector('#idle-stop-hint').textContent`); !strings.Contains(hint, "kept") {
		t.Errorf("with a persistent home the idle-stop hint says %q, want it to say the home is kept", hint)
	}
	tb.closeCreate()
}

// Item 5: a failed action stays visible (in its row) across list refreshes until dismissed
// or retried; a list failure shows beside it; success news never covers the page.
func failuresFlow(t *testing.T, tb *tab) {
	const name = "flaky"
	key := "alpha/" + name
	apiCreate(t, tb.st, "alice", map[string]any{"team": "alpha", "name": name})
	tb.allowBlocked()
	tb.signIn("alice")
	tb.waitPhase(key, "Running")
	block := func(functions ...string) {
		patterns := []*network.BlockPattern{}
		for _, f := range functions {
			patterns = append(patterns, &network.BlockPattern{URLPattern: tb.st.fn[f] + "/*", Block: true})
		}
		tb.run(fmt.Sprintf("block %v", functions), chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			_, err := cdp.Call(ctx, target, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: patterns})
			return err
		}))
	}
	block("updateenv")
	tb.run("click +2h", chromedp.Click(chromedp.CSS(rowSel(key)+` [data-action="extend"][data-by="2h"]`)))
	failure := `document.querySelector('[data-row-error="` + key + `"]')`
	tb.waitJS("the row reports the failure", failure+`?.hidden === false`, waitTimeout)
	text := eval[string](tb, failure+`.innerText`)
	t.Logf("row failure: %s", text)
	if strings.Contains(text, "updateenv") || strings.Contains(text, "function") {
		t.Errorf("failure message talks like a developer: %q", text)
	}
	lists, _ := tb.counts()
	tb.waitFor("three more lists", 30*time.Second, func() bool { n, _ := tb.counts(); return n >= lists+3 })
	if !eval[bool](tb, failure+`?.hidden === false`) {
		t.Fatalf("the failure vanished after a few list refreshes%s", tb.state())
	}
	// A second, different failure at the same time: the list itself.
	block("updateenv", "listenvs")
	tb.run("refresh", chromedp.Click(chromedp.CSS("#refresh")))
	tb.waitJS("the list failure shows beside the action's", `document.querySelector('[data-notice="list"]') && `+failure+`?.hidden === false`, waitTimeout)
	tb.screenshot("failures.png", false)
	block()
	tb.run("retry the list", chromedp.Click(chromedp.CSS(`[data-notice="list"] [data-notice-retry]`)))
	tb.waitJS("the list failure clears once lists work again", `!document.querySelector('[data-notice="list"]')`, waitTimeout)
	if !eval[bool](tb, failure+`?.hidden === false`) {
		t.Errorf("the list's recovery took the action's failure with it")
	}
	tb.run("retry the extend", chromedp.Click(chromedp.CSS(rowSel(key)+` [data-failure-retry]`)))
	tb.waitJS("the retried extend succeeds", `[...document.querySelectorAll('#notices .notice')].some((n) => n.textContent.includes('now has'))`, waitTimeout)
	if !eval[bool](tb, failure+`?.hidden === true`) {
		t.Errorf("the failure is still shown after the retry succeeded")
	}
	// News sits in the page's flow: nothing over the list or the form.
	if pos := eval[string](tb, `(() => {
			const n = [...document.querySelectorAll('#notices .notice')].find((n) => n.textContent.includes('now has'));
			for (let el = n; el; el = el.parentElement) {
				const p = getComputedStyle(el).position;
				if (p === 'fixed' || p === 'absolute') return p + ' ' + (el.id || el.className);
			}
			return ''; })()`); pos != "" {
		t.Errorf("success news is positioned over the page: %s", pos)
	}
	// Dismiss: make a failure, then dismiss it.
	block("updateenv")
	tb.run("click +2h again", chromedp.Click(chromedp.CSS(rowSel(key)+` [data-action="extend"][data-by="2h"]`)))
	tb.waitJS("the row reports the failure", failure+`?.hidden === false`, waitTimeout)
	tb.run("dismiss", chromedp.Click(chromedp.CSS(rowSel(key)+` [data-failure-dismiss]`)))
	tb.waitJS("dismissed", failure+`?.hidden === true`, waitTimeout)
	block()
}

// Item 6: an action's answer carries the real phase (extend keeps a Running environment
// Running, with no false "is ready"), and every date says its day when it is not today,
// in the same format in the list and the news.
func truthFlow(t *testing.T, tb *tab) {
	const name = "truth"
	key := "alpha/" + name
	apiCreate(t, tb.st, "alice", map[string]any{"team": "alpha", "name": name, "lifetime": "30h"})
	tb.signIn("alice")
	tb.waitPhase(key, "Running")
	tb.run("watch the badge and the news", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		window.__phases = [];
		const badge = document.querySelector(%s);
		new MutationObserver(() => window.__phases.push(badge.dataset.phase)).observe(badge, {attributes: true, childList: true, characterData: true, subtree: true});
	})()`, jsString(rowSel(key)+" [data-phase]"))))
	tb.run("click +2h", chromedp.Click(chromedp.CSS(rowSel(key)+` [data-action="extend"][data-by="2h"]`)))
	tb.waitJS("the extend is reported", `[...document.querySelectorAll('#notices .notice')].some((n) => n.textContent.includes('now has'))`, waitTimeout)
	news := eval[string](tb, `[...document.querySelectorAll('#notices .notice')].find((n) => n.textContent.includes('now has')).textContent`)
	lists, _ := tb.counts()
	tb.waitFor("two more lists", 30*time.Second, func() bool { n, _ := tb.counts(); return n >= lists+2 })
	if phases := eval[[]string](tb, `window.__phases`); len(phases) > 0 {
		t.Errorf("after extend the badge went through %v; it is Running all along", phases)
	}
	if eval[bool](tb, `[...document.querySelectorAll('#notices .notice')].some((n) => n.textContent.includes('is ready'))`) {
		t.Errorf("a false 'is ready' appeared after extend")
	}
	// 32 hours from now is never today: the list and the news both say the day, alike.
	until := eval[string](tb, `document.querySelector(`+jsString(rowSel(key)+" .time-until")+`).textContent.replace(/\u00a0/g, ' ')`)
	day := eval[string](tb, `new Intl.DateTimeFormat(undefined, {weekday: 'short'}).format(new Date(Date.now() + 32 * 3600e3))`)
	t.Logf("list: %q; news: %q", until, news)
	if !strings.Contains(until, day) {
		t.Errorf("the list says %q for a time %s, want the day", until, day)
	}
	date := strings.TrimPrefix(strings.TrimPrefix(until, "until "), "stopped; ends ")
	if !strings.Contains(news, date) {
		t.Errorf("the news says %q and the list %q: want the same date format", news, date)
	}
}

// Item 8: resize within the team's limits from the row.
func resizeFlow(t *testing.T, tb *tab) {
	const name = "grow"
	key := "alpha/" + name
	apiCreate(t, tb.st, "alice", map[string]any{"team": "alpha", "name": name})
	// Stopped: a running pod is resized in place, which KWOK's simulated nodes refuse
	// ("node without support for resize"); the real node's tests cover that part.
	if status, body := fixture.Do(t, http.MethodPatch, tb.st.fn["updateenv"]+"/alpha/"+name, "alice", map[string]any{"action": "stop"}); status != http.StatusOK {
		t.Fatalf("stop %s: %d %s", key, status, body)
	}
	tb.signIn("alice")
	tb.waitPhase(key, "Stopped")
	tb.run("click Resize", chromedp.Click(chromedp.CSS(rowSel(key)+` [data-action="resize"]`)),
		chromedp.WaitVisible(chromedp.CSS("#resize-cpu")))
	if hint := eval[string](tb, `document.querySelector('#resize-cpu-hint').textContent`); !strings.Contains(hint, "8") {
		t.Errorf("the CPU hint %q does not name alpha's limit 8", hint)
	}
	before := tb.requestsTo("updateenv")
	tb.typeInto("#resize-cpu", "64")
	tb.run("submit", chromedp.Click(chromedp.CSS("#resize-submit")))
	tb.waitJS("too many CPUs are refused in the browser", `document.querySelector('#error-resize-cpu')?.textContent.includes('8')`, waitTimeout)
	if n := tb.requestsTo("updateenv") - before; n != 0 {
		t.Errorf("%d resize requests went out beyond the team's limit", n)
	}
	tb.typeInto("#resize-cpu", "2")
	tb.typeInto("#resize-memory", "4Gi")
	tb.run("submit", chromedp.Click(chromedp.CSS("#resize-submit")))
	tb.waitJS("the dialog closes", `!document.querySelector('#resize-dialog').open`, waitTimeout)
	tb.waitJS("the row shows the new size", `document.querySelector(`+jsString(rowSel(key)+" .cell-usage .usage-req")+`).textContent.includes('2')`, waitTimeout)
}

// Item 9: the phone layout says who is signed in; a second tab needs no token; the sign-in
// page says where tokens come from (config.json); axe finds nothing serious.
func smallFlow(t *testing.T, tb *tab, browser context.Context) {
	tb.open("open the UI", tb.st.web+"/", chromedp.WaitVisible(chromedp.CSS("#token")))
	if help := eval[string](tb, `document.querySelector('#signin-help').textContent`); !strings.Contains(help, signInHelp) {
		t.Errorf("sign-in help = %q, want the configured %q", help, signInHelp)
	}
	if href := eval[string](tb, `document.querySelector('#signin-link')?.href || ''`); href != signInLink {
		t.Errorf("sign-in link = %q, want %q", href, signInLink)
	}
	tb.axe("sign-in")
	tb.signIn("alice")
	tb.waitJS("the activity log has loaded", `document.querySelector('#activity').getAttribute('aria-busy') === 'false'`, waitTimeout)
	tb.axe("environments")
	tb.darkMode(true)
	tb.axe("environments, dark")
	tb.run("open the create dialog", chromedp.Click(chromedp.CSS("#new-env")), chromedp.WaitVisible(chromedp.CSS("#create-submit")))
	tb.axe("create dialog, dark")
	tb.darkMode(false)
	tb.axe("create dialog")
	tb.closeCreate()

	second := openTab(t, browser, tb.st)
	second.open("open the UI in a second tab", tb.st.web+"/")
	second.waitJS("the second tab is signed in without the token", `!document.querySelector('#app-view').hidden &&
		document.querySelector('#user-name').textContent === 'alice'`, 10*time.Second)

	tb.run("narrow the viewport", chromedp.EmulateViewport(narrowWidth, height, chromedp.EmulateMobile))
	tb.waitJS("the narrow layout applies", fmt.Sprintf(`window.innerWidth === %d`, narrowWidth), waitTimeout)
	if !eval[bool](tb, `(() => { const w = document.querySelector('#who'); const r = w.getBoundingClientRect();
			return !w.hidden && r.width > 0 && r.height > 0 && w.textContent.includes('alice'); })()`) {
		t.Errorf("the phone layout does not show who is signed in")
	}
	tb.run("wide again", chromedp.EmulateViewport(width, height))
}

func (tb *tab) darkMode(on bool) {
	tb.t.Helper()
	value := "light"
	if on {
		value = "dark"
	}
	tb.run("prefers-color-scheme: "+value, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		return emulateColorScheme(ctx, target, value)
	}))
	// Colours change with short transitions: let them end before anyone measures contrast
	// (mid-way, text and background are neither scheme's colours).
	time.Sleep(100 * time.Millisecond)
	tb.waitJS("colour transitions end", `document.getAnimations().every((a) => !(a instanceof CSSTransition) || a.playState !== 'running')`, 10*time.Second)
}

func emulateColorScheme(ctx context.Context, target *chromedp.Target, value string) error {
	_, err := cdp.Call(ctx, target, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: value}},
	})
	return err
}

// axeSource is axe-core 4.10.3's axe.min.js from npm (npm pack axe-core@4.10.3; MPL-2.0,
// testdata/axe-LICENSE.txt), checked in so the test runs offline.
//
//go:embed testdata/axe.min.js
var axeSource string

// axe runs axe-core in the page (through DevTools, which the page's CSP does not govern)
// and fails the test for every serious or critical violation.
func (tb *tab) axe(what string) {
	tb.t.Helper()
	if !eval[bool](tb, `typeof window.axe === 'object'`) {
		tb.run("load axe-core", chromedp.Evaluate[chromedp.Void](axeSource+"\n;undefined"))
	}
	type violation struct {
		ID     string   `json:"id"`
		Impact string   `json:"impact"`
		Help   string   `json:"help"`
		Nodes  []string `json:"nodes"`
	}
	ctx, cancel := context.WithTimeout(tb.ctx, waitTimeout)
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {resultTypes: ['violations']}).then((r) =>
		r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' (' + (n.any[0]?.message || n.failureSummary || '') + ')')})))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("axe on %s: %v", what, err)
	}
	for _, v := range got {
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.t.Errorf("axe (%s): %s %s: %s at %v", what, v.Impact, v.ID, v.Help, v.Nodes)
		} else {
			tb.t.Logf("axe (%s), %s: %s at %v", what, v.Impact, v.ID, v.Nodes)
		}
	}
}

// Item 7: the activity log pages back beyond its first 50 entries.
func activityPagesFlow(t *testing.T, tb *tab) {
	const name = "chatty"
	// beta's only entry is older than alpha's 56 below: under "All teams" it is not among the
	// newest 50, and paging back must still reach it (each team pages from its own cursor).
	apiCreate(t, tb.st, "bob", map[string]any{"team": "beta", "name": "quiet"})
	apiCreate(t, tb.st, "alice", map[string]any{"team": "alpha", "name": name})
	for i := range 55 {
		status, body := fixture.Do(t, http.MethodPatch, tb.st.fn["updateenv"]+"/alpha/"+name, "alice",
			map[string]any{"action": "extend", "lifetime": fmt.Sprintf("%dh", 2+i%5)})
		if status != http.StatusOK {
			t.Fatalf("extend %d: %d %s", i, status, body)
		}
	}
	created := `[...document.querySelectorAll('#activity li')].some((li) => li.dataset.action === 'create' && li.textContent.includes('alpha/chatty'))`
	tb.signIn("alice")
	tb.waitJS("the first page of activity is in", `document.querySelectorAll('#activity li').length === 50`, waitTimeout)
	if eval[bool](tb, created) {
		t.Fatalf("the create of alpha/chatty is among the latest 50 entries; the test needs it beyond them")
	}
	tb.run("show older activity", chromedp.Click(chromedp.CSS("#activity-more")))
	tb.waitJS("older entries appear, back to the create", `document.querySelectorAll('#activity li').length > 50 && `+created, waitTimeout)
	t.Logf("activity entries after one page back: %d", eval[int](tb, `document.querySelectorAll('#activity li').length`))
	ids := eval[[]string](tb, `[...document.querySelectorAll('#activity li')].map((li) => li.dataset.eventId)`)
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("entry %s is shown twice", id)
		}
		seen[id] = true
	}

	// carol sees alpha and beta: beta has no entry among the newest 50 of "All teams".
	quiet := `[...document.querySelectorAll('#activity li')].some((li) => li.dataset.action === 'create' && li.textContent.includes('beta/quiet'))`
	tb.signOut()
	tb.signIn("carol")
	tb.waitJS("carol's first page of activity is in", `document.querySelectorAll('#activity li').length === 50`, waitTimeout)
	if eval[bool](tb, quiet) {
		t.Fatalf("the create of beta/quiet is among the latest 50 entries of all teams; the test needs it beyond them")
	}
	tb.run("show older activity of all teams", chromedp.Click(chromedp.CSS("#activity-more")))
	tb.waitJS("older entries appear", `document.querySelectorAll('#activity li').length > 50 && !document.querySelector('#activity-more').disabled`, waitTimeout)
	if !eval[bool](tb, quiet) || !eval[bool](tb, created) {
		t.Fatalf("one page back under All teams must reach both beta/quiet's and alpha/chatty's create%s", tb.state())
	}
}
