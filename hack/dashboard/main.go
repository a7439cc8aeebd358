// Command dashboard writes the devenvs Grafana dashboard (Build) as the JSON the chart ships,
// charts/devenvs/files/devenvs-dashboard.json:
//
//	cd hack/dashboard && GOWORK=off go run . [-o PATH]
//
// It is a module of its own (outside the repo's go.work) so that the Grafana Foundation SDK
// stays out of the product's go.mod. dashboard_test.go fails when the committed JSON differs
// from what Build makes, and reads it back through the SDK's strict decoder.
package main

import (
	"flag"
	"fmt"
	"os"
)

// DefaultOut is where the chart reads the dashboard, relative to this directory.
const DefaultOut = "../../charts/devenvs/files/devenvs-dashboard.json"

func main() {
	out := flag.String("o", DefaultOut, "file to write the dashboard JSON to")
	flag.Parse()
	data, err := Render()
	if err == nil {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}
