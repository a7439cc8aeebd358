// Command reaper runs the reaper with the func-go HTTP runtime, as func's scaffolding would.
// The function decodes CloudEvents itself (eventfn.Handler) rather than through func-go's
// CloudEvents runtime, whose SDK receiver can wedge when a request is cancelled mid-flight.
package main

import (
	"log"

	fhttp "knative.dev/func-go/http"

	"github.com/devenvs/devenvs/functions/reaper"
)

func main() {
	if err := fhttp.Start(reaper.New()); err != nil {
		log.Fatal(err)
	}
}
