// Command floorfn is the second cold-start baseline of `make bench`: the empty function
// (emptyfn) linking the libraries DESIGN.md names for the functions, and nothing of ours.
// Their package initialisation is a cost no function can avoid, so a function's start is
// read against this floor as well as against the empty function.
package main

import (
	"log"
	"net/http"

	fhttp "knative.dev/func-go/http"

	// The design's libraries, as the functions import them.
	_ "github.com/cloudevents/sdk-go/v2/protocol/http"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/sirupsen/logrus"
	_ "k8s.io/api/apps/v1"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/client-go/rest"
	_ "k8s.io/client-go/tools/clientcmd"
	_ "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	_ "knative.dev/pkg/apis"
)

// Function is a func-go instanced function with nothing to start.
type Function struct{}

// Handle answers every request with 200.
func (Function) Handle(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }

func main() {
	if err := fhttp.Start(Function{}); err != nil {
		log.Fatal(err)
	}
}
