// Package eventlog records who did what to which environment.
//
// The log is a Redis Stream bounded with MAXLEN ~ (one global stream plus one per team, so
// a team's recent activity is a single XREVRANGE). Without Redis configured it falls back to
// an in-process ring buffer so the whole platform can run locally with one command.
//
// Writing to the log is best effort: handlers call (*Safe).Record, which never fails the
// Kubernetes action; failures are counted and logged instead.
package eventlog
