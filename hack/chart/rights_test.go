package chart

// The functions' Kubernetes rights, written from the calls in shared/kube (the functions'
// only door to the API) and checked twice: chart_test.go compares the rendered ClusterRoles
// with it, rbac_test.go proves on a real apiserver that it is enough (each function's real
// operations succeed with its own token) and nothing more (every other verb and resource is
// refused). Keys are "<group>/<resource>" ("" is the core group).
var wantRights = map[string]map[string][]string{
	// kube.Client.Create: checkLimit (a metadata-only list), claimName (create the name claim
	// ConfigMap; get and delete a stale one), admitPod (a server-side dry-run create of the
	// pod), takePlace (create the Lease the team's quota counts), the Deployment, ownedSteps
	// (Secret, Service, PVC create) and giveClaim (patch the claim's owner), release and undo
	// (delete what a failed create made).
	"createenv": {
		"apps/deployments":            {"create", "delete", "list"},
		"/configmaps":                 {"create", "delete", "get", "patch"},
		"coordination.k8s.io/leases":  {"create", "delete"},
		"/pods":                       {"create"},
		"/secrets":                    {"create"},
		"/services":                   {"create"},
		"/persistentvolumeclaims":     {"create"},
		"metrics.k8s.io/pods":         nil,
		"apps/deployments/finalizers": nil,
	},
	// kube.Client.List: Deployments, Pods, PodMetrics (metrics.k8s.io), all label-selected lists;
	// kube.Client.LogTail: the start step of a starting pod.
	"listenvs": {
		"apps/deployments":    {"list"},
		"/pods":               {"list"},
		"/pods/log":           {"get"},
		"metrics.k8s.io/pods": {"list"},
	},
	// kube.Client.Delete: a foreground delete of the Deployment; the garbage collector removes
	// what it owns; the environment's place is given back at once (deletecollection).
	"deleteenv": {
		"apps/deployments":           {"delete"},
		"coordination.k8s.io/leases": {"deletecollection"},
	},
	// kube.Client.Update: Get, then Update with conflict retries. kube.Client.Resize: the live
	// pods (list), each one's resize subresource (patch) and state (get), their ReplicaSets;
	// kube.Client.Start: a start's dry-run pod create;
	// kube.Client.Pods (list) for the answer's real phase.
	"updateenv": {
		"apps/deployments": {"get", "update"},
		"/pods":            {"create", "get", "list"},
		"/pods/resize":     {"patch"},
		"apps/replicasets": {"get", "update"},
	},
	"alerthandler": {
		"apps/deployments": {"get", "update"},
	},
	// Deployments (list), Update (stop, annotate), Delete (teams with onExpiry: delete).
	"reaper": {
		"apps/deployments":           {"delete", "get", "list", "update"},
		"coordination.k8s.io/leases": {"deletecollection"},
	},
	// kube.Client.Route (the SSH gateway, not a function): the Deployment, the keys' Secret,
	// the pods by label; kube.Client.LogTail: a starting pod's announced step. Nothing that
	// writes, no exec, no other Secret verb.
	"sshgateway": {
		"apps/deployments": {"get"},
		"/secrets":         {"get"},
		"/pods":            {"list"},
		"/pods/log":        {"get"},
	},
	// No API calls at all.
	"web":         {},
	"alertsource": {},
}

// allVerbs and probeResources span the matrix rbac_test.go asks the apiserver about.
var allVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

var probeResources = []string{
	"apps/deployments", "apps/deployments/scale", "apps/deployments/finalizers", "apps/replicasets",
	"/pods", "/pods/resize", "/pods/exec", "/pods/log", "/pods/ephemeralcontainers", "/secrets", "/services",
	"/persistentvolumeclaims", "/configmaps", "/serviceaccounts", "/serviceaccounts/token",
	"/resourcequotas", "/events", "/endpoints", "metrics.k8s.io/pods",
	"rbac.authorization.k8s.io/roles", "rbac.authorization.k8s.io/rolebindings",
	"serving.knative.dev/services", "coordination.k8s.io/leases",
}

// allowed reports whether fn may do verb on resource (a wantRights key) in a team namespace.
func allowed(fn, resource, verb string) bool {
	for _, v := range wantRights[fn][resource] {
		if v == verb {
			return true
		}
	}
	return false
}
