// Command updateenv runs the updateenv function with the func-go runtime, as func's
// scaffolding would; one module builds every function this way.
package main

import (
	"log"

	fhttp "knative.dev/func-go/http"

	"github.com/devenvs/devenvs/functions/updateenv"
)

func main() {
	if err := fhttp.Start(updateenv.New()); err != nil {
		log.Fatal(err)
	}
}
