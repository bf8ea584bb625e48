{{/* The release's name for its objects: <release>-blobhub, or the release name when it already says blobhub. */}}
{{- define "blobhub.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "blobhub.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: blobhub
{{- end -}}

{{/* Selector labels of one component (api, worker): stable across upgrades. */}}
{{- define "blobhub.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "blobhub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "blobhub.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "blobhub.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Where an existing secret with Temporal's CA / client certificate is mounted. */}}
{{- define "blobhub.temporalTlsDir" -}}/etc/blobhub/temporal{{- end -}}

{{/* One variable from a key of an existing secret. */}}
{{- define "blobhub.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/*
The settings that come from secrets, the same for the API and the worker. Required ones stop the
render with a message naming the value to set.
*/}}
{{- define "blobhub.secretEnvs" -}}
{{- $v := .Values -}}
{{ include "blobhub.secretEnv" (dict "name" "BLOBHUB_DATABASE_URL" "secret" (required "database.existingSecret: the secret holding the PostgreSQL URL" $v.database.existingSecret) "key" $v.database.urlKey) }}
{{ include "blobhub.secretEnv" (dict "name" "BLOBHUB_SECRET_KEY" "secret" (required "encryptionKey.existingSecret: the secret holding BLOBHUB_SECRET_KEY (openssl rand -hex 32)" $v.encryptionKey.existingSecret) "key" $v.encryptionKey.key) }}
{{- if $v.s3.existingSecret }}
{{ include "blobhub.secretEnv" (dict "name" "BLOBHUB_S3_ACCESS_KEY_ID" "secret" $v.s3.existingSecret "key" $v.s3.accessKeyIdKey) }}
{{ include "blobhub.secretEnv" (dict "name" "BLOBHUB_S3_SECRET_ACCESS_KEY" "secret" $v.s3.existingSecret "key" $v.s3.secretAccessKeyKey) }}
{{- end }}
{{- if $v.temporal.apiKey.existingSecret }}
{{ include "blobhub.secretEnv" (dict "name" "BLOBHUB_TEMPORAL_API_KEY" "secret" $v.temporal.apiKey.existingSecret "key" $v.temporal.apiKey.key) }}
{{- end }}
{{- end -}}

{{/* The TLS files of Temporal, as BlobHub's variables (paths in the mounted secret). */}}
{{- define "blobhub.temporalTlsEnvs" -}}
{{- $tls := .Values.temporal.tls -}}
{{- if $tls.existingSecret }}
{{- if $tls.caKey }}
- name: BLOBHUB_TEMPORAL_TLS_CA_FILE
  value: {{ printf "%s/%s" (include "blobhub.temporalTlsDir" .) $tls.caKey | quote }}
{{- end }}
{{- if or $tls.certKey $tls.keyKey }}
- name: BLOBHUB_TEMPORAL_TLS_CERT_FILE
  value: {{ printf "%s/%s" (include "blobhub.temporalTlsDir" .) (required "temporal.tls.certKey: mTLS needs the certificate and its key" $tls.certKey) | quote }}
- name: BLOBHUB_TEMPORAL_TLS_KEY_FILE
  value: {{ printf "%s/%s" (include "blobhub.temporalTlsDir" .) (required "temporal.tls.keyKey: mTLS needs the certificate and its key" $tls.keyKey) | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Writable places under a read-only root file system: the data dir and the temporary directory. */}}
{{- define "blobhub.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- if .Values.temporal.tls.existingSecret }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "blobhub.volumeMounts" -}}
- name: data
  mountPath: /data
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.tls.existingSecret }}
- name: temporal-tls
  mountPath: {{ include "blobhub.temporalTlsDir" . }}
  readOnly: true
{{- end }}
{{- end -}}

{{/* What both pods share: config map and secrets as the environment, security, volumes. */}}
{{- define "blobhub.podEnv" -}}
envFrom:
  - configMapRef:
      name: {{ include "blobhub.fullname" . }}
  {{- with .Values.envFrom }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}
