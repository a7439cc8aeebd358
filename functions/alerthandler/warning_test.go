package alerthandler

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// noStopWarning configures every team to want no warnings before a stop (stopWarning: 0s),
// for tests of the stop's delivery mechanics alone.
func noStopWarning(c *config.Config) {
	for i := range c.Teams {
		c.Teams[i].StopWarning = new(config.Duration(0))
	}
}

// clock is a settable App.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// idleEvent is an alert event as the event source sends it: labels, annotations with the
// rule's numbers, and the time the alert's condition began.
func idleEvent(typ, alertname, envName, id string, startsAt time.Time) event.Event {
	e := alertEvent(typ, map[string]string{"alertname": alertname, "team": "alpha", "env": envName}, map[string]any{
		"labels":      map[string]string{"alertname": alertname, "team": "alpha", "env": envName},
		"annotations": map[string]string{"summary": "idle", "description": "has used 0.5% of its requested CPU (0.005 cores used of 1.000 requested) for 14 minutes."},
		"startsAt":    startsAt,
	})
	e.SetID(id)
	return e
}

func startHandler(t *testing.T, fx *fixture.Fixture, c *clock) *Function {
	t.Helper()
	f := New()
	if err := f.Start(context.Background(), fx.Settings); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Stop(context.Background()) })
	f.App.Now = c.Now
	return f
}

func handle(t *testing.T, f *Function, e event.Event) {
	t.Helper()
	if err := f.HandleEvent(context.Background(), e); err != nil {
		t.Fatalf("event %s: %v", e.ID(), err)
	}
}

func annotations(t *testing.T, fx *fixture.Fixture, name string) map[string]string {
	t.Helper()
	d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Annotations
}

func actions(events []eventlog.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Action+":"+e.Outcome)
	}
	return out
}

// TestIdleStopComesOnlyAfterAWarning: the warning alert annotates the environment and logs
// the numbers and the ways out; the stop alert then stops it once the team's notice (15m by
// default) has passed; a warning's resolution withdraws it.
func TestIdleStopComesOnlyAfterAWarning(t *testing.T) {
	fx := fixture.New(t, nil)
	c := &clock{now: time.Now().UTC().Truncate(time.Second)}
	f := startHandler(t, fx, c)
	name := "warned-" + randomSuffix(t)
	createEnv(t, fx, name, true)
	idleSince := c.Now().Add(-14 * time.Minute)

	handle(t, f, idleEvent(TypeFiring, AlertIdleCPUWarning, name, "w-"+name, idleSince))
	if got := annotations(t, fx, name)[env.IdleWarnedAnnotation]; got != c.Now().Format(time.RFC3339) {
		t.Fatalf("idle-warned annotation = %q, want the time of the warning", got)
	}
	ev := logged(t, fx, name)
	if len(ev) != 1 || ev[0].Action != eventlog.ActionIdleWarning || ev[0].Outcome != eventlog.OutcomeSuccess {
		t.Fatalf("logged %v, want one idle-warning", actions(ev))
	}
	for _, part := range []string{"0.005 cores used of 1.000 requested", "use it", `"idleStop":false`, c.Now().Add(15 * time.Minute).Format(time.RFC3339)} {
		if !strings.Contains(ev[0].Reason, part) {
			t.Errorf("warning %q lacks %q", ev[0].Reason, part)
		}
	}

	c.add(16 * time.Minute)
	handle(t, f, idleEvent(TypeFiring, AlertIdleCPU, name, "s-"+name, idleSince))
	if got := replicas(t, fx, name); got != 0 {
		t.Fatalf("replicas = %d after the notice passed, want 0", got)
	}
	if got, want := actions(logged(t, fx, name)), []string{"idle-stop:success", "idle-warning:success"}; !equal(got, want) {
		t.Errorf("log (newest first) %v, want %v", got, want)
	}
	if _, ok := annotations(t, fx, name)[env.IdleWarnedAnnotation]; ok {
		t.Errorf("idle-warned annotation kept after the stop")
	}

	// Used again before the stop: the warning resolves and is withdrawn.
	used := "used-" + randomSuffix(t)
	createEnv(t, fx, used, true)
	handle(t, f, idleEvent(TypeFiring, AlertIdleCPUWarning, used, "w-"+used, idleSince))
	handle(t, f, idleEvent(TypeResolved, AlertIdleCPUWarning, used, "r-"+used, idleSince))
	if a, ok := annotations(t, fx, used)[env.IdleWarnedAnnotation]; ok {
		t.Errorf("idle-warned annotation %q kept after the warning resolved", a)
	}
}

// TestIdleStopWithoutWarningIsPostponed: a stop alert that finds no warning of this idle
// period (the warning's delivery was lost, or a warning of an earlier period is left)
// warns instead, and Alertmanager's repeats of the same event stop only once the notice
// has passed.
func TestIdleStopWithoutWarningIsPostponed(t *testing.T) {
	fx := fixture.New(t, nil)
	c := &clock{now: time.Now().UTC().Truncate(time.Second)}
	f := startHandler(t, fx, c)
	name := "unwarned-" + randomSuffix(t)
	createEnv(t, fx, name, true)
	idleSince := c.Now().Add(-30 * time.Minute)
	// A warning from an earlier idle period does not count.
	if _, err := fx.Kube.Update(context.Background(), fx.Namespace("alpha"), name, func(d *appsv1.Deployment) (bool, error) {
		d.Annotations[env.IdleWarnedAnnotation] = idleSince.Add(-2 * time.Hour).Format(time.RFC3339) // beyond staleWarning
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}

	stop := idleEvent(TypeFiring, AlertIdleCPU, name, "s-"+name, idleSince)
	handle(t, f, stop)
	if got := replicas(t, fx, name); got != 1 {
		t.Fatalf("stopped without a warning of this idle period (replicas %d)", got)
	}
	if got := annotations(t, fx, name)[env.IdleWarnedAnnotation]; got != c.Now().Format(time.RFC3339) {
		t.Fatalf("idle-warned annotation = %q, want now", got)
	}
	c.add(5 * time.Minute)
	handle(t, f, stop) // Alertmanager's repeat: same id, not dropped as a duplicate
	if got := replicas(t, fx, name); got != 1 {
		t.Fatalf("stopped 5m after the warning, before the 15m notice (replicas %d)", got)
	}
	c.add(11 * time.Minute)
	handle(t, f, stop)
	if got := replicas(t, fx, name); got != 0 {
		t.Fatalf("replicas = %d once the notice passed, want 0", got)
	}
	if got, want := actions(logged(t, fx, name)), []string{"idle-stop:success", "idle-stop:ignored", "idle-warning:success"}; !equal(got, want) {
		t.Errorf("log (newest first) %v, want %v", got, want)
	}
}

// TestTeamWithoutWarnings: stopWarning 0s means no warning is given or waited for.
func TestTeamWithoutWarnings(t *testing.T) {
	fx := fixture.New(t, noStopWarning)
	c := &clock{now: time.Now().UTC()}
	f := startHandler(t, fx, c)
	name := "nowarn-" + randomSuffix(t)
	createEnv(t, fx, name, true)
	handle(t, f, idleEvent(TypeFiring, AlertIdleCPUWarning, name, "w-"+name, c.Now()))
	if a, ok := annotations(t, fx, name)[env.IdleWarnedAnnotation]; ok {
		t.Errorf("warned (%q) although the team wants no warnings", a)
	}
	handle(t, f, idleEvent(TypeFiring, AlertIdleCPU, name, "s-"+name, c.Now()))
	if got := replicas(t, fx, name); got != 0 {
		t.Fatalf("replicas = %d, want 0", got)
	}
	if got, want := actions(logged(t, fx, name)), []string{"idle-stop:success", "idle-warning:ignored"}; !equal(got, want) {
		t.Errorf("log (newest first) %v, want %v", got, want)
	}
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }
