package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"
	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/functions/listenvs"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
	"github.com/devenvs/devenvs/shared/resources"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// Flow 5: a team with more environments than one listenvs page. The UI follows the
// continue token and shows every environment: the first page's rows and the last page's.
func pagesFlow(t *testing.T, tb *tab) {
	n := listenvs.DefaultLimit + 20
	makePausedEnvironments(t, tb.st, "beta", "page", n)
	tb.signIn("bob")
	tb.waitJS(fmt.Sprintf("all %d beta environments are listed", n), fmt.Sprintf(
		`document.querySelectorAll('tr[data-env^="beta/page-"]').length === %d`, n), waitTimeout)
	if note := eval[string](tb, `document.querySelector('#env-other-teams').textContent`); strings.Contains(note, "Showing the first") {
		t.Errorf("the whole list is in, but the page says %q", note)
	}
	for _, key := range []string{"beta/page-0000", fmt.Sprintf("beta/page-%04d", n-1)} {
		if !eval[bool](tb, fmt.Sprintf(`!!document.querySelector(%s)`, jsString(rowSel(key)))) {
			t.Errorf("row %s is missing", key)
		}
	}
	t.Logf("first load of %d rows: applyList %.0f ms (the last page's, which builds the rows)", n, eval[float64](tb, `window.devenvsStats?.lastRenderMs ?? -1`))
	manyFlow(t, tb, n)
}

// Item 7 of issue 15, with the 520 environments above: natural order, search, filters,
// compact view, the create form in a dialog, polling that backs off while nothing changes,
// and the main-thread cost of a refresh (docs/PERFORMANCE.md).
func manyFlow(t *testing.T, tb *tab, n int) {
	makePaused(t, tb.st, "beta", []string{"bulk-2", "bulk-11", "bulk-1"})
	tb.waitJS("the bulk environments are listed", `document.querySelectorAll('tr[data-env^="beta/bulk-"]').length === 3`, waitTimeout)
	order := eval[[]string](tb, `[...document.querySelectorAll('tr[data-env^="beta/bulk-"]')].map((r) => r.dataset.env)`)
	if strings.Join(order, " ") != "beta/bulk-1 beta/bulk-2 beta/bulk-11" {
		t.Errorf("rows in order %v, want natural order bulk-1, bulk-2, bulk-11", order)
	}

	tb.typeInto("#env-search", "page-0011")
	tb.waitJS("search narrows the list to one row", `document.querySelectorAll('tr[data-env]').length === 1 && !!document.querySelector('tr[data-env="beta/page-0011"]')`, 5*time.Second)
	tb.typeInto("#env-search", "")
	tb.run("show Running only", chromedp.SetValue(chromedp.CSS("#filter-phase"), "Running"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#filter-phase').dispatchEvent(new Event('change', {bubbles: true}))`))
	tb.waitJS("no paused environment is Running", `!document.querySelector('tr[data-env^="beta/page-"]')`, 5*time.Second)
	tb.run("show every status", chromedp.SetValue(chromedp.CSS("#filter-phase"), ""),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#filter-phase').dispatchEvent(new Event('change', {bubbles: true}))`))
	tb.waitJS("every row is back", fmt.Sprintf(`document.querySelectorAll('tr[data-env^="beta/page-"]').length === %d`, n), 10*time.Second)

	rowHeight := `document.querySelector('tr[data-env="beta/page-0000"]').getBoundingClientRect().height`
	full := eval[float64](tb, rowHeight)
	tb.run("compact view", chromedp.Click(chromedp.CSS("#compact")))
	compact := eval[float64](tb, rowHeight)
	t.Logf("row height: %.0f px, compact %.0f px", full, compact)
	if compact >= full {
		t.Errorf("the compact view is not more compact: %.0f px vs %.0f px", compact, full)
	}
	tb.run("full view", chromedp.Click(chromedp.CSS("#compact")))

	tb.run("New environment", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	tb.run("open the create dialog from the top of the list", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
		chromedp.Click(chromedp.CSS("#new-env")))
	tb.waitJS("the create form is open in a dialog, its first field in view and focused", `document.querySelector('#create-dialog').open &&
		document.activeElement.id === 'name' && document.activeElement.getBoundingClientRect().bottom <= innerHeight`, 5*time.Second)
	tb.run("close it", chromedp.Click(chromedp.CSS("#create-close")))

	// Everything here is Pending for good (paused): the list must not be fetched every 2 s
	// for ever.
	tb.waitJS("polling backs off while nothing changes", `devenvsStats.nextPollMs > 2000`, 60*time.Second)
	t.Logf("next poll after the list stayed the same: %.0f ms", eval[float64](tb, `devenvsStats.nextPollMs`))

	measureRefresh(t, tb, n+3)
}

// measureRefresh clicks Refresh and reports the main-thread work it caused: the
// DevTools Performance domain's TaskDuration (everything the renderer's main thread did:
// script, JSON parsing, style, layout, and the animations running meanwhile) from the click
// until the list is applied and laid out, less DevToolsCommandDuration (the test's own
// evaluations).
func measureRefresh(t *testing.T, tb *tab, rows int) {
	metrics := func() map[string]float64 {
		out := map[string]float64{}
		tb.run("read performance metrics", chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			res, err := cdp.Call(ctx, target, performance.GetMetrics, cdp.Empty{})
			if err != nil {
				return err
			}
			for _, m := range res.Metrics {
				out[m.Name] = m.Value
			}
			return nil
		}))
		return out
	}
	tb.run("enable performance metrics", chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, performance.Enable, performance.EnableParams{})
		return err
	}))
	var samples []float64
	// Seven samples, a second apart: the machine is shared (a cluster runs beside the
	// browser), so single samples swing; the median is the figure.
	for i := range 7 {
		time.Sleep(time.Second)
		applied := eval[string](tb, `String(devenvsStats.listsApplied)`)
		before := metrics()
		// A click dispatched in the page: chromedp.Click first walks the DOM through DevTools
		// (DOM.getDocument, box models), which on 520 rows is hundreds of ms of the renderer's
		// main thread spent on the test driver, not on the page.
		tb.run("click Refresh", chromedp.Evaluate[chromedp.Void](`document.querySelector('#refresh').click()`))
		tb.waitJS("the refresh is applied", `String(devenvsStats.listsApplied) !== `+jsString(applied)+` && document.body.offsetHeight > 0`, waitTimeout)
		after := metrics()
		d := func(name string) float64 { return (after[name] - before[name]) * 1000 }
		// TaskDuration counts the DevTools commands of this test too (the waits' evaluations):
		// those are the driver's, not the page's.
		work := d("TaskDuration") - d("DevToolsCommandDuration")
		samples = append(samples, work)
		t.Logf("refresh %d of %d rows: page main-thread work %.0f ms (tasks %.0f, of which DevTools %.0f; thread CPU %.0f; script %.0f, layout %.0f, style %.0f); applyList %.0f ms",
			i+1, rows, work, d("TaskDuration"), d("DevToolsCommandDuration"), d("ThreadTime"), d("ScriptDuration"), d("LayoutDuration"), d("RecalcStyleDuration"),
			eval[float64](tb, `devenvsStats.lastRenderMs`))
	}
	slices.Sort(samples)
	median := samples[len(samples)/2]
	t.Logf("REFRESH_MAIN_THREAD_MS rows=%d median=%.0f samples=%v", rows, median, samples)
	if median > 300 {
		t.Errorf("a refresh of %d environments takes %.0f ms of main-thread work; the target is under 300 ms", rows, median)
	}
}

// makePausedEnvironments writes n environments' Deployments straight to the cluster,
// paused so that no pods follow: enough for a list, quick to make.
func makePausedEnvironments(t *testing.T, st *stack, teamName, prefix string, n int) {
	t.Helper()
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	makePaused(t, st, teamName, names)
}

// makePaused writes the named environments' Deployments, paused (see makePausedEnvironments).
func makePaused(t *testing.T, st *stack, teamName string, names []string) {
	t.Helper()
	n := len(names)
	team, _ := st.fx.Config.Team(teamName)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	now := time.Now()
	for i := range n {
		g.Go(func() error {
			spec := &env.Spec{Team: teamName, Name: names[i], SSHPublicKeys: []string{fixture.SSHKey}}
			spec.SetDefaults(st.fx.Config)
			if fe := validation.ValidateSpec(spec, st.fx.Config); fe != nil {
				return fe
			}
			d := resources.MakeDeployment(spec, team, st.fx.Config, "bob", now)
			d.Spec.Paused = true
			_, err := st.fx.Clientset.AppsV1().Deployments(team.Namespace).Create(ctx, d, metav1.CreateOptions{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("make %d environments in %s: %v", n, teamName, err)
	}
}
