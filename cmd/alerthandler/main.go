// Command alerthandler runs the alert handler with the func-go HTTP runtime, as func's
// scaffolding would. The function decodes CloudEvents itself (eventfn.Handler) rather than
// through func-go's CloudEvents runtime, whose SDK receiver can wedge when a request is
// cancelled mid-flight.
package main

import (
	"log"

	fhttp "knative.dev/func-go/http"

	"github.com/devenvs/devenvs/functions/alerthandler"
)

func main() {
	if err := fhttp.Start(alerthandler.New()); err != nil {
		log.Fatal(err)
	}
}
