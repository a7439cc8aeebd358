package listenvs

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/kube"
)

// views joins a namespace snapshot into one view per environment: pods are matched to their
// environment by label and usage to pods by name, in maps, so the cost grows linearly.
// steps holds the start script's last announced step of starting pods, by pod name.
func views(snap *kube.Snapshot, cfg *config.Config, now time.Time, steps map[string]string) []env.Environment {
	podsByEnv := map[string][]corev1.Pod{}
	for _, p := range snap.Pods {
		name := p.Labels[env.NameLabel]
		podsByEnv[name] = append(podsByEnv[name], p)
	}
	usageByPod := map[string]corev1.ResourceList{}
	for _, m := range snap.PodMetrics {
		total := corev1.ResourceList{}
		for _, c := range m.Containers {
			for name, q := range c.Usage {
				sum := total[name]
				sum.Add(q)
				total[name] = sum
			}
		}
		usageByPod[m.Name] = total
	}
	// Recent starts of the page's running environments are what a start is estimated from.
	est := env.Estimates{}
	for i := range snap.Deployments {
		if pod := env.NewestPod(podsByEnv[snap.Deployments[i].Name]); pod != nil {
			est.Add(&snap.Deployments[i], pod)
		}
	}
	out := make([]env.Environment, 0, len(snap.Deployments))
	for i := range snap.Deployments {
		d := &snap.Deployments[i]
		if d.DeletionTimestamp != nil {
			// Deleted, waiting for the garbage collector to remove what it owns: to the
			// user it is gone, and showing it would bring back a row they just deleted.
			continue
		}
		pods := podsByEnv[d.Name]
		v := env.FromDeployment(d, pods, cfg, now)
		if pod := env.NewestPod(pods); pod != nil {
			v.Progress = env.ProgressOf(d, pod, env.Status{Phase: v.Phase, Reason: v.Reason}, steps[pod.Name], est)
			v.Reason, v.Message = env.StepStatus(v.Progress, v.Reason, v.Message)
		}
		if snap.PodMetrics != nil {
			v.Used = used(pods, usageByPod)
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Team != out[j].Team {
			return out[i].Team < out[j].Team
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// used sums the usage of an environment's pods. It is nil, not zero, while none of them has
// metrics yet (a stopped or just-started environment), so the UI shows "unknown".
func used(pods []corev1.Pod, usageByPod map[string]corev1.ResourceList) *env.Resources {
	var cpu, mem resource.Quantity
	found := false
	for _, p := range pods {
		u, ok := usageByPod[p.Name]
		if !ok {
			continue
		}
		found = true
		cpu.Add(*u.Cpu())
		mem.Add(*u.Memory())
	}
	if !found {
		return nil
	}
	r := env.ResourcesFrom(corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem})
	return &r
}
