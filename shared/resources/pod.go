package resources

import corev1 "k8s.io/api/core/v1"

// StartScriptRunning says whether a live pod's environment container runs but is not ready
// yet: its start script is at work, and its log holds the step it last announced.
func StartScriptRunning(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil {
		return false
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == ContainerName && cs.State.Running != nil && !cs.Ready {
			return true
		}
	}
	return false
}
