// Command alerthandler runs the alert handler with the func-go CloudEvents runtime, as
// func's scaffolding would.
package main

import (
	"log"

	fce "knative.dev/func-go/cloudevents"

	"github.com/devenvs/devenvs/functions/alerthandler"
)

func main() {
	if err := fce.Start(alerthandler.New()); err != nil {
		log.Fatal(err)
	}
}
