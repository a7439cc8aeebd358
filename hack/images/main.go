// Command images builds every function into a multi-arch OCI image without Docker or a
// registry: each binary is compiled static (CGO_ENABLED=0) per platform, put on an empty base
// with the CA bundle, and written with go-containerregistry (the library ko is built on) to
// an OCI image layout that `crane push`, `skopeo copy oci:...` or `ko` can publish.
//
//	go run ./hack/images [-out _output/images] [-platforms linux/amd64,linux/arm64] [name ...]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// Images are what the chart deploys, one per cmd/<name>: the functions and the SSH gateway.
var Images = []string{"web", "createenv", "listenvs", "deleteenv", "updateenv", "alertsource", "alerthandler", "reaper", "sshgateway"}

func main() {
	out := flag.String("out", "_output/images", "directory for one OCI image layout per function")
	platforms := flag.String("platforms", "linux/amd64,linux/arm64", "comma-separated os/arch list")
	flag.Parse()
	names := flag.Args()
	if len(names) == 0 {
		names = Images
	}
	b := Builder{Module: ".", Platforms: strings.Split(*platforms, ","), CABundle: DefaultCABundle}
	for _, name := range names {
		res, err := b.Build(name, *out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "images:", err)
			os.Exit(1)
		}
		fmt.Printf("%-13s %s  %s\n", name, res.Path, res.Summary())
	}
}
