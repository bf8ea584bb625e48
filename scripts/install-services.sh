#!/usr/bin/env bash
# Installs the real services BlobHub runs against (Temporal CLI dev server, MinIO, PostgreSQL),
# docker compose (to check docker-compose.yml), helm, kubeconform and the Kubernetes schemas (to check
# the Helm chart) and Chromium (the web app's browser tests). Idempotent: each step is skipped when its binary is already there.
# Go binaries go to .tools/bin (git-ignored); Go's module and build caches make re-installs fast.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"

TEMPORAL_VERSION="v1.5.1"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c" # RELEASE tags are not semver; this is the newest commit the Go proxy serves
HELM_VERSION="v4.3.2"
KUBECONFORM_VERSION="v0.8.0"

log() { echo "[install-services] $*" >&2; }

go_install() { # name module version
  local name="$1" module="$2" version="$3" stamp="$bin/.$1.version"
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then return 0; fi
  log "building $name $version (first build takes minutes)"
  GOBIN="$bin" GOFLAGS=-mod=mod go install "$module@$version"
  echo "$version" >"$stamp"
}

apt_install() { # binary-path package...
  local probe="$1"; shift
  if [ -x "$probe" ]; then return 0; fi
  log "installing $* from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "$@" >/dev/null
}

# docker compose (a docker CLI plugin), to check docker-compose.yml without a Docker engine. Its
# module has replace directives, so it is built from the downloaded module source.
COMPOSE_VERSION="v2.40.3"
compose_install() {
  local dest="$root/.tools/docker/cli-plugins/docker-compose" stamp="$root/.tools/docker/.compose.version"
  if [ -x "$dest" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$COMPOSE_VERSION" ]; then return 0; fi
  log "building docker compose $COMPOSE_VERSION (first build takes minutes)"
  local dir
  dir="$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  mkdir -p "$(dirname "$dest")"
  (cd "$dir" && go build -trimpath -o "$dest" ./cmd)
  echo "$COMPOSE_VERSION" >"$stamp"
}

# The published BlobHub Python clients, for the compatibility suite (test/compat): a virtual environment
# in .tools/python-clients on a Python >= 3.12 found on PATH or among pyenv's versions.
BLOBHUB_PY_VERSION="0.3.0"
BLOBHUB_CLI_VERSION="0.6.0"
BLOBHUB_WORKER_VERSION="0.11.0"
python_at_least_312() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && python_at_least_312 "$(command -v "$candidate")"; then command -v "$candidate"; return 0; fi
  done
  # Debian 13 ships 3.13 as python3; older releases have no >= 3.12 package.
  apt_install /usr/bin/python3 python3 python3-venv
  if python_at_least_312 /usr/bin/python3; then echo /usr/bin/python3; return 0; fi
  return 1
}
python_clients_install() {
  local venv="$root/.tools/python-clients" pins="blobhub==$BLOBHUB_PY_VERSION blobhub-cli==$BLOBHUB_CLI_VERSION blobhub-worker==$BLOBHUB_WORKER_VERSION"
  if [ -x "$venv/bin/blobhub" ] && [ "$(cat "$venv/.pins" 2>/dev/null)" = "$pins" ]; then return 0; fi
  local python
  if ! python="$(find_python)"; then
    log "no Python >= 3.12 found (PATH, pyenv) and none installable from Debian; install one, then rerun"
    return 1
  fi
  log "installing $pins into $venv with $python"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check $pins
  echo "$pins" >"$venv/.pins"
}

# schemathesis (from PyPI), the property-based fuzzer the API test runs against /v1/openapi.json
# (test/core/fuzz.test.ts): a virtual environment in .tools/schemathesis on a Python >= 3.12 (on 3.11
# hypothesis' lambda descriptions meet a CPython "AST constructor recursion depth mismatch" now and then).
SCHEMATHESIS_VERSION="4.32.5"
schemathesis_install() {
  local venv="$root/.tools/schemathesis" python
  python="$(find_python)" || { log "schemathesis needs Python >= 3.12"; return 1; }
  local pin="schemathesis==$SCHEMATHESIS_VERSION on $("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if [ -x "$venv/bin/schemathesis" ] && [ "$(cat "$venv/.pins" 2>/dev/null)" = "$pin" ]; then return 0; fi
  log "installing $pin into $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  echo "$pin" >"$venv/.pins"
}

# The Kubernetes JSON schemas kubeconform checks the Helm chart against (test/core/helm.test.ts), made
# here rather than downloaded (kubeconform's default source is a GitHub repository): the OpenAPI spec
# inside the k8s.io/kubernetes module from the Go module proxy, converted by openapi2jsonschema2 (PyPI;
# the maintained fork of the converter that made kubeconform's own schema set) into one stand-alone,
# strict schema per kind and version, named as kubeconform looks them up (deployment-apps-v1.json).
KUBERNETES_SCHEMA_VERSION="v1.36.3"
OPENAPI2JSONSCHEMA_VERSION="1.1.37"
kubernetes_schemas_install() {
  local dest="$root/.tools/kubernetes-json-schema" venv="$root/.tools/openapi2jsonschema"
  local pin="kubernetes $KUBERNETES_SCHEMA_VERSION openapi2jsonschema2==$OPENAPI2JSONSCHEMA_VERSION"
  if [ -f "$dest/standalone-strict/deployment-apps-v1.json" ] && [ "$(cat "$dest/.pins" 2>/dev/null)" = "$pin" ]; then return 0; fi
  local python spec
  python="$(find_python)" || { log "the Kubernetes schemas need Python >= 3.12"; return 1; }
  log "making the Kubernetes $KUBERNETES_SCHEMA_VERSION JSON schemas (first run takes minutes)"
  if [ "$("$venv/bin/pip" show openapi2jsonschema2 2>/dev/null | sed -n 's/^Version: //p')" != "$OPENAPI2JSONSCHEMA_VERSION" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi2jsonschema2==$OPENAPI2JSONSCHEMA_VERSION"
  fi
  spec="$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_SCHEMA_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')/api/openapi-spec/swagger.json"
  rm -rf "$dest" && mkdir -p "$dest"
  # it reports the kinds it leaves out (the recursive CustomResourceDefinition schema) as errors and exits 0
  (cd "$dest" && "$venv/bin/openapi2jsonschema2" -o standalone-strict.partial --expanded --kubernetes --stand-alone --strict "$spec" >/dev/null 2>&1)
  mv "$dest/standalone-strict.partial" "$dest/standalone-strict"
  echo "$pin" >"$dest/.pins"
}

want="${1:-all}"
case "$want" in all|temporal) go_install temporal github.com/temporalio/cli/cmd/temporal "$TEMPORAL_VERSION" ;; esac
case "$want" in all|minio) go_install minio github.com/minio/minio "$MINIO_VERSION" ;; esac
case "$want" in all|postgres) apt_install /usr/lib/postgresql/15/bin/postgres postgresql ;; esac
case "$want" in all|compose) compose_install ;; esac
case "$want" in all|helm) go_install helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" ;; esac
case "$want" in all|helm) go_install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" ;; esac
case "$want" in all|helm) kubernetes_schemas_install ;; esac
case "$want" in all|python-clients) python_clients_install ;; esac
# the browser the web app's tests drive (playwright-core with the system Chromium)
case "$want" in all|chromium) apt_install /usr/bin/chromium chromium ;; esac
case "$want" in all|schemathesis) schemathesis_install ;; esac
log "ready in $bin"
