// Command emptyfn is the cold-start baseline of `make bench`: the smallest func-go HTTP
// function, an instanced function whose Handle answers 200, built exactly like the real ones.
package main

import (
	"log"
	"net/http"

	fhttp "knative.dev/func-go/http"
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
