package main

import (
	"encoding/json"
	"fmt"
)

// Render returns Build's dashboard as indented JSON with a final newline, the committed form.
func Render() ([]byte, error) {
	d, err := Build()
	if err != nil {
		return nil, fmt.Errorf("build dashboard: %w", err)
	}
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode dashboard: %w", err)
	}
	return append(data, '\n'), nil
}
