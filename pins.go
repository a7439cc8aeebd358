//go:build pins

// This file is never built. It keeps the pinned versions of the packages the design names in
// go.mod while the code that uses them is still being written, so `go mod tidy` cannot drop
// a pin and a later build cannot silently pick a newer version.
package function

import (
	_ "github.com/cloudevents/sdk-go/v2"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/prometheus/alertmanager/template"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/sirupsen/logrus"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/metrics/pkg/client/clientset/versioned"
	_ "knative.dev/func-go/http"
	_ "knative.dev/pkg/apis"
	_ "sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	_ "sigs.k8s.io/yaml"
)
