package env

import (
	"strings"

	"github.com/devenvs/devenvs/shared/config"
)

// SetDefaults normalizes the request and fills empty fields from cfg.Defaults: surrounding
// spaces are trimmed everywhere (keys pasted from a terminal end in a newline), team and
// name are lowercased, blank entries of packages and sshPublicKeys (empty lines in a form)
// are dropped, and idleStop defaults to true. A nil cfg only normalizes.
func (s *Spec) SetDefaults(cfg *config.Config) {
	s.Team = strings.ToLower(strings.TrimSpace(s.Team))
	s.Home = strings.ToLower(strings.TrimSpace(s.Home))
	s.Name = strings.ToLower(strings.TrimSpace(s.Name))
	for _, f := range []*string{&s.Image, &s.CPU, &s.Memory, &s.Pool, &s.Priority, &s.Lifetime, &s.PersistentHome} {
		*f = strings.TrimSpace(*f)
	}
	s.Packages = trimAll(s.Packages)
	s.SSHPublicKeys = trimAll(s.SSHPublicKeys)
	if s.IdleStop == nil {
		s.IdleStop = new(true)
	}
	if cfg == nil {
		return
	}
	d := cfg.Defaults
	setIfEmpty(&s.Image, d.Image)
	setIfEmpty(&s.CPU, d.CPU.String())
	setIfEmpty(&s.Memory, d.Memory.String())
	setIfEmpty(&s.Pool, d.Pool)
	setIfEmpty(&s.Priority, d.Priority)
	setIfEmpty(&s.Lifetime, d.Lifetime.String())
	s.setHomeDefaults(cfg)
}

// setHomeDefaults makes the home persistent unless the request, the pool or the team says
// scratch, and sizes a persistent home the request did not size.
func (s *Spec) setHomeDefaults(cfg *config.Config) {
	if s.Home == "" {
		team, _ := cfg.Team(s.Team)
		s.Home = string(cfg.DefaultHome(team, s.Pool))
		if s.PersistentHome != "" {
			s.Home = string(config.HomePersistent)
		}
	}
	if s.Home == string(config.HomePersistent) && s.PersistentHome == "" {
		size := cfg.HomeSize()
		s.PersistentHome = size.String()
	}
}

// SetDefaults trims the fields and lowercases the action.
func (u *Update) SetDefaults() {
	u.Action = strings.ToLower(strings.TrimSpace(u.Action))
	u.Lifetime = strings.TrimSpace(u.Lifetime)
	u.CPU = strings.TrimSpace(u.CPU)
	u.Memory = strings.TrimSpace(u.Memory)
}

func setIfEmpty(f *string, v string) {
	if *f == "" {
		*f = v
	}
}

// trimAll trims every entry and drops the blank ones; it keeps nil as nil so a request
// round-trips unchanged.
func trimAll(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, v := range in {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
