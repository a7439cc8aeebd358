package kube

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/resources"
)

// Route is what the SSH gateway needs to reach one environment: its Deployment (for the
// status), its pods (for the address) and its authorized keys.
type Route struct {
	Deployment     *appsv1.Deployment
	Pods           []corev1.Pod
	AuthorizedKeys []byte
}

// Route reads an environment's route in one round trip (three calls at once): get the
// Deployment, get the keys' Secret, list the pods by label. These are the gateway's only
// rights: get deployments and secrets, list pods, in team namespaces. ErrNotFound when the
// Deployment does not exist; a missing Secret means no keys.
func (c *Client) Route(ctx context.Context, ns, name string) (*Route, error) {
	var (
		d      appsv1.Deployment
		secret corev1.Secret
		pods   corev1.PodList
	)
	secretFound := true
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return c.deployments(ns).get(gctx, name, &d) })
	g.Go(func() error {
		err := c.secrets(ns).get(gctx, resources.SecretName(name), &secret)
		if apierrors.IsNotFound(err) {
			secretFound = false
			return nil
		}
		return err
	})
	g.Go(func() error {
		return c.pods(ns).list(gctx, metav1.ListOptions{LabelSelector: env.NameSelector(name)}, &pods)
	})
	if err := g.Wait(); apierrors.IsNotFound(err) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("route to %s/%s: %w", ns, name, err)
	}
	r := &Route{Deployment: &d, Pods: pods.Items}
	if secretFound {
		r.AuthorizedKeys = secret.Data[resources.AuthorizedKeysKey]
	}
	return r, nil
}
