package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// DefaultCABundle is Debian's bundle; the functions need it for OIDC issuers and any TLS
// Redis, and an empty base has none.
const DefaultCABundle = "/etc/ssl/certs/ca-certificates.crt"

// nonRoot is the user the functions run as (the distroless "nonroot" uid).
const nonRoot = "65532:65532"

// Builder builds function images from a module's cmd/<name> packages.
type Builder struct {
	Module    string
	Platforms []string
	CABundle  string
}

// Result describes one written image.
type Result struct {
	Path  string
	Sizes map[string]int64 // compressed layer bytes per platform
}

// Summary is a one-line description of the sizes.
func (r Result) Summary() string {
	var parts []string
	for p, n := range r.Sizes {
		parts = append(parts, fmt.Sprintf("%s %.1f MiB", p, float64(n)/(1<<20)))
	}
	return strings.Join(parts, ", ")
}

// Build compiles cmd/<name> for each platform and writes an OCI layout at out/<name> whose
// index.json points at one image index with a manifest per platform.
func (b Builder) Build(name, out string) (Result, error) {
	ca, err := os.ReadFile(b.CABundle)
	if err != nil {
		return Result{}, fmt.Errorf("CA bundle: %w (install ca-certificates)", err)
	}
	res := Result{Path: filepath.Join(out, name), Sizes: map[string]int64{}}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range b.Platforms {
		plat, err := v1.ParsePlatform(p)
		if err != nil {
			return res, fmt.Errorf("platform %q: %w", p, err)
		}
		img, size, err := b.image(name, plat, ca)
		if err != nil {
			return res, err
		}
		res.Sizes[p] = size
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: plat}})
	}
	if err := os.RemoveAll(res.Path); err != nil {
		return res, err
	}
	lp, err := layout.Write(res.Path, empty.Index)
	if err != nil {
		return res, fmt.Errorf("write layout: %w", err)
	}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": name})); err != nil {
		return res, fmt.Errorf("write %s index: %w", name, err)
	}
	return res, nil
}

// image builds one platform's image: a single layer holding the static binary and the CA
// bundle, with a fixed creation time so rebuilding the same source gives the same digest.
func (b Builder) image(name string, plat *v1.Platform, ca []byte) (v1.Image, int64, error) {
	bin, err := b.compile(name, plat)
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		path string
		mode int64
		data []byte
	}{
		{"etc/ssl/certs/ca-certificates.crt", 0o644, ca},
		{"usr/local/bin/" + name, 0o755, bin},
	}
	for _, f := range files {
		hdr := &tar.Header{Name: f.path, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, 0, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, 0, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, 0, err
	}
	data := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, 0, fmt.Errorf("layer: %w", err)
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, 0, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, 0, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant = plat.OS, plat.Architecture, plat.Variant
	cfg.Config.Entrypoint = []string{"/usr/local/bin/" + name}
	cfg.Config.User = nonRoot
	cfg.Config.Env = []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}
	cfg.Config.Labels = map[string]string{"org.opencontainers.image.title": "devenvs " + name}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, 0, err
	}
	size, err := layer.Size()
	return img, size, err
}

// compile builds cmd/<name> as a static, stripped binary for the platform.
func (b Builder) compile(name string, plat *v1.Platform) ([]byte, error) {
	dir, err := os.MkdirTemp("", "devenvs-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/"+name)
	cmd.Dir = b.Module
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+plat.OS, "GOARCH="+plat.Architecture)
	if plat.Architecture == "arm" && plat.Variant != "" {
		cmd.Env = append(cmd.Env, "GOARM="+strings.TrimPrefix(plat.Variant, "v"))
	}
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/%s for %s: %w\n%s", name, plat, err, msg)
	}
	return os.ReadFile(out)
}
