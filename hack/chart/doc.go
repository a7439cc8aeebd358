// Package chart holds the tests of the deployment packaging: charts/devenvs, its rendering in
// config/, the functions' func.yaml files, and the RBAC the chart grants (proved on the local
// cluster). hack/chart/check.sh runs them with helm lint, the server-side dry run and Knative's
// own validation (hack/chart/knative-validate).
package chart
