package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// TestBuildWritesAMultiArchLayout builds the web function for two platforms and reads the
// result back as any OCI tool would: one index with a manifest per platform, each image
// running the static binary as a non-root user.
func TestBuildWritesAMultiArchLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles a function twice")
	}
	out := t.TempDir()
	b := Builder{Module: "../..", Platforms: []string{"linux/amd64", "linux/arm64"}, CABundle: DefaultCABundle}
	if _, err := b.Build("web", out); err != nil {
		t.Fatal(err)
	}
	lp, err := layout.FromPath(out + "/web")
	if err != nil {
		t.Fatal(err)
	}
	top, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	topManifest, err := top.IndexManifest()
	if err != nil || len(topManifest.Manifests) != 1 {
		t.Fatalf("index.json = %+v, %v; want one entry (the image index)", topManifest, err)
	}
	idx, err := top.ImageIndex(topManifest.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, m := range im.Manifests {
		platforms = append(platforms, m.Platform.String())
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Architecture != m.Platform.Architecture || cfg.Config.User != nonRoot ||
			!cmp.Equal(cfg.Config.Entrypoint, []string{"/usr/local/bin/web"}) {
			t.Errorf("%s config: arch %s user %q entrypoint %v", m.Platform, cfg.Architecture, cfg.Config.User, cfg.Config.Entrypoint)
		}
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("%s: %d layers, %v; want 1", m.Platform, len(layers), err)
		}
		bin := fileInLayer(t, layers[0], "usr/local/bin/web")
		f, err := elf.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatalf("%s: binary is not ELF: %v", m.Platform, err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: binary is dynamically linked", m.Platform)
			}
		}
		if want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[m.Platform.Architecture]; f.Machine != want {
			t.Errorf("%s: ELF machine %v", m.Platform, f.Machine)
		}
	}
	if diff := cmp.Diff([]string{"linux/amd64", "linux/arm64"}, platforms); diff != "" {
		t.Errorf("platforms (-want +got):\n%s", diff)
	}
}

func fileInLayer(t *testing.T, layer interface{ Uncompressed() (io.ReadCloser, error) }, name string) []byte {
	t.Helper()
	rc, err := layer.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in layer: %v", name, err)
		}
		if hdr.Name == name {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
}
