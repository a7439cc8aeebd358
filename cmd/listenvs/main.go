// Command listenvs runs the listenvs function with the func-go runtime, as func's
// scaffolding would; one module builds every function this way.
package main

import (
	"log"

	fhttp "knative.dev/func-go/http"

	"github.com/devenvs/devenvs/functions/listenvs"
)

func main() {
	if err := fhttp.Start(listenvs.New()); err != nil {
		log.Fatal(err)
	}
}
