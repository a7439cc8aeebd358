package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/chromedp/chromedp"

	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// fixture.SSHKey is a well-formed ed25519 public key (the functions' tests use the same one).

// TestBrowser drives the real UI in chromium against the real functions, cluster and Redis.
// The flows share one fixture (so the activity log has history for the screenshots) and one
// browser; each opens its own tab and signs in through the form.
func TestBrowser(t *testing.T) {
	chromium := findChromium(t)
	fx := fixture.New(t, nil)
	st := startStack(t, fx)
	browser := launchBrowser(t, chromium)

	t.Run("create-stop-start-delete", func(t *testing.T) { lifecycleFlow(t, openTab(t, browser, st)) })
	t.Run("field-errors", func(t *testing.T) { fieldErrorsFlow(t, openTab(t, browser, st)) })
	t.Run("forbidden-other-team", func(t *testing.T) { forbiddenFlow(t, openTab(t, browser, st)) })
	t.Run("activity-refreshes", func(t *testing.T) { activityFlow(t, openTab(t, browser, st)) })
	// Issue 15: the UI for daily use.
	t.Run("keys-per-user", func(t *testing.T) { keysFlow(t, openTab(t, browser, st)) })
	t.Run("private-key", func(t *testing.T) { privateKeyFlow(t, openTab(t, browser, st)) })
	t.Run("stop-scratch-home", func(t *testing.T) { stopConfirmFlow(t, openTab(t, browser, st)) })
	t.Run("failures-stay", func(t *testing.T) { failuresFlow(t, openTab(t, browser, st)) })
	t.Run("truthful-status", func(t *testing.T) { truthFlow(t, openTab(t, browser, st)) })
	t.Run("resize", func(t *testing.T) { resizeFlow(t, openTab(t, browser, st)) })
	t.Run("activity-pages", func(t *testing.T) { activityPagesFlow(t, openTab(t, browser, st)) })
	t.Run("small", func(t *testing.T) { smallFlow(t, openTab(t, browser, st), browser) })
	// Issue 12: a start on the real node shows its observed steps.
	t.Run("real-start-progress", func(t *testing.T) { realStartFlow(t, openTab(t, browser, st)) })
	// Last: it fills beta with 520 environments, beyond its maxEnvironments.
	t.Run("more-than-a-page", func(t *testing.T) { pagesFlow(t, openTab(t, browser, st)) })
}

// createThroughForm fills in the create form and submits it.
func (tb *tab) createThroughForm(team, name, cpu string) {
	tb.t.Helper()
	tb.openCreate()
	tb.run("choose team "+team, chromedp.SetValue(chromedp.CSS("#team"), team))
	tb.typeInto("#name", name)
	tb.typeInto("#cpu", cpu)
	tb.typeInto("#ssh-key", fixture.SSHKey) // replaces the key the form remembers
	tb.run("submit the create form", chromedp.Click(chromedp.CSS("#create-submit")))
}

// openCreate opens the create dialog unless it is open.
func (tb *tab) openCreate() {
	tb.t.Helper()
	// (A page without the dialog, as before issue 15, shows the form in the page.)
	if !eval[bool](tb, `document.querySelector('#create-dialog')?.open ?? true`) {
		tb.run("open the create dialog", chromedp.Click(chromedp.CSS("#new-env")))
	}
	tb.run("wait for the create form", chromedp.WaitVisible(chromedp.CSS("#create-submit")))
}

// closeCreate closes the create dialog, if the page has one.
func (tb *tab) closeCreate() {
	tb.t.Helper()
	if eval[bool](tb, `document.querySelector('#create-dialog')?.open ?? false`) {
		tb.run("close the create dialog", chromedp.Click(chromedp.CSS("#create-close")))
	}
}

// typeInto empties a field and types text into it with key events. chromedp.Clear only
// resets an input's value attribute (not what the user sees) and fails on an empty
// textarea, and SetValue(sel, "") sets "undefined" in chromedp v0.23.0, so the field is
// emptied as a user's select-all and delete would, with an input event.
func (tb *tab) typeInto(sel, text string) {
	tb.t.Helper()
	tb.run("type into "+sel,
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.querySelector(%s);
			el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true})); })()`, jsString(sel))),
		chromedp.SendKeys(chromedp.CSS(sel), text))
	if got := eval[string](tb, fmt.Sprintf(`document.querySelector(%s).value`, jsString(sel))); got != text {
		tb.t.Fatalf("%s holds %q after typing %q", sel, got, text)
	}
}

// deployment reports whether team/name's Deployment exists and whether it is being deleted.
func deployment(t *testing.T, st *stack, team, name string) (exists, deleting bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := st.fx.Clientset.AppsV1().Deployments(st.fx.Namespace(team)).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, false
	}
	if err != nil {
		t.Fatalf("get deployment %s/%s: %v", team, name, err)
	}
	return true, d.DeletionTimestamp != nil
}

// Flow 1: create through the form, watch it run, stop, start and delete it.
func lifecycleFlow(t *testing.T, tb *tab) {
	const name = "e2e-life"
	key := "alpha/" + name
	row := rowSel(key)
	tb.signIn("alice")
	tb.createThroughForm("alpha", name, "1")
	tb.run("the new row appears", chromedp.WaitVisible(chromedp.CSS(row)))
	tb.waitPhase(key, "Running")

	// Its home is scratch space, so Stop asks first.
	tb.run("click Stop and confirm", chromedp.Click(chromedp.CSS(row+` [data-action="stop"]`)),
		chromedp.WaitVisible(chromedp.CSS("#stop-confirm")), chromedp.Click(chromedp.CSS("#stop-confirm")))
	tb.waitPhase(key, "Stopped")
	tb.run("click Start", chromedp.Click(chromedp.CSS(row+` [data-action="start"]`)))
	tb.waitPhase(key, "Running")

	tb.run("click Delete and confirm",
		chromedp.Click(chromedp.CSS(row+` [data-action="delete"]`)),
		chromedp.WaitVisible(chromedp.CSS("#delete-dialog")),
		chromedp.Click(chromedp.CSS("#delete-confirm")))
	tb.run("the row disappears", chromedp.WaitNotPresent(chromedp.CSS(row)))
	exists, deleting := deployment(t, tb.st, "alpha", name)
	if exists && !deleting {
		t.Errorf("Deployment %s still exists and is not being deleted", key)
	}
	t.Logf("right after the delete: Deployment exists=%v, being deleted=%v", exists, deleting)

	// The row must stay gone. Deletion is in the foreground, so the Deployment lingers
	// (with a deletion timestamp) until the garbage collector is done, and the lists in
	// that window must not bring the row back. Two list answers after this point mean at
	// least one whole list was rendered (the page starts a list only after the last ended).
	lists, _ := tb.counts()
	tb.run("watch the row", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const t0 = performance.now();
		let present = false;
		window.__e2eRow = [];
		new MutationObserver(() => {
			const r = document.querySelector(%s);
			if (Boolean(r) === present) return;
			present = Boolean(r);
			window.__e2eRow.push((present ? 'back as ' + r.querySelector('[data-phase]')?.dataset.phase : 'gone again') +
				' after ' + Math.round(performance.now() - t0) + ' ms');
		}).observe(document.querySelector('#env-teams'), {childList: true, subtree: true});
	})()`, jsString(row))))
	tb.waitFor("two more lists", 25*time.Second, func() bool { n, _ := tb.counts(); return n >= lists+2 })
	if changes := eval[[]string](tb, `window.__e2eRow`); len(changes) > 0 {
		t.Errorf("the deleted row came back while its Deployment was being deleted: %s", strings.Join(changes, ", "))
	}
	for _, want := range []string{"created", "stopped", "started", "deleted"} {
		tb.waitJS("the activity log shows "+want+" "+key, fmt.Sprintf(
			`[...document.querySelectorAll('#activity li')].some((li) => li.textContent.includes(%s) && li.textContent.includes(%s))`,
			jsString(want+" "), jsString(key)), waitTimeout)
	}
}

// Flow 2: mistakes are found in the browser before sending, listed in form order, at
// their inputs, in plain words; the first invalid input has focus.
func fieldErrorsFlow(t *testing.T, tb *tab) {
	tb.allowHTTPError("createenv", http.StatusUnprocessableEntity)
	tb.signIn("alice")
	before := tb.requestsTo("createenv")
	tb.createThroughForm("alpha", "bad.name!", "64") // alpha allows at most 8 CPUs
	for _, field := range []string{"cpu", "name"} {
		tb.waitJS("#error-"+field+" shows an error", fmt.Sprintf(
			`(() => { const p = document.querySelector('#error-%[1]s');
				return p && !p.hidden && p.offsetParent !== null && p.textContent.trim() !== '' &&
					document.querySelector('#%[1]s').getAttribute('aria-invalid') === 'true'; })()`, field), waitTimeout)
		t.Logf("#error-%s: %s", field, eval[string](tb, `document.querySelector('#error-`+field+`').textContent`))
	}
	if got := eval[string](tb, `document.querySelector('#error-cpu').textContent`); !strings.Contains(got, "8") {
		t.Errorf("#error-cpu = %q, want it to name alpha's limit 8", got)
	}
	if n := tb.requestsTo("createenv") - before; n != 0 {
		t.Errorf("%d create requests were sent for a form the browser can see is wrong", n)
	}
	if got := eval[string](tb, `document.activeElement.id`); got != "name" {
		t.Errorf("focus is on #%s, want #name (the first problem in form order)", got)
	}
	order := eval[[]string](tb, `[...document.querySelectorAll('#form-errors-list li')].map((li) => li.textContent)`)
	if len(order) != 2 || !strings.HasPrefix(order[0], "Name") || !strings.HasPrefix(order[1], "CPU") {
		t.Errorf("form error list = %q, want Name then CPU (form order)", order)
	}
	// Required fields are marked, for eyes and for screen readers.
	if missing := eval[[]string](tb, `['team','name','image','cpu','memory','pool','priority','lifetime','ssh-key'].filter((id) =>
			document.getElementById(id).getAttribute('aria-required') !== 'true' ||
			!document.querySelector('label[for="' + id + '"] .required-mark'))`); len(missing) > 0 {
		t.Errorf("required fields not marked: %v", missing)
	}
	if n := eval[int](tb, `document.querySelectorAll('tr[data-env="alpha/bad.name!"]').length`); n != 0 {
		t.Errorf("an invalid environment got a row")
	}
	tb.screenshot("create-form.png", false)

	// What only the server can check comes back in plain words too: below the minimum CPU,
	// a package name with a shell character, an image the team may not use.
	tb.typeInto("#name", "words")
	tb.typeInto("#cpu", "50m")
	tb.typeInto("#packages", "git x;y")
	tb.typeInto("#image", "nginx:latest")
	tb.run("submit", chromedp.Click(chromedp.CSS("#create-submit")))
	tb.waitJS("the server's problems are shown", `document.querySelectorAll('#form-errors-list li').length >= 3`, waitTimeout)
	items := eval[[]string](tb, `[...document.querySelectorAll('#form-errors-list li')].map((li) => li.textContent)`)
	t.Logf("server problems as shown: %q", items)
	for _, it := range items {
		for _, jargon := range []string{"<=", "must match", "^[", "DNS-1123", "base64", "Missing field", "invalid value"} {
			if strings.Contains(it, jargon) {
				t.Errorf("message %q shows developer text %q", it, jargon)
			}
		}
	}
	want := []string{"Image", "Extra packages", "CPU"}
	for i, w := range want {
		if i >= len(items) || !strings.HasPrefix(items[i], w) {
			t.Errorf("problems = %q, want them in form order %q", items, want)
			break
		}
	}
	if got := eval[string](tb, `document.activeElement.id`); got != "image" {
		t.Errorf("focus is on #%s after the server's answer, want #image", got)
	}
}

// Flow 3: a 403 for another team's environment. The page shows alpha/shared to alice; with
// the delete dialog open the tab's token becomes bob's (beta only), so the confirmed delete
// goes out as bob. No list has to be raced: the dialog holds the environment it asks about.
func forbiddenFlow(t *testing.T, tb *tab) {
	const name = "shared"
	key := "alpha/" + name
	row := rowSel(key)
	tb.allowHTTPError("deleteenv", http.StatusForbidden)
	tb.signIn("alice")
	tb.createThroughForm("alpha", name, "1")
	tb.run("the new row appears", chromedp.WaitVisible(chromedp.CSS(row)))
	tb.waitPhase(key, "Running")

	tb.run("click Delete on alpha/shared, switch the tab's token to bob's, confirm",
		chromedp.Click(chromedp.CSS(row+` [data-action="delete"]`)),
		chromedp.WaitVisible(chromedp.CSS("#delete-dialog")),
		chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem('devenvs.token', `+jsString(fixture.Token("bob"))+`)`),
		chromedp.Click(chromedp.CSS("#delete-confirm")))
	tb.waitJS("the row says the delete was refused, naming team alpha",
		`(() => { const b = document.querySelector('[data-row-error="alpha/shared"]');
			return b && !b.hidden && b.innerText.includes('refused') && /team\W+alpha\b/.test(b.innerText); })()`, waitTimeout)
	t.Logf("row failure: %s", eval[string](tb, `document.querySelector('[data-row-error="alpha/shared"]').innerText`))
	if exists, deleting := deployment(t, tb.st, "alpha", name); !exists || deleting {
		t.Errorf("Deployment %s: exists=%v deleting=%v after bob's refused delete", key, exists, deleting)
	}
	// The next list is bob's own: beta only, so alpha/shared leaves the page.
	tb.waitJS("the page now lists as bob", `document.querySelector('#user-name').textContent === 'bob' && !document.querySelector(`+jsString(row)+`)`, 25*time.Second)
	// The failure outlives its row: it moved to the notices above the list.
	tb.waitJS("the refused delete is still reported", `document.querySelector('[data-notice="action:alpha/shared:delete"]')?.innerText.includes('refused')`, 5*time.Second)
}

// Flow 4: the activity log updates by itself while the page sits idle.
func activityFlow(t *testing.T, tb *tab) {
	const name = "e2e-api"
	key := "alpha/" + name
	tb.signIn("alice")
	tb.waitJS("the activity log has loaded", `document.querySelector('#activity').getAttribute('aria-busy') === 'false'`, waitTimeout)
	before := eval[[]string](tb, `[...document.querySelectorAll('#activity li')].map((li) => li.dataset.eventId)`)
	_, navigations := tb.counts()

	status, body := fixture.Do(t, http.MethodPost, tb.st.fn["createenv"], "alice",
		map[string]any{"team": "alpha", "name": name, "sshPublicKeys": []string{fixture.SSHKey}, "packages": []string{"git"}})
	if status != http.StatusCreated {
		t.Fatalf("create %s through the API: %d %s", key, status, body)
	}
	start := time.Now()
	// The page refreshes every 10 s when idle; 25 s allows for one missed tick.
	tb.waitJS("a new activity entry for "+key+" appears without a reload", fmt.Sprintf(
		`(() => { const before = new Set(%s);
			return [...document.querySelectorAll('#activity li')].some((li) =>
				!before.has(li.dataset.eventId) && li.textContent.includes(%s)); })()`,
		jsArray(before), jsString(key)), 25*time.Second)
	t.Logf("activity entry for %s appeared after %s", key, time.Since(start).Round(100*time.Millisecond))
	if _, n := tb.counts(); n != navigations {
		t.Errorf("the page navigated %d times while it should have sat idle", n-navigations)
	}

	tb.waitPhase(key, "Running")
	tb.run("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	tb.screenshot("environments.png", false) // the list and the activity log fit in 1280x900
	// A phone-sized screen: mobile emulation, so scrollbars overlay the page as on a phone
	// rather than taking 15 of the 400 pixels.
	tb.run("narrow the viewport", chromedp.EmulateViewport(narrowWidth, height, chromedp.EmulateMobile))
	tb.waitJS("the narrow layout applies", fmt.Sprintf(`window.innerWidth === %d`, narrowWidth), waitTimeout)
	tb.screenshot("narrow.png", true)
}

func jsArray(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = jsString(s)
	}
	return "[" + strings.Join(quoted, ",") + "]"
}
