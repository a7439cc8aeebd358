package jsonx

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckDuplicateKeys(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // the duplicate's path; "" for none
	}{
		{"top level", `{"name":"a","name":"b"}`, "name"},
		{"nested", `{"labels":{"team":"alpha","env":"x","team":"beta"}}`, "labels.team"},
		{"in an array", `{"alerts":[{"a":1},{"b":1,"b":2}]}`, "alerts[1].b"},
		{"same key in sibling objects is fine", `{"a":{"k":1},"b":{"k":2}}`, ""},
		{"same key at different depths is fine", `{"k":{"k":1}}`, ""},
		{"keys differing in case are not duplicates here", `{"name":"a","Name":"b"}`, ""},
		{"no objects", `[1,"x",null,true]`, ""},
		{"malformed JSON is the decoder's to report", `{"a":`, ""},
		{"duplicate after malformed part is not reached", `{"a":1,,"a":2}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := CheckDuplicateKeys([]byte(tc.in)); err != nil {
				got = err.(*DuplicateKeyError).Path
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("duplicate path (-want +got):\n%s", diff)
			}
		})
	}
}
