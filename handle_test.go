package function

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testURLs = "createenv=http://127.0.0.1:8081,listenvs=http://127.0.0.1:8082,deleteenv=http://127.0.0.1:8083,updateenv=http://127.0.0.1:8084/"

func startWeb(t *testing.T) *httptest.Server {
	t.Helper()
	f := New()
	if err := f.Start(context.Background(), map[string]string{FunctionURLsVar: testURLs}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(f.Handle))
	t.Cleanup(srv.Close)
	return srv
}

func TestServesFilesWithHeaders(t *testing.T) {
	srv := startWeb(t)
	tests := []struct {
		path, method string
		wantStatus   int
		wantType     string
	}{
		{"/", http.MethodGet, 200, "text/html; charset=utf-8"},
		{"/index.html", http.MethodGet, 200, "text/html; charset=utf-8"},
		{"/app.js", http.MethodGet, 200, "text/javascript; charset=utf-8"},
		{"/app.css", http.MethodGet, 200, "text/css; charset=utf-8"},
		{"/favicon.svg", http.MethodGet, 200, "image/svg+xml"},
		{"/README.md", http.MethodGet, 200, "text/markdown; charset=utf-8"},
		{"/config.json", http.MethodGet, 200, "application/json; charset=utf-8"},
		{"/app.js", http.MethodHead, 200, "text/javascript; charset=utf-8"},
		{"/../handle.go", http.MethodGet, 404, "application/json; charset=utf-8"},
		{"/missing.js", http.MethodGet, 404, "application/json; charset=utf-8"},
		{"/", http.MethodPost, 405, "application/json; charset=utf-8"},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.wantStatus || resp.Header.Get("Content-Type") != tc.wantType {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.wantStatus, tc.wantType)
		}
		if tc.wantStatus == 200 {
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "connect-src 'self' http://127.0.0.1:8081 http://127.0.0.1:8082") || !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("%s: CSP %q", tc.path, csp)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: no nosniff", tc.path)
			}
		}
	}
}

// Every kind of file in web/ has its type in contentTypes: sniffing would serve a new kind
// (say .mjs) as text/plain, which a browser refuses to run under nosniff.
func TestEveryEmbeddedFileHasAContentType(t *testing.T) {
	err := fs.WalkDir(webFS, "web", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if _, ok := contentTypes[path.Ext(p)]; !ok {
				t.Errorf("%s: no entry for %q in contentTypes", p, path.Ext(p))
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestETagRevalidation(t *testing.T) {
	srv := startWeb(t)
	resp, err := http.Get(srv.URL + "/app.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q Cache-Control %q", etag, resp.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: status %d, want 304", resp.StatusCode)
	}
}

func TestConfigDocument(t *testing.T) {
	srv := startWeb(t)
	resp, err := http.Get(srv.URL + "/config.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc configDocument
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Functions["updateenv"] != "http://127.0.0.1:8084" {
		t.Errorf("functions = %v (trailing slash should be trimmed)", doc.Functions)
	}
	if len(doc.Catalog.Teams) != 2 || len(doc.Catalog.Pools) != 4 || doc.Catalog.Defaults.Pool != "cpu-small" {
		t.Errorf("catalog = %+v", doc.Catalog)
	}
}

// TestConfigDocumentSSHGateway: with a gateway configured (here as make dev does, through
// the environment), /config.json carries its address and known_hosts line; without, nothing.
func TestConfigDocumentSSHGateway(t *testing.T) {
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL1Yev+bk2DU7ob+1kYnux2JyteL8keLmsHcFe9Q1ylG"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want *sshGateway
	}{
		{name: "none", env: map[string]string{}},
		{name: "make dev", env: map[string]string{"DEVENVS_SSH_GATEWAY_HOST": "127.0.0.1", "DEVENVS_SSH_GATEWAY_PORT": "2222", "DEVENVS_SSH_GATEWAY_PUBLIC_KEY": key},
			want: &sshGateway{Address: "127.0.0.1:2222", KnownHosts: "[127.0.0.1]:2222 " + key}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := New()
			tc.env[FunctionURLsVar] = testURLs
			if err := f.Start(context.Background(), tc.env); err != nil {
				t.Fatal(err)
			}
			var doc configDocument
			if err := json.Unmarshal(f.config, &doc); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, doc.SSHGateway); diff != "" {
				t.Errorf("sshGateway (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFunctionURLs(t *testing.T) {
	for raw, wantErr := range map[string]bool{
		testURLs: false,
		"":       true,
		"createenv=ftp://x,listenvs=http://a,deleteenv=http://a,updateenv=http://a": true,
		"createenv,listenvs=http://a,deleteenv=http://a,updateenv=http://a":         true,
		"listenvs=http://a,deleteenv=http://a,updateenv=http://a":                   true,
	} {
		if _, err := parseFunctionURLs(raw); (err != nil) != wantErr {
			t.Errorf("parseFunctionURLs(%q) error = %v, want error %v", raw, err, wantErr)
		}
	}
}
