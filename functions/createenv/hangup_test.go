package createenv

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestHangUpFinishesTheCreate sends creates whose callers hang up 0-46 ms after sending,
// which cuts many of them off between their round trips to the apiserver. Whatever the
// moment, a create that began finishes: it is logged as a success and its environment is
// whole (its Deployment, Secret and Service there). A request cut off before the function
// read it leaves nothing and no log entry. The test insists that some callers did hang up
// on a create that then finished, or it has tested nothing.
func TestHangUpFinishesTheCreate(t *testing.T) {
	fx := fixture.New(t, fixture.CountLimit("alpha", 100))
	srv := fx.Serve(t, New(), nil)
	const n = 24
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		hungUpOn = map[string]bool{} // names whose caller gave up before an answer
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("hangup-%02d", i)
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(2*i)*time.Millisecond)
			defer cancel()
			req, err := fixture.NewRequest(ctx, http.MethodPost, srv.URL, "alice", spec("alpha", name))
			if err != nil {
				t.Error(err)
				return
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				mu.Lock()
				hungUpOn[name] = true
				mu.Unlock()
				return
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	srv.Close() // waits for the handlers still running

	events, err := fx.EventLog(t).Latest(context.Background(), "alpha", 2*n)
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]eventlog.Event{}
	for _, e := range events {
		logged[e.Env] = e
	}
	ns, ctx := fx.Namespace("alpha"), context.Background()
	finished, finishedAfterHangUp := 0, 0
	for i := range n {
		name := fmt.Sprintf("hangup-%02d", i)
		_, err := fx.Clientset.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		e, ok := logged[name]
		switch {
		case ok && e.Outcome != eventlog.OutcomeSuccess:
			t.Errorf("%s: logged %s (%s), want the create finished", name, e.Outcome, e.Reason)
		case !ok && !apierrors.IsNotFound(err):
			t.Errorf("%s: not logged, yet its Deployment is there (%v)", name, err)
		case ok && err != nil:
			t.Errorf("%s: logged as created, but: %v", name, err)
		case ok:
			finished++
			if hungUpOn[name] {
				finishedAfterHangUp++
			}
			if _, err := fx.Clientset.CoreV1().Secrets(ns).Get(ctx, name+"-ssh", metav1.GetOptions{}); err != nil {
				t.Errorf("%s: secret: %v", name, err)
			}
			if _, err := fx.Clientset.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
				t.Errorf("%s: service: %v", name, err)
			}
		}
	}
	t.Logf("%d of %d creates began and finished, %d of them after their callers hung up", finished, n, finishedAfterHangUp)
	if finishedAfterHangUp == 0 {
		t.Error("no caller hung up on a create that had begun: the test tested nothing")
	}
}
