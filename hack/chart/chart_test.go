package chart

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/resources"
)

// functions are the Knative Services the chart must render: the six functions of functions/,
// the event source, and the root file function (web).
var functions = []string{"alerthandler", "alertsource", "createenv", "deleteenv", "listenvs", "reaper", "updateenv", "web"}

// TestConfigMapIsTheDefaultConfiguration: the chart's `config` values are
// shared/config/default.yaml, and every rendering's ConfigMap passes the functions' own strict
// decoding and validation (config.Parse), which they run at start.
func TestConfigMapIsTheDefaultConfiguration(t *testing.T) {
	parse := func(name string, r rendered) *config.Config {
		t.Helper()
		var cm corev1.ConfigMap
		r.get(t, "ConfigMap", "devenvs-config").into(t, &cm)
		cfg, err := config.Parse([]byte(cm.Data["config.yaml"]))
		if err != nil {
			t.Fatalf("%s: ConfigMap devenvs-config: %v", name, err)
		}
		return cfg
	}
	got := parse("config/", loadConfigDir(t))
	if a, b, ok := jsonEqual(t, got, config.Default()); !ok {
		t.Errorf("chart values `config` differ from shared/config/default.yaml:\n%s", cmp.Diff(b, a))
	}
	for name, r := range extraRenderings(t) {
		parse(name, r)
	}
}

// TestTeamObjectsMatchTheBuilders: the team Namespaces, ResourceQuotas, NetworkPolicies and PriorityClasses the
// chart renders are the ones `devenvs-admin apply-teams` applies (shared/resources builders).
func TestTeamObjectsMatchTheBuilders(t *testing.T) {
	r := loadConfigDir(t)
	cfg := config.Default()
	for i := range cfg.Teams {
		team := &cfg.Teams[i]
		var ns corev1.Namespace
		r.get(t, "Namespace", team.Namespace).into(t, &ns)
		if diff := cmp.Diff(resources.MakeNamespace(team).Labels, ns.Labels); diff != "" {
			t.Errorf("namespace %s labels (-builder +chart):\n%s", team.Namespace, diff)
		}
		// The places quota (the exact environment limit) and the resources quota.
		for _, want := range []*corev1.ResourceQuota{resources.MakeEnvironmentsQuota(team), resources.MakeResourceQuota(team)} {
			var q corev1.ResourceQuota
			found := false
			for _, o := range r.all("ResourceQuota") {
				if o.Namespace == team.Namespace && o.Name == want.Name {
					o.into(t, &q)
					found = true
				}
			}
			if !found {
				t.Errorf("no ResourceQuota %s in %s", want.Name, team.Namespace)
				continue
			}
			if a, b, ok := jsonEqual(t, q.Spec, want.Spec); !ok {
				t.Errorf("quota %s of %s: chart %s, builder %s", want.Name, team.Namespace, a, b)
			}
			if diff := cmp.Diff(want.Labels, q.Labels); diff != "" {
				t.Errorf("quota %s of %s labels (-builder +chart):\n%s", want.Name, team.Namespace, diff)
			}
		}
	}
	teamNS := map[string]bool{}
	for _, team := range cfg.Teams {
		teamNS[team.Namespace] = true
	}
	var policies []networkingv1.NetworkPolicy
	for _, o := range r.all("NetworkPolicy") {
		var np networkingv1.NetworkPolicy
		o.into(t, &np)
		if !teamNS[np.Namespace] {
			continue // the devenvs namespace's own (Redis)
		}
		np.TypeMeta = metav1.TypeMeta{}
		policies = append(policies, np)
	}
	var want []networkingv1.NetworkPolicy
	for i := range cfg.Teams {
		want = append(want, resources.MakeNetworkPolicies(cfg, &cfg.Teams[i])...)
	}
	byName := func(a, b networkingv1.NetworkPolicy) bool { return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name }
	if len(want) == 0 {
		t.Fatal("the builders made no NetworkPolicy for the default configuration")
	}
	if diff := cmp.Diff(want, policies, cmpopts.SortSlices(byName)); diff != "" {
		t.Errorf("NetworkPolicies (-builder +chart):\n%s", diff)
	}
	for _, want := range resources.MakePriorityClasses(cfg) {
		var pc schedulingv1.PriorityClass
		r.get(t, "PriorityClass", want.Name).into(t, &pc)
		if a, b, ok := jsonEqual(t, []any{pc.Labels, pc.Value, pc.GlobalDefault, pc.Description, pc.PreemptionPolicy},
			[]any{want.Labels, want.Value, want.GlobalDefault, want.Description, want.PreemptionPolicy}); !ok {
			t.Errorf("PriorityClass %s: chart %s, builder %s", want.Name, a, b)
		}
	}
}

// TestPrometheusRuleIsTheRulesFile: the PrometheusRule's spec is the rules file, verbatim.
func TestPrometheusRuleIsTheRulesFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, "charts/devenvs/files/devenvs.rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want any
	if err := yaml.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	var rule struct {
		Spec any `json:"spec"`
	}
	if err := yaml.Unmarshal(loadConfigDir(t).get(t, "PrometheusRule", "devenvs").Raw, &rule); err != nil {
		t.Fatal(err)
	}
	if rule.Spec == nil || !reflect.DeepEqual(rule.Spec, want) {
		t.Errorf("PrometheusRule spec differs from the rules file:\n%s", cmp.Diff(want, rule.Spec))
	}
}

// TestEventingWiring: Alertmanager source -> Broker "default" -> one Trigger per alert state
// -> alert handler, with the delivery policy; PingSource -> reaper.
func TestEventingWiring(t *testing.T) {
	r := loadConfigDir(t)
	ns := "devenvs"
	svcKind := kref{APIVersion: "serving.knative.dev/v1", Kind: "Service"}

	var sb sinkBinding
	r.get(t, "SinkBinding", "alertsource").into(t, &sb)
	if sb.Spec.Subject != (kref{APIVersion: svcKind.APIVersion, Kind: svcKind.Kind, Name: "alertsource"}) {
		t.Errorf("SinkBinding subject = %+v, want the alertsource Knative Service", sb.Spec.Subject)
	}
	if sb.Spec.Sink.Ref == nil || *sb.Spec.Sink.Ref != (kref{APIVersion: "eventing.knative.dev/v1", Kind: "Broker", Name: "default"}) {
		t.Errorf("SinkBinding sink = %+v, want Broker default", sb.Spec.Sink)
	}
	r.get(t, "Broker", "default")

	states := map[string]bool{}
	for _, o := range r.all("Trigger") {
		var tr trigger
		o.into(t, &tr)
		if tr.Metadata.Namespace != ns || tr.Spec.Broker != "default" {
			t.Errorf("%s: broker %s/%s, want %s/default", o, tr.Metadata.Namespace, tr.Spec.Broker, ns)
		}
		typ := tr.Spec.Filter.Attributes["type"]
		if len(tr.Spec.Filter.Attributes) != 1 || !strings.HasPrefix(typ, "dev.devenvs.alert.") {
			t.Errorf("%s: filter %v, want exactly type=dev.devenvs.alert.*", o, tr.Spec.Filter.Attributes)
		}
		states[strings.TrimPrefix(typ, "dev.devenvs.alert.")] = true
		if s := tr.Spec.Subscriber.Ref; s == nil || *s != (kref{APIVersion: svcKind.APIVersion, Kind: svcKind.Kind, Name: "alerthandler"}) {
			t.Errorf("%s: subscriber %+v, want the alerthandler Knative Service", o, tr.Spec.Subscriber)
		}
		d := tr.Spec.Delivery
		if d.Retry == nil || *d.Retry != 5 || d.BackoffPolicy != "exponential" || d.BackoffDelay != "PT1S" {
			t.Errorf("%s: delivery retry=%v policy=%q delay=%q, want 5/exponential/PT1S", o, d.Retry, d.BackoffPolicy, d.BackoffDelay)
		}
		if dls := d.DeadLetterSink; dls == nil || (dls.Ref == nil && dls.URI == "") {
			t.Errorf("%s: no dead-letter sink", o)
		} else if dls.Ref != nil && dls.Ref.Kind == "Broker" {
			r.get(t, "Broker", dls.Ref.Name)
		}
	}
	if !reflect.DeepEqual(states, map[string]bool{"firing": true, "resolved": true}) {
		t.Errorf("Triggers cover alert states %v, want firing and resolved", states)
	}

	var ping pingSource
	r.get(t, "PingSource", "reaper").into(t, &ping)
	if ping.Spec.Schedule != "* * * * *" {
		t.Errorf("PingSource schedule %q, want every minute", ping.Spec.Schedule)
	}
	if s := ping.Spec.Sink.Ref; s == nil || *s != (kref{APIVersion: svcKind.APIVersion, Kind: svcKind.Kind, Name: "reaper"}) {
		t.Errorf("PingSource sink %+v, want the reaper Knative Service", ping.Spec.Sink)
	}
}

// TestFunctions: one scale-to-zero Knative Service per function, built by ko from cmd/<name>,
// with probes on func-go's health endpoints, requests and limits, its own ServiceAccount, and
// cluster-local visibility unless browsers call it.
func TestFunctions(t *testing.T) {
	r := loadConfigDir(t)
	svcs := r.knativeServices(t)
	var names []string
	for name := range svcs {
		names = append(names, name)
	}
	sort.Strings(names)
	if diff := cmp.Diff(functions, names); diff != "" {
		t.Fatalf("Knative Services (-want +got):\n%s", diff)
	}
	public := map[string]bool{"web": true, "createenv": true, "listenvs": true, "deleteenv": true, "updateenv": true}
	for _, name := range functions {
		s := svcs[name]
		tmpl := s.Spec.Template
		if got := tmpl.Metadata.Annotations["autoscaling.knative.dev/min-scale"]; got != "0" {
			t.Errorf("%s: min-scale %q, want \"0\"", name, got)
		}
		if tmpl.Metadata.Annotations["autoscaling.knative.dev/max-scale"] == "" {
			t.Errorf("%s: no max-scale", name)
		}
		if c := tmpl.Spec.ContainerConcurrency; c == nil || *c <= 0 {
			t.Errorf("%s: containerConcurrency %v, want a bound", name, c)
		}
		if sa := tmpl.Spec.ServiceAccountName; sa != "devenvs-"+name {
			t.Errorf("%s: serviceAccountName %q", name, sa)
		} else {
			r.get(t, "ServiceAccount", sa)
		}
		if len(tmpl.Spec.Containers) != 1 {
			t.Fatalf("%s: %d containers", name, len(tmpl.Spec.Containers))
		}
		c := tmpl.Spec.Containers[0]
		if want := "ko://github.com/devenvs/devenvs/cmd/" + name; c.Image != want {
			t.Errorf("%s: image %q, want %q", name, c.Image, want)
		}
		if _, err := os.Stat(filepath.Join(root, "cmd", name, "main.go")); err != nil {
			t.Errorf("%s: the image's package cmd/%s does not exist: %v", name, name, err)
		}
		if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/health/readiness" {
			t.Errorf("%s: readiness probe %+v", name, p)
		}
		if p := c.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/health/liveness" {
			t.Errorf("%s: liveness probe %+v", name, p)
		}
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Requests[res]; !ok {
				t.Errorf("%s: no %s request", name, res)
			}
			if _, ok := c.Resources.Limits[res]; !ok {
				t.Errorf("%s: no %s limit", name, res)
			}
		}
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("%s: security context %+v", name, sc)
		}
		local := s.Metadata.Labels["networking.knative.dev/visibility"] == "cluster-local"
		if local == public[name] {
			t.Errorf("%s: cluster-local=%v, want %v", name, local, !public[name])
		}
	}
}

// TestRBAC: ClusterRoles grant exactly wantRights, only through RoleBindings in team
// namespaces to the function's own ServiceAccount; nothing is bound cluster-wide.
func TestRBAC(t *testing.T) {
	r := loadConfigDir(t)
	for _, kind := range []string{"ClusterRoleBinding", "Role"} {
		if objs := r.all(kind); len(objs) > 0 {
			t.Errorf("unexpected %ss: %v", kind, objs)
		}
	}
	roles := map[string]bool{}
	for _, o := range r.all("ClusterRole") {
		var cr rbacv1.ClusterRole
		o.into(t, &cr)
		if cr.Name == "devenvs-admin" {
			// apply-teams' rights, for the platform admin: never bound by the chart.
			want := []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"namespaces", "resourcequotas"}, Verbs: []string{"create", "patch"}},
				{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"networkpolicies"}, Verbs: []string{"create", "patch"}},
				{APIGroups: []string{"scheduling.k8s.io"}, Resources: []string{"priorityclasses"}, Verbs: []string{"create", "patch", "delete"}},
			}
			if diff := cmp.Diff(want, cr.Rules); diff != "" {
				t.Errorf("ClusterRole devenvs-admin rules (-want +got):\n%s", diff)
			}
			for _, b := range r.all("RoleBinding") {
				var rb rbacv1.RoleBinding
				b.into(t, &rb)
				if rb.RoleRef.Name == cr.Name {
					t.Errorf("%s binds devenvs-admin", b)
				}
			}
			continue
		}
		fn := strings.TrimPrefix(cr.Name, "devenvs-")
		roles[fn] = true
		if _, ok := wantRights[fn]; !ok {
			t.Errorf("ClusterRole %s is not a function's", cr.Name)
			continue
		}
		got := map[string][]string{}
		for _, rule := range cr.Rules {
			if len(rule.ResourceNames) > 0 || len(rule.NonResourceURLs) > 0 {
				t.Errorf("%s: unexpected rule %+v", cr.Name, rule)
			}
			for _, g := range rule.APIGroups {
				for _, res := range rule.Resources {
					got[g+"/"+res] = append(got[g+"/"+res], rule.Verbs...)
				}
			}
		}
		want := map[string][]string{}
		for res, verbs := range wantRights[fn] {
			if len(verbs) > 0 {
				want[res] = append([]string(nil), verbs...)
			}
		}
		for _, m := range []map[string][]string{got, want} {
			for k := range m {
				sort.Strings(m[k])
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ClusterRole %s rules (-want +got):\n%s", cr.Name, diff)
		}
	}
	cfg := config.Default()
	for fn, rights := range wantRights {
		if len(rights) == 0 || !anyVerb(rights) {
			if roles[fn] {
				t.Errorf("%s calls no API but has a ClusterRole", fn)
			}
			continue
		}
		if !roles[fn] {
			t.Errorf("no ClusterRole for %s", fn)
		}
		for _, team := range cfg.Teams {
			var rb rbacv1.RoleBinding
			found := false
			for _, o := range r.all("RoleBinding") {
				if o.Namespace == team.Namespace && o.Name == "devenvs-"+fn {
					o.into(t, &rb)
					found = true
				}
			}
			if !found {
				t.Errorf("no RoleBinding devenvs-%s in %s", fn, team.Namespace)
				continue
			}
			wantRef := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "devenvs-" + fn}
			wantSubj := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "devenvs-" + fn, Namespace: "devenvs"}}
			if rb.RoleRef != wantRef || !reflect.DeepEqual(rb.Subjects, wantSubj) {
				t.Errorf("RoleBinding %s/%s: %+v %+v", team.Namespace, rb.Name, rb.RoleRef, rb.Subjects)
			}
		}
	}
	teamNamespaces := map[string]bool{}
	for _, team := range cfg.Teams {
		teamNamespaces[team.Namespace] = true
	}
	for _, o := range r.all("RoleBinding") {
		if !teamNamespaces[o.Namespace] {
			t.Errorf("RoleBinding outside a team namespace: %s", o)
		}
	}
	// Functions that call no API mount no token.
	for _, fn := range []string{"web", "alertsource"} {
		var sa corev1.ServiceAccount
		r.get(t, "ServiceAccount", "devenvs-"+fn).into(t, &sa)
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Errorf("ServiceAccount devenvs-%s mounts a token", fn)
		}
	}
}

func anyVerb(rights map[string][]string) bool {
	for _, v := range rights {
		if len(v) > 0 {
			return true
		}
	}
	return false
}

// TestNoRegistryHostNames: the packaging names no registry; images are ko references or
// <your-registry> placeholders (docs).
func TestNoRegistryHostNames(t *testing.T) {
	hosts := regexp.MustCompile(`(?i)\b(docker\.io|index\.docker\.io|gcr\.io|[a-z0-9-]+\.gcr\.io|ghcr\.io|quay\.io|registry\.k8s\.io|k8s\.gcr\.io|public\.ecr\.aws|[a-z0-9.-]+\.azurecr\.io|[a-z0-9.-]+\.amazonaws\.com|registry\.example(\.[a-z]+)?|localhost:5000|kind-registry)\b`)
	var files []string
	for _, pattern := range []string{"charts/devenvs/*", "charts/devenvs/templates/*", "config/*", "hack/chart/*.yaml",
		"docs/deploy.md", "func.yaml", "functions/*/func.yaml"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		files = append(files, m...)
	}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := hosts.FindString(line); m != "" {
				t.Errorf("%s:%d names registry host %q: use <your-registry>", f, i+1, m)
			}
		}
	}
}
