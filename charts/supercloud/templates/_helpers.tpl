{{/* Chart name, shortened to fit a label value. */}}
{{- define "supercloud.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Prefix of every object name: RELEASE-supercloud, or RELEASE when the release name already contains the chart name. */}}
{{- define "supercloud.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels common to every object. */}}
{{- define "supercloud.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: supercloud
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of the operator. */}}
{{- define "supercloud.operator.selectorLabels" -}}
app.kubernetes.io/name: supercloud-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of the node agent. */}}
{{- define "supercloud.nodeAgent.selectorLabels" -}}
app.kubernetes.io/name: supercloud-node-agent
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "supercloud.operator.fullname" -}}
{{ include "supercloud.fullname" . }}-operator
{{- end }}

{{- define "supercloud.nodeAgent.fullname" -}}
{{ include "supercloud.fullname" . }}-node-agent
{{- end }}

{{- define "supercloud.operator.serviceAccountName" -}}
{{ default (include "supercloud.operator.fullname" .) .Values.operator.serviceAccount.name }}
{{- end }}

{{- define "supercloud.nodeAgent.serviceAccountName" -}}
{{ default (include "supercloud.nodeAgent.fullname" .) .Values.nodeAgent.serviceAccount.name }}
{{- end }}

{{/* image: REPOSITORY:TAG, the tag defaulting to the chart's appVersion. Argument: (list image-values root). */}}
{{- define "supercloud.image" -}}
{{- $image := index . 0 }}{{- $root := index . 1 -}}
{{ $image.repository }}:{{ default $root.Chart.AppVersion $image.tag }}
{{- end }}
