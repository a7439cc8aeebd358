// Package function is the root file function: it serves the UI from web/ (embedded in the
// binary) and /config.json, which tells the page where the other functions are and what
// the configuration offers (teams, pools, priorities, defaults). The browser then calls
// the functions directly, with CORS.
package function

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/lifecycle"
)

//go:embed web
var webFS embed.FS

// FunctionURLsVar lists the other functions' public URLs: "createenv=https://...,listenvs=...".
const FunctionURLsVar = "DEVENVS_FUNCTION_URLS"

// Function is a func-go instanced function. It uses the lifecycle, the configuration and
// httpx alone, so the UI's binary links no Kubernetes, Redis or OIDC client.
type Function struct {
	lifecycle.Function
	files  map[string]file
	config []byte
	csp    string
}

type file struct {
	body        []byte
	contentType string
	etag        string
}

// New is called by the func-go runtime.
func New() *Function { return &Function{} }

// Start reads the embedded files once (so each request is a map lookup) and renders
// /config.json and the Content-Security-Policy from the configuration, then publishes the
// handler: nothing a request reads changes after.
func (f *Function) Start(_ context.Context, settings map[string]string) error {
	urls, err := parseFunctionURLs(settings[FunctionURLsVar])
	if err != nil {
		return err
	}
	cfg, err := config.FromSettings(settings)
	if err != nil {
		return err
	}
	if f.files, err = loadFiles(); err != nil {
		return err
	}
	gateway, err := sshGatewayOf(cfg)
	if err != nil {
		return err
	}
	doc := configDocument{Functions: urls, Catalog: catalogOf(cfg), SSHGateway: gateway}
	if si := cfg.SignIn; si != (config.SignIn{}) {
		doc.SignIn = &si
	}
	if doc.OIDC, err = oidcSignInOf(settings, cfg.SignIn); err != nil {
		return err
	}
	if f.config, err = json.Marshal(doc); err != nil {
		return fmt.Errorf("encode config.json: %w", err)
	}
	connect := []string{}
	for _, u := range urls {
		connect = append(connect, u)
	}
	if doc.OIDC != nil {
		connect = append(connect, doc.OIDC.Issuer) // discovery and the token endpoint
	}
	f.csp = contentSecurityPolicy(connect)
	logger, reg := httpx.NewLogger(), httpx.NewRegistry()
	mux := http.NewServeMux()
	mux.Handle("/metrics", httpx.MetricsHandler(reg))
	mux.Handle("/", httpx.AllowMethods(http.HandlerFunc(f.serve), http.MethodGet, http.MethodHead))
	f.Publish(httpx.Chain(mux, httpx.Options{Logger: logger, AllowedOrigins: httpx.OriginsFromSettings(settings), AllowedMethods: []string{http.MethodGet, http.MethodHead}, Metrics: reg}), nil)
	return nil
}

func (f *Function) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", f.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if r.URL.Path == "/config.json" {
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(f.config)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	file, ok := f.files[name]
	if !ok {
		httpx.WriteError(w, r, http.StatusNotFound, fmt.Errorf("%s not found", r.URL.Path))
		return
	}
	// The files change only with a new image, so let the browser keep them but always
	// revalidate: a deploy is visible at once and an unchanged file costs a 304.
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", file.etag)
	h.Set("Content-Type", file.contentType)
	if r.Header.Get("If-None-Match") == file.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(file.body)
}

// contentTypes names the types of the kinds of file web/ holds. It replaces mime's table,
// whose first use reads the image's /etc/mime.types: 2 ms of a cold start, and a type that
// changed with the base image (docs/PERFORMANCE.md, "Cold start of the UI").
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".md":   "text/markdown; charset=utf-8",
}

func loadFiles() (map[string]file, error) {
	files := map[string]file{}
	err := fs.WalkDir(webFS, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := webFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			ct = http.DetectContentType(body)
		}
		files[strings.TrimPrefix(p, "web/")] = file{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read embedded web/: %w", err)
	}
	return files, nil
}

// parseFunctionURLs reads "name=url,name=url"; each URL must be absolute http(s).
func parseFunctionURLs(raw string) (map[string]string, error) {
	urls := map[string]string{}
	for _, pair := range strings.Split(raw, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		name, value, ok := strings.Cut(pair, "=")
		u, err := url.Parse(value)
		if !ok || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%s: %q is not name=http(s)://host", FunctionURLsVar, pair)
		}
		urls[name] = strings.TrimSuffix(value, "/")
	}
	for _, need := range []string{"createenv", "listenvs", "deleteenv", "updateenv"} {
		if urls[need] == "" {
			return nil, fmt.Errorf("%s lacks the URL of %s", FunctionURLsVar, need)
		}
	}
	return urls, nil
}

// contentSecurityPolicy allows only this origin's files and calls to the origins of urls
// (the functions and, with OIDC sign-in, the issuer).
func contentSecurityPolicy(urls []string) string {
	origins := map[string]bool{}
	for _, v := range urls {
		origins[origin(v)] = true
	}
	connect := []string{"'self'"}
	for o := range origins {
		connect = append(connect, o)
	}
	sort.Strings(connect[1:])
	return "default-src 'self'; connect-src " + strings.Join(connect, " ") +
		"; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}
