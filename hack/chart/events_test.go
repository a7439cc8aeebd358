package chart

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/devenvs/devenvs/shared/eventfn"
)

// eventFunctions take or send CloudEvents and so hold the shared event secret.
var eventFunctions = []string{"alerthandler", "alertsource", "reaper"}

// TestEventAuthentication is the packaging of issue 14 item 1: the functions that check or
// sign events get the secret from the Secret, the PingSource carries the same secret, and a
// NetworkPolicy admits traffic to the alert handler and the reaper only from Knative's
// namespaces. Checked on config/ and on every rendering check.sh passes.
func TestEventAuthentication(t *testing.T) {
	renderings := extraRenderings(t)
	renderings["config/"] = loadConfigDir(t)
	for name, r := range renderings {
		t.Run(name, func(t *testing.T) {
			for fn, svc := range r.knativeServices(t) {
				var ref *corev1.SecretKeySelector
				for _, e := range svc.Spec.Template.Spec.Containers[0].Env {
					if e.Name == eventfn.TokenVar && e.ValueFrom != nil {
						ref = e.ValueFrom.SecretKeyRef
					}
				}
				want := slices.Contains(eventFunctions, fn)
				if got := ref != nil; got != want {
					t.Errorf("%s: has %s from a Secret: %v, want %v", fn, eventfn.TokenVar, got, want)
				}
				if ref != nil && (ref.Name != "devenvs-events" || ref.Key != "token") {
					t.Errorf("%s: %s from %s/%s, want Secret devenvs-events key token", fn, eventfn.TokenVar, ref.Name, ref.Key)
				}
			}

			var secret corev1.Secret
			r.get(t, "Secret", "devenvs-events").into(t, &secret)
			var ping pingSource
			r.get(t, "PingSource", "reaper").into(t, &ping)
			token := secret.StringData["token"]
			var carried string
			if ping.Spec.CEOverrides != nil {
				carried = ping.Spec.CEOverrides.Extensions[eventfn.TokenExtension]
			}
			if carried != token {
				t.Errorf("PingSource carries %s=%q, want the Secret's token %q", eventfn.TokenExtension, carried, token)
			}

			var np networkingv1.NetworkPolicy
			r.get(t, "NetworkPolicy", "devenvs-event-functions").into(t, &np)
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				t.Fatal(err)
			}
			for _, fn := range []string{"alerthandler", "reaper", "alertsource", "createenv"} {
				selected := sel.Matches(labels.Set{"app.kubernetes.io/name": "devenvs", "app.kubernetes.io/component": fn})
				if want := fn == "alerthandler" || fn == "reaper"; selected != want {
					t.Errorf("NetworkPolicy selects %s: %v, want %v", fn, selected, want)
				}
			}
			if diff := cmp.Diff([]networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, np.Spec.PolicyTypes); diff != "" {
				t.Errorf("policy types (-want +got):\n%s", diff)
			}
			if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].From) != 1 {
				t.Fatalf("ingress %+v, want one rule with one peer", np.Spec.Ingress)
			}
			peer := np.Spec.Ingress[0].From[0]
			if peer.PodSelector != nil || peer.IPBlock != nil || peer.NamespaceSelector == nil {
				t.Fatalf("peer %+v, want namespaces only", peer)
			}
			nsSel, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
			if err != nil {
				t.Fatal(err)
			}
			for ns, want := range map[string]bool{"knative-eventing": true, "knative-serving": true, "devenvs": false, "devenvs-alpha": false, "default": false} {
				if got := nsSel.Matches(labels.Set{"kubernetes.io/metadata.name": ns}); got != want {
					t.Errorf("namespace %s admitted: %v, want %v", ns, got, want)
				}
			}
		})
	}
}
