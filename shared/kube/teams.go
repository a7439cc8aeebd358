package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/resources"
)

// FieldManager names devenvs in server-side apply, so its fields are distinguishable from a
// platform team's own edits.
const FieldManager = "devenvs"

// ApplyTeams makes the cluster match the configuration's teams: one namespace, ResourceQuota
// and pair of NetworkPolicies per team and one PriorityClass per priority. It uses server-side apply, so
// running it again is harmless and changed quotas take effect.
func (c *Client) ApplyTeams(ctx context.Context, cfg *config.Config) error {
	classes := resource{c.scheduling, "priorityclasses", ""}
	for _, pc := range resources.MakePriorityClasses(cfg) {
		pc.TypeMeta = metav1.TypeMeta{APIVersion: schedulingv1.SchemeGroupVersion.String(), Kind: "PriorityClass"}
		apply := func() error {
			return c.apply(ctx, pc.Name, &pc, func(name string, data []byte, opts metav1.PatchOptions) error {
				return classes.apply(ctx, name, data, opts)
			})
		}
		err := apply()
		if err != nil && apierrors.IsInvalid(err) && strings.Contains(err.Error(), "field is immutable") {
			// A PriorityClass's value and preemptionPolicy cannot change in place (e.g. from
			// an earlier version, where every class preempted): replace it. Pods that exist
			// keep the priority they were admitted with; a pod created in the instant
			// between delete and create is refused and retried by its controller.
			if derr := classes.delete(ctx, pc.Name, metav1.DeleteOptions{}); derr != nil && !apierrors.IsNotFound(derr) {
				return fmt.Errorf("replace PriorityClass %s: %w", pc.Name, derr)
			}
			err = apply()
		}
		if err != nil {
			return err
		}
	}
	for i := range cfg.Teams {
		team := &cfg.Teams[i]
		ns := resources.MakeNamespace(team)
		ns.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}
		if err := c.apply(ctx, ns.Name, ns, func(name string, data []byte, opts metav1.PatchOptions) error {
			return resource{c.core, "namespaces", ""}.apply(ctx, name, data, opts)
		}); err != nil {
			return err
		}
		for _, np := range resources.MakeNetworkPolicies(cfg, team) {
			np.TypeMeta = metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "NetworkPolicy"}
			if err := c.apply(ctx, np.Namespace+"/"+np.Name, &np, func(_ string, data []byte, opts metav1.PatchOptions) error {
				return resource{c.networking, "networkpolicies", np.Namespace}.apply(ctx, np.Name, data, opts)
			}); err != nil {
				return err
			}
		}
		// The places quota first: it is what makes the environment limit exact.
		for _, q := range []*corev1.ResourceQuota{resources.MakeEnvironmentsQuota(team), resources.MakeResourceQuota(team)} {
			if q == nil {
				continue
			}
			q.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"}
			if err := c.apply(ctx, q.Namespace+"/"+q.Name, q, func(_ string, data []byte, opts metav1.PatchOptions) error {
				return resource{c.core, "resourcequotas", q.Namespace}.apply(ctx, q.Name, data, opts)
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *Client) apply(_ context.Context, name string, obj any, patch func(string, []byte, metav1.PatchOptions) error) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	if err := patch(name, data, metav1.PatchOptions{FieldManager: FieldManager, Force: new(true)}); err != nil {
		return fmt.Errorf("apply %T %s: %w", obj, name, err)
	}
	return nil
}
