// Command deleteenv runs the deleteenv function with the func-go runtime, as func's
// scaffolding would; one module builds every function this way.
package main

import (
	"log"

	fhttp "knative.dev/func-go/http"

	"github.com/devenvs/devenvs/functions/deleteenv"
)

func main() {
	if err := fhttp.Start(deleteenv.New()); err != nil {
		log.Fatal(err)
	}
}
