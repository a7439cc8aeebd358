package createenv

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestEnvironmentLimitUnderConcurrency is issue 14 item 3: team beta as configured by
// default (maxEnvironments 10, a pods quota of 10) gets 16, then 64, concurrent creates of
// different names. Exactly 10 are created (201), every other create is a 403 that says the
// team is full and leaves nothing (no Deployment, name claim or place), and every created
// environment gets its pod. Before, all 16 were answered 201 and 6 never got a pod.
func TestEnvironmentLimitUnderConcurrency(t *testing.T) {
	for _, n := range []int{16, 64} {
		t.Run(fmt.Sprintf("%d creates", n), func(t *testing.T) {
			fx := fixture.New(t, nil)
			team, _ := fx.Config.Team("beta")
			max := team.MaxEnvironments
			if max != 10 {
				t.Fatalf("default beta allows %d environments; the test expects 10", max)
			}
			srv := fx.Serve(t, New(), nil)
			codes := make([]int, n)
			bodies := make([]string, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					codes[i], bodies[i] = do(t, srv.URL, spec("beta", fmt.Sprintf("many-%02d", i)))
				}()
			}
			close(start)
			wg.Wait()
			count := map[int]int{}
			for i, c := range codes {
				count[c]++
				if c == http.StatusForbidden {
					if msg, want := fixture.ErrorBody(t, []byte(bodies[i])).Message, fmt.Sprintf("team beta is at its limit of %d environments: delete one first", max); msg != want {
						t.Errorf("create %d: 403 %q, want %q", i, msg, want)
					}
				}
			}
			if diff := cmp.Diff(map[int]int{http.StatusCreated: max, http.StatusForbidden: n - max}, count); diff != "" {
				t.Errorf("status counts (-want +got):\n%s", diff)
			}

			ctx, ns := context.Background(), fx.Namespace("beta")
			sel := metav1.ListOptions{LabelSelector: env.Selector()}
			deps, err := fx.Clientset.AppsV1().Deployments(ns).List(ctx, sel)
			if err != nil || len(deps.Items) != max {
				t.Errorf("%d Deployments (%v), want %d", len(deps.Items), err, max)
			}
			// Refused creates leave no claim and no place: exactly one of each per environment.
			claims, err := fx.Clientset.CoreV1().ConfigMaps(ns).List(ctx, sel)
			if err != nil || len(claims.Items) != max {
				t.Errorf("%d name claims (%v), want %d", len(claims.Items), err, max)
			}
			places, err := fx.Clientset.CoordinationV1().Leases(ns).List(ctx, sel)
			if err != nil || len(places.Items) != max {
				t.Errorf("%d places (%v), want %d", len(places.Items), err, max)
			}
			// Every environment that was created gets its pod (the pods quota is 10 too).
			err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
				pods, err := fx.Clientset.CoreV1().Pods(ns).List(ctx, sel)
				if err != nil {
					return false, err
				}
				return len(pods.Items) == max, nil
			})
			if err != nil {
				pods, _ := fx.Clientset.CoreV1().Pods(ns).List(ctx, sel)
				t.Errorf("%d pods after 90 s, want %d: %v", len(pods.Items), max, err)
			}
		})
	}
}

// do is fixture.Do for goroutines: bob is in team beta.
func do(t *testing.T, url string, body any) (int, string) {
	req, err := fixture.NewRequest(context.Background(), http.MethodPost, url, "bob", body)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	return resp.StatusCode, string(b)
}
