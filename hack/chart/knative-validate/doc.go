// Package knativevalidate holds only tests: see validate_test.go.
package knativevalidate
