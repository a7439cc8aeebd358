package config

import (
	_ "embed"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

//go:embed default.yaml
var defaultYAML []byte

// Load reads, strictly decodes and validates the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse strictly decodes and validates a configuration document. Unknown and duplicate
// keys are errors: a misspelt key in a ConfigMap would otherwise silently fall back to
// a zero value, which for limits means "nothing allowed" or worse.
func Parse(data []byte) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("invalid: %w", err)
	}
	return &c, nil
}

// Default returns a fresh copy of the built-in configuration (default.yaml), used when no
// configuration file is given, e.g. by `make dev`. Each call decodes again so callers
// may modify the result.
func Default() *Config {
	c, err := Parse(defaultYAML)
	if err != nil {
		// default.yaml is compiled in and covered by tests; failing here is a build defect.
		panic(fmt.Sprintf("built-in default.yaml: %v", err))
	}
	return c
}
