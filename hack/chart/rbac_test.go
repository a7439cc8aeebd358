package chart

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/resources"
	"github.com/devenvs/devenvs/shared/testbed"
)

// A valid authorized key (the same test key as shared/resources' tests).
const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKC+umrKFyw4R09J8gWS0CR/SdQ7SdEhD9f2T2ZPY5bZ test@devenvs"

// rbacFixture is the chart's RBAC for one team, applied to the local cluster: the rendered
// ServiceAccounts in a stand-in for the devenvs namespace, the rendered ClusterRoles (renamed
// with a suffix, so a real install on the same cluster is untouched) and the team's rendered
// RoleBindings, moved into a fresh team namespace.
type rbacFixture struct {
	admin     *rest.Config
	adminCS   kubernetes.Interface
	saNS      string // where the ServiceAccounts live ("devenvs" in the chart)
	teamNS    string // a team namespace with the RoleBindings
	otherNS   string // a namespace without any binding
	cfg       *config.Config
	team      *config.Team
	suffix    string                  // of the test's ClusterRole names
	clients   map[string]*kube.Client // per function, authenticated as its ServiceAccount
	clientset map[string]kubernetes.Interface
}

func newRBACFixture(t *testing.T) *rbacFixture {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the local cluster")
	}
	admin := testbed.RestConfig(t)
	cs := kubernetes.NewForConfigOrDie(admin)
	ctx := context.Background()
	f := &rbacFixture{
		admin: admin, adminCS: cs,
		saNS:    testbed.Namespace(t, cs, "rbac-devenvs"),
		teamNS:  testbed.Namespace(t, cs, "rbac-team"),
		otherNS: testbed.Namespace(t, cs, "rbac-other"),
		clients: map[string]*kube.Client{}, clientset: map[string]kubernetes.Interface{},
	}
	f.cfg = config.Default()
	f.team = &f.cfg.Teams[0] // alpha: every pool and priority
	f.team.Namespace = f.teamNS

	r := loadConfigDir(t)
	suffix := randomSuffix()
	f.suffix = suffix
	// ClusterRoles: the rendered rules, under a test name.
	for _, o := range r.all("ClusterRole") {
		var cr rbacv1.ClusterRole
		o.into(t, &cr)
		cr.Name += "-" + suffix
		if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &cr, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create ClusterRole %s: %v", cr.Name, err)
		}
		name := cr.Name
		t.Cleanup(func() { _ = cs.RbacV1().ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	}
	// ServiceAccounts: all of them, web and alertsource included.
	for _, o := range r.all("ServiceAccount") {
		var sa corev1.ServiceAccount
		o.into(t, &sa)
		sa.Namespace = f.saNS
		if _, err := cs.CoreV1().ServiceAccounts(f.saNS).Create(ctx, &sa, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create ServiceAccount %s: %v", sa.Name, err)
		}
	}
	// RoleBindings of team alpha's namespace, moved to the test team namespace.
	n := 0
	for _, o := range r.all("RoleBinding") {
		if o.Namespace != "devenvs-alpha" {
			continue
		}
		var rb rbacv1.RoleBinding
		o.into(t, &rb)
		rb.Namespace = f.teamNS
		rb.RoleRef.Name += "-" + suffix
		for i := range rb.Subjects {
			if rb.Subjects[i].Namespace != "devenvs" {
				t.Fatalf("RoleBinding %s binds a subject outside the release namespace: %+v", rb.Name, rb.Subjects[i])
			}
			rb.Subjects[i].Namespace = f.saNS
		}
		if _, err := cs.RbacV1().RoleBindings(f.teamNS).Create(ctx, &rb, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create RoleBinding %s: %v", rb.Name, err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("config/ has no RoleBindings for team alpha")
	}
	// The environments' PriorityClasses (the chart renders them; the pod dry run needs them).
	for _, o := range r.all("PriorityClass") {
		var pc schedulingv1.PriorityClass
		o.into(t, &pc)
		if _, err := cs.SchedulingV1().PriorityClasses().Create(ctx, &pc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("create PriorityClass %s: %v", pc.Name, err)
		}
	}
	// The pod dry run needs the namespace's default ServiceAccount, which a controller makes.
	waitFor(t, "default ServiceAccount in "+f.teamNS, func() bool {
		_, err := cs.CoreV1().ServiceAccounts(f.teamNS).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	})

	for fn := range wantRights {
		tok, err := cs.CoreV1().ServiceAccounts(f.saNS).CreateToken(ctx, "devenvs-"+fn,
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(600))}},
			metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("token for devenvs-%s: %v", fn, err)
		}
		// Server and CA from the admin kubeconfig, no client certificate: only the token.
		rc := rest.AnonymousClientConfig(admin)
		rc.BearerToken = tok.Status.Token
		kc, err := kube.New(rc)
		if err != nil {
			t.Fatal(err)
		}
		f.clients[fn] = kc
		if f.clientset[fn], err = kubernetes.NewForConfig(rc); err != nil {
			t.Fatal(err)
		}
	}
	// RBAC changes reach the authorizer's cache quickly but not atomically.
	waitFor(t, "RoleBindings in effect", func() bool {
		_, err := f.clientset["reaper"].AppsV1().Deployments(f.teamNS).List(ctx, metav1.ListOptions{})
		return err == nil
	})
	return f
}

// objects builds an environment's objects as functions/createenv/handle.go does.
func (f *rbacFixture) objects(t *testing.T, name string) kube.Objects {
	t.Helper()
	spec := &env.Spec{Team: "alpha", Name: name, SSHPublicKeys: []string{testKey}, PersistentHome: "1Gi"}
	spec.SetDefaults(f.cfg)
	if fe := validation.ValidateSpec(spec, f.cfg); fe != nil {
		t.Fatalf("spec: %v", fe)
	}
	owner, now := "rbac-test", time.Now()
	return kube.Objects{
		Deployment: resources.MakeDeployment(spec, f.team, f.cfg, owner, now),
		Secret:     resources.MakeSecret(spec, f.team, owner),
		Service:    resources.MakeService(spec, f.team, f.cfg, owner),
		PVC:        resources.MakePVC(spec, f.team, f.cfg, owner),
	}
}

// TestRBACSufficient runs every function's real Kubernetes operations through shared/kube,
// each with its own ServiceAccount's token and only the chart's RBAC.
func TestRBACSufficient(t *testing.T) {
	f := newRBACFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ns := f.teamNS

	// createenv: Create (count of the team's environments and pod dry run, Deployment,
	// Secret, Service, PVC).
	for _, name := range []string{"rbac-one", "rbac-two"} {
		objs := f.objects(t, name)
		if objs.PVC == nil {
			t.Fatal("the test environment must have a persistent home (PVC)")
		}
		if _, err := f.clients["createenv"].Create(ctx, objs, 20); err != nil {
			t.Fatalf("createenv: Create %s: %v", name, err)
		}
	}
	for _, check := range []struct {
		what string
		get  func(name string) error
	}{
		{"Deployment", func(n string) error {
			_, err := f.adminCS.AppsV1().Deployments(ns).Get(ctx, n, metav1.GetOptions{})
			return err
		}},
		{"Secret", func(n string) error {
			_, err := f.adminCS.CoreV1().Secrets(ns).Get(ctx, resources.SecretName(n), metav1.GetOptions{})
			return err
		}},
		{"Service", func(n string) error {
			_, err := f.adminCS.CoreV1().Services(ns).Get(ctx, n, metav1.GetOptions{})
			return err
		}},
		{"PersistentVolumeClaim", func(n string) error {
			_, err := f.adminCS.CoreV1().PersistentVolumeClaims(ns).Get(ctx, resources.PVCName(n), metav1.GetOptions{})
			return err
		}},
		{"name claim owned by the Deployment", func(n string) error {
			cm, err := f.adminCS.CoreV1().ConfigMaps(ns).Get(ctx, n+resources.NameClaimSuffix, metav1.GetOptions{})
			if err == nil && (len(cm.OwnerReferences) != 1 || cm.OwnerReferences[0].Kind != "Deployment") {
				err = fmt.Errorf("owner references %v, want the Deployment", cm.OwnerReferences)
			}
			return err
		}},
		{"place", func(n string) error {
			leases, err := f.adminCS.CoordinationV1().Leases(ns).List(ctx, metav1.ListOptions{LabelSelector: env.NameSelector(n)})
			if err == nil && len(leases.Items) != 1 {
				err = fmt.Errorf("%d places, want 1", len(leases.Items))
			}
			return err
		}},
	} {
		if err := check.get("rbac-one"); err != nil {
			t.Errorf("createenv made no %s: %v", check.what, err)
		}
	}

	// createenv on a taken name: the Deployment create is refused as AlreadyExists (not
	// Forbidden), so the function can answer 409.
	if _, err := f.clients["createenv"].Create(ctx, f.objects(t, "rbac-one"), 20); !errors.Is(err, kube.ErrExists) {
		t.Errorf("createenv: second Create = %v, want ErrExists", err)
	}

	// listenvs: Deployments, Pods and PodMetrics, in one List.
	snap, err := f.clients["listenvs"].List(ctx, ns, kube.Page{})
	if err != nil {
		t.Fatalf("listenvs: List: %v", err)
	}
	if len(snap.Deployments) != 2 {
		t.Errorf("listenvs: %d environments, want 2", len(snap.Deployments))
	}
	// List tolerates an unavailable metrics API; the permission itself must be there.
	if _, err := f.clients["listenvs"].PodMetrics(ctx, ns, env.Selector()); apierrors.IsForbidden(err) {
		t.Errorf("listenvs: list PodMetrics: %v", err)
	}

	// listenvs: a pod's log (a KWOK pod may have none to give, but the right must be there).
	if len(snap.Pods) > 0 {
		if _, err := f.clients["listenvs"].LogTail(ctx, ns, snap.Pods[0].Name, resources.ContainerName, 5); apierrors.IsForbidden(err) {
			t.Errorf("listenvs: read a pod's log: %v", err)
		}
	}

	// sshgateway: the route to an environment (Deployment, keys' Secret, pods), and a
	// missing one is ErrNotFound, not Forbidden.
	if r, err := f.clients["sshgateway"].Route(ctx, ns, "rbac-one"); err != nil || len(r.AuthorizedKeys) == 0 {
		t.Errorf("sshgateway: Route: %v", err)
	}
	if _, err := f.clients["sshgateway"].Route(ctx, ns, "rbac-missing"); !errors.Is(err, kube.ErrNotFound) {
		t.Errorf("sshgateway: Route of a missing environment: %v, want ErrNotFound", err)
	}
	if len(snap.Pods) > 0 {
		if _, err := f.clients["sshgateway"].LogTail(ctx, ns, snap.Pods[0].Name, resources.ContainerName, 5); apierrors.IsForbidden(err) {
			t.Errorf("sshgateway: read a starting pod's log: %v", err)
		}
	}

	// updateenv and alerthandler: read-modify-write of the Deployment.
	if _, err := f.clients["updateenv"].Update(ctx, ns, "rbac-one", func(d *appsv1.Deployment) (bool, error) {
		return resources.Stop(d, "stopped by rbac test"), nil
	}); err != nil {
		t.Errorf("updateenv: Update: %v", err)
	}
	// updateenv: resize (KWOK pods, so the kubelet's verdict never comes and the admitted size stands).
	if _, err := f.clients["updateenv"].Resize(ctx, ns, "rbac-two", func(res *corev1.ResourceRequirements) (bool, error) {
		return resources.Resize(res, "1500m", "")
	}); err != nil {
		t.Errorf("updateenv: Resize: %v", err)
	}
	// updateenv: a start of the stopped rbac-one (a dry-run pod for admission, then the write).
	if _, err := f.clients["updateenv"].Start(ctx, ns, "rbac-one", func(d *appsv1.Deployment) (bool, error) {
		return resources.Start(d), nil
	}); err != nil {
		t.Errorf("updateenv: Start (a start's dry-run pod): %v", err)
	}
	if _, err := f.clients["alerthandler"].Update(ctx, ns, "rbac-one", func(d *appsv1.Deployment) (bool, error) {
		return resources.Annotate(d, env.MemoryWarningAnnotation, "rbac test"), nil
	}); err != nil {
		t.Errorf("alerthandler: Update: %v", err)
	}

	// reaper: list, annotate, delete (onExpiry: delete).
	if deps, err := f.clients["reaper"].Deployments(ctx, ns, env.Selector()); err != nil || len(deps) != 2 {
		t.Errorf("reaper: Deployments = %d, %v", len(deps), err)
	}
	if _, err := f.clients["reaper"].Update(ctx, ns, "rbac-two", func(d *appsv1.Deployment) (bool, error) {
		return resources.Annotate(d, env.ExpiryWarnedAnnotation, time.Now().UTC().Format(time.RFC3339)), nil
	}); err != nil {
		t.Errorf("reaper: Update: %v", err)
	}
	if err := f.clients["reaper"].Delete(ctx, ns, "rbac-two"); err != nil {
		t.Errorf("reaper: Delete: %v", err)
	}

	// deleteenv: Delete, then again (idempotent: ErrNotFound once the garbage collector is done,
	// never Forbidden).
	if err := f.clients["deleteenv"].Delete(ctx, ns, "rbac-one"); err != nil {
		t.Errorf("deleteenv: Delete: %v", err)
	}
	// Delete gives the place back itself (a failure there is silent, so look).
	if leases, err := f.adminCS.CoordinationV1().Leases(ns).List(ctx, metav1.ListOptions{LabelSelector: env.NameSelector("rbac-one")}); err != nil || len(leases.Items) != 0 {
		t.Errorf("deleteenv: after Delete, rbac-one still holds %d places (%v)", len(leases.Items), err)
	}
	if err := f.clients["deleteenv"].Delete(ctx, ns, "rbac-one"); err != nil && !errors.Is(err, kube.ErrNotFound) {
		t.Errorf("deleteenv: second Delete: %v", err)
	}
}

// TestRBACRefusesTheRest shows requests outside the functions' rights are refused by the
// apiserver, then asks it (SelfSubjectAccessReview with each function's own token) about every
// verb on every resource that matters: exactly wantRights is allowed in the team namespace and
// nothing at all elsewhere or cluster-wide.
func TestRBACRefusesTheRest(t *testing.T) {
	f := newRBACFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	forbidden := func(what string, err error) {
		t.Helper()
		if !apierrors.IsForbidden(err) {
			t.Errorf("%s: got %v, want Forbidden", what, err)
		} else {
			t.Logf("refused as expected: %s", what)
		}
	}
	dep := f.objects(t, "rbac-refused").Deployment
	for fn, cs := range f.clientset {
		_, err := cs.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{})
		forbidden(fn+": list secrets in kube-system", err)
	}
	other := dep.DeepCopy()
	other.Namespace = f.otherNS
	_, err := f.clientset["createenv"].AppsV1().Deployments(f.otherNS).Create(ctx, other, metav1.CreateOptions{})
	forbidden("createenv: create a Deployment in a namespace without a binding", err)
	_, err = f.clientset["createenv"].CoreV1().Secrets(f.teamNS).List(ctx, metav1.ListOptions{})
	forbidden("createenv: read the team's Secrets (it may only create them)", err)
	_, err = f.clientset["listenvs"].AppsV1().Deployments(f.teamNS).Create(ctx, dep, metav1.CreateOptions{})
	forbidden("listenvs: create a Deployment in the team namespace", err)
	_, err = f.clientset["deleteenv"].AppsV1().Deployments(f.teamNS).List(ctx, metav1.ListOptions{})
	forbidden("deleteenv: list Deployments", err)
	_, err = f.clientset["web"].AppsV1().Deployments(f.teamNS).List(ctx, metav1.ListOptions{})
	forbidden("web: list Deployments", err)
	_, err = f.clientset["alertsource"].CoreV1().Pods(f.teamNS).List(ctx, metav1.ListOptions{})
	forbidden("alertsource: list Pods", err)
	_, err = f.clientset["reaper"].CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	forbidden("reaper: list namespaces", err)

	// The matrix. A function with no rights must still be able to ask (system:basic-user).
	review := func(fn string, attrs authorizationv1.ResourceAttributes) bool {
		t.Helper()
		res, err := f.clientset[fn].AuthorizationV1().SelfSubjectAccessReviews().Create(ctx,
			&authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &attrs}},
			metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("%s: SelfSubjectAccessReview: %v", fn, err)
		}
		return res.Status.Allowed
	}
	asked, granted := 0, 0
	for fn := range wantRights {
		for _, key := range probeResources {
			group, resource, sub := splitResource(key)
			for _, verb := range allVerbs {
				want := allowed(fn, key, verb)
				if got := review(fn, authorizationv1.ResourceAttributes{Namespace: f.teamNS, Verb: verb, Group: group, Resource: resource, Subresource: sub}); got != want {
					t.Errorf("%s may %s %s in a team namespace: %v, want %v", fn, verb, key, got, want)
				}
				if review(fn, authorizationv1.ResourceAttributes{Namespace: f.otherNS, Verb: verb, Group: group, Resource: resource, Subresource: sub}) {
					t.Errorf("%s may %s %s in a namespace without a binding", fn, verb, key)
				}
				asked += 2
				if want {
					granted++
				}
			}
		}
		for _, cluster := range []authorizationv1.ResourceAttributes{
			{Verb: "list", Resource: "namespaces"}, {Verb: "create", Resource: "namespaces"},
			{Verb: "create", Group: "scheduling.k8s.io", Resource: "priorityclasses"},
			{Verb: "list", Resource: "nodes"}, {Verb: "list", Group: "apps", Resource: "deployments"},
			{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
		} {
			if review(fn, cluster) {
				t.Errorf("%s may %s %s/%s cluster-wide", fn, cluster.Verb, cluster.Group, cluster.Resource)
			}
			asked++
		}
	}
	t.Logf("asked the apiserver %d access questions; %d grants, all as the chart intends", asked, granted)
}

// TestAdminRoleAppliesTeams: the unbound ClusterRole devenvs-admin is exactly enough for
// `devenvs-admin apply-teams` (kube.Client.ApplyTeams: team namespaces, quotas, NetworkPolicies, PriorityClasses),
// and grants nothing a function has.
func TestAdminRoleAppliesTeams(t *testing.T) {
	f := newRBACFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs := f.adminCS
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "apply-teams", Namespace: f.saNS}}
	if _, err := cs.CoreV1().ServiceAccounts(f.saNS).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "devenvs-admin-test-" + f.suffix},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "devenvs-admin-" + f.suffix},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa.Name, Namespace: f.saNS}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.RbacV1().ClusterRoleBindings().Delete(context.Background(), crb.Name, metav1.DeleteOptions{})
	})
	tok, err := cs.CoreV1().ServiceAccounts(f.saNS).CreateToken(ctx, sa.Name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(600))}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc := rest.AnonymousClientConfig(f.admin)
	rc.BearerToken = tok.Status.Token
	kc, err := kube.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	adminCS, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}

	cfg := config.Default()
	for i := range cfg.Teams {
		ns := "rbac-apply-" + cfg.Teams[i].Name + "-" + f.suffix
		cfg.Teams[i].Namespace = ns
		t.Cleanup(func() { _ = cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	}
	// A fresh binding may take a moment to reach the authorizer: retry refusals briefly.
	var lastErr error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		lastErr = kc.ApplyTeams(ctx, cfg)
		if lastErr == nil || !strings.Contains(lastErr.Error(), "forbidden") || time.Now().After(deadline) {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("ApplyTeams with devenvs-admin's rights: %v", lastErr)
	}
	for _, team := range cfg.Teams {
		for _, name := range []string{resources.QuotaName, resources.EnvironmentsQuotaName} {
			if _, err := cs.CoreV1().ResourceQuotas(team.Namespace).Get(ctx, name, metav1.GetOptions{}); err != nil {
				t.Errorf("ApplyTeams made no quota %s in %s: %v", name, team.Namespace, err)
			}
		}
		// The NetworkPolicies the apiserver stored are the builders' (hack/netpol proves
		// what they mean).
		for _, want := range resources.MakeNetworkPolicies(cfg, &team) {
			got, err := cs.NetworkingV1().NetworkPolicies(team.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
			if err != nil {
				t.Errorf("ApplyTeams made no NetworkPolicy %s in %s: %v", want.Name, team.Namespace, err)
				continue
			}
			if diff := cmp.Diff(want.Spec, got.Spec); diff != "" {
				t.Errorf("NetworkPolicy %s/%s (-builder +cluster):\n%s", team.Namespace, want.Name, diff)
			}
		}
	}
	// Again: idempotent, still within the rights.
	if err := kc.ApplyTeams(ctx, cfg); err != nil {
		t.Errorf("second ApplyTeams: %v", err)
	}
	_, err = adminCS.AppsV1().Deployments(cfg.Teams[0].Namespace).List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("devenvs-admin: list Deployments in a team namespace: %v, want Forbidden", err)
	}
	_, err = adminCS.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("devenvs-admin: list secrets in kube-system: %v, want Forbidden", err)
	}
}

func splitResource(key string) (group, resource, subresource string) {
	parts := strings.SplitN(key, "/", 3)
	group, resource = parts[0], parts[1]
	if len(parts) == 3 {
		subresource = parts[2]
	}
	return group, resource, subresource
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ok() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
