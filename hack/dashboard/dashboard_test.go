package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func init() {
	// Panels' options and queries decode to their plugin's types only once registered.
	plugins.RegisterDefaultPlugins()
}

func committed(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(DefaultOut)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCommittedDashboardIsGenerated fails when the chart's JSON is not what Build makes: edit
// dashboard.go and run `go run .` here, never the JSON.
func TestCommittedDashboardIsGenerated(t *testing.T) {
	want, err := Render()
	if err != nil {
		t.Fatal(err)
	}
	if got := committed(t); !bytes.Equal(got, want) {
		t.Fatalf("%s is not what hack/dashboard generates: run `cd hack/dashboard && GOWORK=off go run .`", DefaultOut)
	}
}

// decodeStrict reads a dashboard through the SDK's strict decoder (unknown fields and wrong
// types are errors), then through its regular decoder, and checks the schema's constraints
// (Validate). Two decoders because of two quirks of the SDK v0.0.22: its strict decoders
// return their error list typed even when empty (a non-nil error holding no error), and so
// the strict panel decoder (PanelOrRowPanel) leaves every valid panel out. It reports
// off-schema panels correctly, so it serves as the check; the regular one gives the value.
func decodeStrict(data []byte) (dashboard.Dashboard, error) {
	var strict dashboard.Dashboard
	if err := strict.UnmarshalJSONStrict(data); err != nil {
		if be, ok := err.(cog.BuildErrors); !ok || len(be) > 0 {
			return strict, err
		}
	}
	var d dashboard.Dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		return d, err
	}
	return d, d.Validate()
}

// TestCommittedDashboardRoundTrips reads the shipped JSON back into the SDK's dashboard types
// (schema v1 as Grafana 12 stores it), validates it, and checks that it equals what Build
// made and encodes to the same JSON: nothing in the file lies outside the schema.
func TestCommittedDashboardRoundTrips(t *testing.T) {
	data := committed(t)
	d, err := decodeStrict(data)
	if err != nil {
		t.Fatalf("strict decode of %s: %v", DefaultOut, err)
	}
	built, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	if !d.Equals(built) {
		t.Error("decoded dashboard differs from Build's")
	}
	again, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(again, '\n'), data) {
		t.Error("re-encoding the decoded dashboard changes the JSON")
	}
}

// TestStrictDecodeRefusesOffSchemaJSON keeps the round trip honest: each edit of the shipped
// JSON that leaves the schema must be refused.
func TestStrictDecodeRefusesOffSchemaJSON(t *testing.T) {
	data := string(committed(t))
	for _, tc := range []struct{ name, old, new string }{
		{"unknown dashboard field", `"uid": "devenvs-overview",`, `"uid": "devenvs-overview", "panelz": [],`},
		{"panel height not a number", `"h": 8,`, `"h": "eight",`},
		{"unknown query field", `"legendFormat": "{{team}} {{phase}}",`, `"legendFormat": "{{team}} {{phase}}", "exprr": "up",`},
		{"query expr not a string", `"refId": "A"`, `"refId": 1`},
		{"fiscal year month out of range", `"fiscalYearStartMonth": 0,`, `"fiscalYearStartMonth": 12,`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(data, tc.old) {
				t.Fatalf("pattern %q not in the dashboard", tc.old)
			}
			if _, err := decodeStrict([]byte(strings.Replace(data, tc.old, tc.new, 1))); err == nil {
				t.Error("accepted")
			}
		})
	}
}

// TestPanels checks what the schema cannot: every panel queries the datasource variable with
// at least one PromQL expression, and both template variables exist.
func TestPanels(t *testing.T) {
	d, err := decodeStrict(committed(t))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = string(v.Type)
	}
	if vars["datasource"] != "datasource" || vars["team"] != "query" {
		t.Errorf("template variables %v, want datasource (datasource) and team (query)", vars)
	}
	var raw struct {
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Datasource struct{ Type, UID string } `json:"datasource"`
				Expr       string                     `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(committed(t), &raw); err != nil {
		t.Fatal(err)
	}
	panels := 0
	for _, p := range raw.Panels {
		if p.Type == "row" {
			continue
		}
		panels++
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if q.Datasource.Type != "prometheus" || q.Datasource.UID != "${datasource}" || strings.TrimSpace(q.Expr) == "" {
				t.Errorf("panel %q: query %+v, want a prometheus expr on ${datasource}", p.Title, q)
			}
		}
	}
	if panels != 12 {
		t.Errorf("%d panels, want 12 (update docs/monitoring.md's panel list with this number)", panels)
	}
}
