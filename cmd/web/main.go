// Command web runs the root file function (the UI) with the func-go runtime.
package main

import (
	"log"

	fhttp "knative.dev/func-go/http"

	function "github.com/devenvs/devenvs"
)

func main() {
	if err := fhttp.Start(function.New()); err != nil {
		log.Fatal(err)
	}
}
