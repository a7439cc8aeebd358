// Command reaper runs the reaper with the func-go CloudEvents runtime, as
// func's scaffolding would.
package main

import (
	"log"

	fce "knative.dev/func-go/cloudevents"

	"github.com/devenvs/devenvs/functions/reaper"
)

func main() {
	if err := fce.Start(reaper.New()); err != nil {
		log.Fatal(err)
	}
}
