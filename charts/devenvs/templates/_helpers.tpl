{{/*
The functions and what each one needs. This is structure, not configuration: it follows
from the code (shared/app Options, shared/kube calls), so it lives here and not in values.
  kind       http | cloudevent (func.yaml `invoke`)
  public     reachable from browsers; false adds the cluster-local visibility label
  config     mounts the teams/pools configuration (DEVENVS_CONFIG)
  users      authenticates users (token file, OIDC) and answers browsers (CORS)
  redis      writes the event log (DEVENVS_REDIS_URL)
  kube       calls the Kubernetes API (gets a ClusterRole bound in every team namespace)
  events     checks (alert handler, reaper) or signs (event source) the shared event secret
*/}}
{{- define "devenvs.functionSpecs" -}}
web:          {kind: http,       public: true,  config: true,  users: false, redis: false, kube: false, events: false}
createenv:    {kind: http,       public: true,  config: true,  users: true,  redis: true,  kube: true,  events: false}
listenvs:     {kind: http,       public: true,  config: true,  users: true,  redis: true,  kube: true,  events: false}
deleteenv:    {kind: http,       public: true,  config: true,  users: true,  redis: true,  kube: true,  events: false}
updateenv:    {kind: http,       public: true,  config: true,  users: true,  redis: true,  kube: true,  events: false}
alerthandler: {kind: cloudevent, public: false, config: true,  users: false, redis: true,  kube: true,  events: true}
alertsource:  {kind: http,       public: false, config: false, users: false, redis: false, kube: false, events: true}
reaper:       {kind: cloudevent, public: false, config: true,  users: false, redis: true,  kube: true,  events: true}
{{- end -}}

{{/* Function names in a fixed order, so rendering is stable. */}}
{{- define "devenvs.functionNames" -}}
web createenv listenvs deleteenv updateenv alerthandler alertsource reaper
{{- end -}}

{{/*
Exactly the API calls each function makes (shared/kube is the only door to the API):
  createenv     Deployments list (the count, kube.checkLimit), create, delete (undoing a
                half-made create); ConfigMaps create (the name claim), get and delete (a stale
                claim of a create that died), patch (giving the claim to the Deployment),
                delete (undoing); Leases create (the environment's place, counted by the
                team's devenvs-environments quota), delete (undoing); Pods create (the
                server-side dry-run admission check: dry-run needs create); Secrets, Services,
                PersistentVolumeClaims create (they are removed by the garbage collector
                through their owner reference, so no delete)
  listenvs      Deployments, Pods and metrics.k8s.io PodMetrics list
  deleteenv     Deployments delete (foreground; the garbage collector does the rest); Leases
                deletecollection (the environment's place, given back at once)
  updateenv     Deployments get, update (read-modify-write with conflict retry)
  alerthandler  Deployments get, update
  reaper        Deployments list, get, update, delete; Leases deletecollection (as deleteenv)
  sshgateway    Deployments get, Secrets get (authorized keys), Pods list (address) (not a
                function: a Deployment of its own, templates/55-sshgateway.yaml)
hack/chart/rbac_test.go proves on a real apiserver that these suffice and nothing else is allowed.
*/}}
{{- define "devenvs.rbacRules" -}}
createenv:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [list, create, delete]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, create, patch, delete]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create, delete]
{{- if .Values.rbac.ownerReferencesPermissionEnforcement }}
- apiGroups: [apps]
  resources: [deployments/finalizers]
  verbs: [update]
{{- end }}
- apiGroups: [""]
  resources: [pods]
  verbs: [create]
- apiGroups: [""]
  resources: [secrets, services, persistentvolumeclaims]
  verbs: [create]
listenvs:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [list]
- apiGroups: [""]
  resources: [pods]
  verbs: [list]
# The start script's announced step of a starting pod (its last log lines).
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
- apiGroups: [metrics.k8s.io]
  resources: [pods]
  verbs: [list]
deleteenv:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [delete]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [deletecollection]
updateenv:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, update]
# Resize in place: the running pod's resize subresource, and its ReplicaSet's template; a
# start's dry-run pod create, so a quota refusal is answered before anything changes.
- apiGroups: [""]
  resources: [pods]
  verbs: [list, get, create]
- apiGroups: [""]
  resources: [pods/resize]
  verbs: [patch]
- apiGroups: [apps]
  resources: [replicasets]
  verbs: [get, update]
alerthandler:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, update]
reaper:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, update, delete]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [deletecollection]
{{- if .Values.sshGateway.enabled }}
# kube.Client.Route: the Deployment (state), the keys' Secret, the pods (address), nothing else.
sshgateway:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
- apiGroups: [""]
  resources: [pods]
  verbs: [list]
# A starting pod's last log lines: the step its start script announced, shown while waiting.
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
{{- end }}
{{- end -}}

{{/* Common labels of the chart's own objects. */}}
{{- define "devenvs.labels" -}}
app.kubernetes.io/name: devenvs
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: devenvs
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* The ServiceAccount of a function. */}}
{{- define "devenvs.serviceAccountName" -}}
devenvs-{{ . }}
{{- end -}}

{{/*
The image of a function: dict "root" $ "name" <fn>.
<registry>/<fn>:<tag>, or @<digest>; ko:// references get no tag.
*/}}
{{- define "devenvs.image" -}}
{{- $root := .root -}}
{{- $fn := index $root.Values.functions .name -}}
{{- $img := default dict $fn.image -}}
{{- $repo := default (printf "%s/%s" (trimSuffix "/" $root.Values.global.registry) .name) $img.repository -}}
{{- if $img.digest -}}
{{ $repo }}@{{ $img.digest }}
{{- else if hasPrefix "ko://" $repo -}}
{{ $repo }}
{{- else -}}
{{ $repo }}:{{ default (default $root.Chart.AppVersion $root.Values.global.tag) $img.tag }}
{{- end -}}
{{- end -}}

{{/* The public URL of a function: dict "root" $ "name" <fn>. */}}
{{- define "devenvs.functionURL" -}}
{{- $root := .root -}}
{{- $u := $root.Values.urls -}}
{{- if hasKey $u.override .name -}}
{{ index $u.override .name | trimSuffix "/" }}
{{- else -}}
{{ $u.scheme }}://{{ .name }}.{{ $root.Release.Namespace }}.{{ $u.domain }}{{ if $u.port }}:{{ $u.port }}{{ end }}
{{- end -}}
{{- end -}}

{{/* DEVENVS_FUNCTION_URLS: name=url,... of the functions the UI calls. */}}
{{- define "devenvs.functionURLs" -}}
{{- $root := . -}}
{{- $out := list -}}
{{- range $name := list "createenv" "listenvs" "deleteenv" "updateenv" -}}
{{- $out = append $out (printf "%s=%s" $name (include "devenvs.functionURL" (dict "root" $root "name" $name))) -}}
{{- end -}}
{{ join "," $out }}
{{- end -}}

{{/* DEVENVS_ALLOWED_ORIGINS: the configured origins, else the web function's origin. */}}
{{- define "devenvs.allowedOrigins" -}}
{{- if .Values.cors.allowedOrigins -}}
{{ join "," .Values.cors.allowedOrigins }}
{{- else -}}
{{- $u := urlParse (include "devenvs.functionURL" (dict "root" . "name" "web")) -}}
{{ $u.scheme }}://{{ $u.host }}
{{- end -}}
{{- end -}}

{{/* The Redis URL when it is not a secret: in-chart or external.url; empty otherwise. */}}
{{- define "devenvs.redisURL" -}}
{{- if .Values.redis.enabled -}}
redis://devenvs-redis.{{ .Release.Namespace }}.svc.cluster.local:6379/0
{{- else if not .Values.redis.external.existingSecret -}}
{{ .Values.redis.external.url }}
{{- end -}}
{{- end -}}

{{/* The Broker's ingress URL, the K_SINK the SinkBinding injects (and func.yaml's). */}}
{{- define "devenvs.brokerURL" -}}
http://broker-ingress.knative-eventing.svc.cluster.local/{{ .Release.Namespace }}/default
{{- end -}}

{{/* The teams/pools configuration document. */}}
{{- define "devenvs.configYAML" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- $host := include "devenvs.sshGatewayHost" . -}}
{{- if and .Values.sshGateway.enabled $host (not (dig "ssh" "gateway" "host" "" $cfg)) -}}
{{- $gw := dict "host" $host "port" (int .Values.sshGateway.service.port) -}}
{{- if not .Values.sshGateway.existingSecret -}}
{{- $_ := set $gw "hostPublicKey" (include "devenvs.sshGatewayKey" . | fromYaml).cert -}}
{{- end -}}
{{- $_ := set $cfg.ssh "gateway" $gw -}}
{{- end -}}
{{ toYaml $cfg }}
{{- end -}}

{{/*
The SSH gateway's host key and its certificate (the certificate carries only the public key,
which config.ssh.gateway.hostPublicKey shows users as a known_hosts line). Made once per
render and cached in .Values, so the Secret and the configuration agree; taken from the
existing Secret when there is one, so the key survives upgrades.
*/}}
{{- define "devenvs.sshGatewayKey" -}}
{{- if not (hasKey .Values "_sshGatewayKey") -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace "devenvs-sshgateway-host-key" -}}
{{- $key := "" -}}
{{- $cert := "" -}}
{{- if and $existing $existing.data -}}
{{- $key = index $existing.data "ssh_host_key" | b64dec -}}
{{- $cert = index $existing.data "ssh_host_key.crt" | b64dec -}}
{{- else -}}
{{- $key = genPrivateKey "ecdsa" -}}
{{- $cert = (genSelfSignedCertWithKey "devenvs-sshgateway" nil nil 36500 $key).Cert -}}
{{- end -}}
{{- $_ := set .Values "_sshGatewayKey" (dict "key" $key "cert" $cert) -}}
{{- end -}}
{{- toYaml (index .Values "_sshGatewayKey") -}}
{{- end -}}

{{/* The address users reach the gateway at: sshGateway.host, else ssh.<baseDomain>. */}}
{{- define "devenvs.sshGatewayHost" -}}
{{- if .Values.sshGateway.host -}}
{{ .Values.sshGateway.host }}
{{- else if .Values.config.baseDomain -}}
ssh.{{ .Values.config.baseDomain | trimSuffix "." }}
{{- end -}}
{{- end -}}

{{/*
The shared event secret (shared/eventfn/token.go): eventing.eventSecret.token, else the one
in the existing Secret (so upgrades keep it), else, with generate, a new random one. The
result is stored back into .Values so the Secret, the PingSource and the functions' config
checksum, rendered by separate templates, all see the same value.
*/}}
{{- define "devenvs.eventSecret" -}}
{{- $es := .Values.eventing.eventSecret -}}
{{- if not $es.token -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace $es.name -}}
{{- if and $existing $existing.data (index $existing.data "token") -}}
{{- $_ := set $es "token" (index $existing.data "token" | b64dec) -}}
{{- else if $es.generate -}}
{{- $_ := set $es "token" (randAlphaNum 48) -}}
{{- end -}}
{{- end -}}
{{- $es.token -}}
{{- end -}}

{{/*
The in-chart Redis's password: redis.auth.password, else the existing Secret's (so upgrades
keep it), else, with generate, a new random one, stored back into .Values like
devenvs.eventSecret so every template sees the same value.
*/}}
{{- define "devenvs.redisPassword" -}}
{{- $a := .Values.redis.auth -}}
{{- if not $a.password -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace $a.secretName -}}
{{- if and $existing $existing.data (index $existing.data "password") -}}
{{- $_ := set $a "password" (index $existing.data "password" | b64dec) -}}
{{- else if $a.generate -}}
{{- $_ := set $a "password" (randAlphaNum 40) -}}
{{- end -}}
{{- end -}}
{{- $a.password -}}
{{- end -}}

{{/* The PodMonitor's bearer token for the public functions' /metrics, like devenvs.eventSecret. */}}
{{- define "devenvs.metricsToken" -}}
{{- $m := .Values.podMonitor.tokenSecret -}}
{{- if not $m.token -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace $m.name -}}
{{- if and $existing $existing.data (index $existing.data "token") -}}
{{- $_ := set $m "token" (index $existing.data "token" | b64dec) -}}
{{- else -}}
{{- $_ := set $m "token" (randAlphaNum 48) -}}
{{- end -}}
{{- end -}}
{{- $m.token -}}
{{- end -}}
