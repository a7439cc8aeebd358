// Command alertsource runs the Alertmanager event source under the func-go HTTP runtime, the
// same main func's scaffolding generates, so the root module can build it with go build or ko.
package main

import (
	"log"

	fhttp "knative.dev/func-go/http"

	"github.com/devenvs/devenvs/functions/alertsource"
)

func main() {
	if err := fhttp.Start(alertsource.New()); err != nil {
		log.Fatal(err)
	}
}
