package listenvs

import (
	"context"
	"sync"
	"time"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/resources"
)

// Reading start steps costs one log request per starting pod, so it is bounded: at most
// maxStepReads pods per team page, each within stepReadBudget, all at once. A pod whose log
// could not be read simply shows the step its state implies.
const (
	maxStepReads   = 10
	stepReadBudget = time.Second
	stepLogLines   = 30
)

// startSteps reads the last step the start script announced, for the snapshot's pods whose
// container runs but is not ready yet.
func startSteps(ctx context.Context, k lister, snap *kube.Snapshot) map[string]string {
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		steps = map[string]string{}
	)
	ctx, cancel := context.WithTimeout(ctx, stepReadBudget)
	defer cancel()
	n := 0
	for i := range snap.Pods {
		p := &snap.Pods[i]
		if n == maxStepReads || !resources.StartScriptRunning(p) {
			continue
		}
		n++
		wg.Go(func() {
			log, err := k.LogTail(ctx, p.Namespace, p.Name, resources.ContainerName, stepLogLines)
			if err != nil {
				return
			}
			mu.Lock()
			steps[p.Name] = env.LastStep(log)
			mu.Unlock()
		})
	}
	wg.Wait()
	return steps
}
