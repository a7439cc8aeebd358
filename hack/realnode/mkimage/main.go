// Command mkimage writes a container image as a docker-archive tarball that
// `ctr images import` loads into the real test node's containerd. No registry is reachable
// here, so every image the node runs is made locally: from a root filesystem tarball (the
// Debian base made with debootstrap, the pause and busybox images) or from one platform of
// an OCI image layout written by `make images` (the functions).
//
//	mkimage -rootfs rootfs.tar -tag debian:bookworm -cmd /bin/bash -out debian.tar
//	mkimage -layout _output/images/web -platform linux/amd64 -tag devenvs/web:dev -out web.tar
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	rootfs := flag.String("rootfs", "", "uncompressed tars of the image's root filesystem, comma-separated, one layer each")
	dir := flag.String("layout", "", "an OCI image layout holding an image index")
	platform := flag.String("platform", "linux/amd64", "the platform to take from -layout")
	tag := flag.String("tag", "", "the image reference to record, e.g. debian:bookworm")
	cmd := flag.String("cmd", "", "the image's command (space-separated), for -rootfs images")
	out := flag.String("out", "", "the docker-archive tarball to write")
	flag.Parse()
	if err := run(*rootfs, *dir, *platform, *tag, *cmd, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(rootfs, dir, platform, tag, cmd, out string) error {
	if tag == "" || out == "" || (rootfs == "") == (dir == "") {
		return errors.New("need -tag, -out and exactly one of -rootfs or -layout")
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("tag %q: %w", tag, err)
	}
	var img v1.Image
	if rootfs != "" {
		img, err = fromRootFS(rootfs, cmd)
	} else {
		img, err = fromLayout(dir, platform)
	}
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(out, ref, img); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}

func fromRootFS(paths, cmd string) (v1.Image, error) {
	var layers []v1.Layer
	for _, path := range strings.Split(paths, ",") {
		layer, err := tarball.LayerFromFile(path)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", path, err)
		}
		layers = append(layers, layer)
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, fmt.Errorf("append layers: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if cmd != "" {
		cf.Config.Cmd = strings.Fields(cmd)
	}
	return mutate.ConfigFile(img, cf)
}

func fromLayout(dir, platform string) (v1.Image, error) {
	want, err := v1.ParsePlatform(platform)
	if err != nil {
		return nil, fmt.Errorf("platform %q: %w", platform, err)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("layout %s: %w", dir, err)
	}
	outer, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("layout %s: %w", dir, err)
	}
	// `make images` writes index.json -> one image index -> a manifest per platform.
	om, err := outer.IndexManifest()
	if err != nil || len(om.Manifests) != 1 {
		return nil, fmt.Errorf("layout %s: want one image index in index.json (%v)", dir, err)
	}
	idx, err := outer.ImageIndex(om.Manifests[0].Digest)
	if err != nil {
		return nil, fmt.Errorf("layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		if d.Platform != nil && d.Platform.Satisfies(*want) {
			return idx.Image(d.Digest)
		}
	}
	return nil, fmt.Errorf("layout %s has no %s image", dir, platform)
}
