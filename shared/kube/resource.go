package kube

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
)

// resource is one kind of object in one namespace (or none, for cluster-scoped kinds):
// the handful of verbs devenvs uses, over a REST client, in place of a generated typed
// client (see scheme.go for why).
type resource struct {
	client    rest.Interface
	plural    string
	namespace string
}

func (c *Client) deployments(ns string) resource { return resource{c.apps, "deployments", ns} }
func (c *Client) replicaSets(ns string) resource { return resource{c.apps, "replicasets", ns} }
func (c *Client) pods(ns string) resource        { return resource{c.core, "pods", ns} }
func (c *Client) secrets(ns string) resource     { return resource{c.core, "secrets", ns} }
func (c *Client) services(ns string) resource    { return resource{c.core, "services", ns} }
func (c *Client) claims(ns string) resource {
	return resource{c.core, "persistentvolumeclaims", ns}
}
func (c *Client) podMetrics(ns string) resource { return resource{c.metrics, "pods", ns} }
func (c *Client) configMaps(ns string) resource { return resource{c.core, "configmaps", ns} }
func (c *Client) leases(ns string) resource     { return resource{c.coordination, "leases", ns} }

// at points req at this kind of object (in its namespace, for namespaced kinds).
func (r resource) at(req *rest.Request) *rest.Request {
	return req.NamespaceIfScoped(r.namespace, r.namespace != "").Resource(r.plural)
}

// into may be nil when the answer is not needed: it is then not decoded.
func (r resource) create(ctx context.Context, obj, into runtime.Object, opts metav1.CreateOptions) error {
	return decode(r.at(r.client.Post()).VersionedParams(&opts, parameterCodec).Body(obj).Do(ctx), into)
}

func (r resource) get(ctx context.Context, name string, into runtime.Object) error {
	return r.at(r.client.Get()).Name(name).Do(ctx).Into(into)
}

func (r resource) list(ctx context.Context, opts metav1.ListOptions, into runtime.Object) error {
	return r.at(r.client.Get()).VersionedParams(&opts, parameterCodec).Do(ctx).Into(into)
}

func (r resource) update(ctx context.Context, name string, obj, into runtime.Object) error {
	return r.at(r.client.Put()).Name(name).Body(obj).Do(ctx).Into(into)
}

func (r resource) delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	return r.at(r.client.Delete()).Name(name).Body(&opts).Do(ctx).Error()
}

func (r resource) deleteCollection(ctx context.Context, opts metav1.DeleteOptions, list metav1.ListOptions) error {
	return r.at(r.client.Delete()).VersionedParams(&list, parameterCodec).Body(&opts).Do(ctx).Error()
}

func (r resource) patch(ctx context.Context, name string, pt types.PatchType, data []byte) error {
	return r.at(r.client.Patch(pt)).Name(name).Body(data).Do(ctx).Error()
}

func (r resource) apply(ctx context.Context, name string, data []byte, opts metav1.PatchOptions) error {
	return r.at(r.client.Patch(types.ApplyPatchType)).Name(name).VersionedParams(&opts, parameterCodec).
		Body(data).Do(ctx).Error()
}

func decode(res rest.Result, into runtime.Object) error {
	if into == nil {
		return res.Error()
	}
	return res.Into(into)
}
