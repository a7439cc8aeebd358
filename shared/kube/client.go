// Package kube is the functions' one door to Kubernetes: it creates, lists, changes and
// deletes an environment's objects and reads their metrics. It is built for functions that
// scale to zero: no informers, no discovery, no generated clientset (see scheme.go),
// protobuf on the wire, a fixed number of namespaced, label-selected calls per operation.
package kube

import (
	"fmt"
	"net/http"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

const protobuf = "application/vnd.kubernetes.protobuf"

// Client holds one REST client per API group an environment touches; they share one HTTP
// client, so one connection pool (one HTTP/2 connection to the apiserver).
type Client struct {
	core rest.Interface // pods, secrets, services, claims; namespaces and quotas for ApplyTeams
	apps rest.Interface // deployments
	// leases: the places that count a team's environments (resources.MakePlace)
	coordination rest.Interface
	scheduling   rest.Interface // priority classes, for ApplyTeams
	networking   rest.Interface // team NetworkPolicies, for ApplyTeams
	metrics      rest.Interface // pod metrics (an aggregated API)
}

// RESTConfig loads the in-cluster config when running in a pod, else the kubeconfig at path
// (or $KUBECONFIG when path is empty).
func RESTConfig(path string) (*rest.Config, error) {
	if path == "" && os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("in-cluster config: %w", err)
		}
		return cfg, nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if path != "" {
		rules.ExplicitPath = path
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	return cfg, nil
}

// New builds the clients. Constructing them makes no API call, so a cold start stays cheap.
func New(cfg *rest.Config) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	// No client-side rate limit: the apiserver's Priority and Fairness and Knative's
	// concurrency bound the load (docs/PERFORMANCE.md, "Kubernetes client").
	if cfg.QPS == 0 && cfg.RateLimiter == nil {
		cfg.QPS = -1
	}
	cfg.UserAgent = "devenvs"
	// Compression stays on: large lists are faster gzipped (docs/PERFORMANCE.md, "Kubernetes client").
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes HTTP client: %w", err)
	}
	c := &Client{}
	for _, g := range []struct {
		into        *rest.Interface
		apiPath     string
		gv          schema.GroupVersion
		contentType string
	}{
		// Protobuf is several times cheaper to decode than JSON for large pod and
		// deployment lists.
		{&c.core, "/api", corev1.SchemeGroupVersion, protobuf},
		{&c.apps, "/apis", appsv1.SchemeGroupVersion, protobuf},
		{&c.coordination, "/apis", coordinationv1.SchemeGroupVersion, protobuf},
		// Server-side apply bodies are JSON whatever the content type says.
		{&c.scheduling, "/apis", schedulingv1.SchemeGroupVersion, protobuf},
		{&c.networking, "/apis", networkingv1.SchemeGroupVersion, protobuf},
		// metrics-server serves protobuf too (its types have generated protobuf code);
		// asking for it with JSON as the fallback keeps working with an adapter that
		// only speaks JSON. Its requests carry no body.
		{&c.metrics, "/apis", metricsv1beta1.SchemeGroupVersion, "application/json"},
	} {
		if *g.into, err = restClient(cfg, hc, g.apiPath, g.gv, g.contentType); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func restClient(base *rest.Config, hc *http.Client, apiPath string, gv schema.GroupVersion, contentType string) (rest.Interface, error) {
	cfg := rest.CopyConfig(base)
	cfg.APIPath = apiPath
	cfg.GroupVersion = &gv
	cfg.NegotiatedSerializer = codecs.WithoutConversion()
	cfg.AcceptContentTypes = protobuf + ",application/json"
	cfg.ContentType = contentType
	rc, err := rest.RESTClientForConfigAndClient(cfg, hc)
	if err != nil {
		return nil, fmt.Errorf("%s client: %w", gv, err)
	}
	return rc, nil
}
