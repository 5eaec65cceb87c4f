#!/usr/bin/env bash
# Builds the real test ground's binaries from the Go modules pinned in this folder's go.mod
# (go.sum committed): kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kwok,
# istioctl twice (one Istio snapshot stamped as two consecutive minors), pilot-discovery, and
# the ground's own helpers (cmd/). Output: $REALK8S_CACHE (default <repo>/.cache/realk8s)/bin.
#
# Nothing is rebuilt when nothing changed: the build key is a hash of go.mod, go.sum, this
# script, the helpers' sources and `go version`; a matching key with every binary present
# exits at once. Any build failure exits non-zero (CI fails, it never skips).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${REALK8S_CACHE:-$repo/.cache/realk8s}"
bin="$out/bin"

# What the binaries say they are. The Istio module is a snapshot of istio.io/istio's master
# (no release tag is served by the module proxy); it is stamped as two consecutive minors so
# that `upgrade` has a "from" and a "to". README "What is real in the tests" says so.
K8S_VERSION=v1.36.3
ISTIO_FROM=1.31.0
ISTIO_TO=1.32.0
ETCD_VERSION=v3.6.8

if ! command -v go >/dev/null; then
    echo "build.sh: go is not on PATH; the real ground needs Go (go.mod says which)" >&2
    exit 1
fi

key="$(
    cd "$here"
    {
        go version
        cat go.mod go.sum build.sh
        find cmd -type f -name '*.go' | sort | xargs cat
    } | sha256sum | cut -d' ' -f1
)"
bins=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok pilot-discovery
    "istioctl-$ISTIO_FROM" "istioctl-$ISTIO_TO" ground)
if [[ -f "$out/key" && "$(cat "$out/key")" == "$key" ]]; then
    missing=0
    for b in "${bins[@]}"; do [[ -x "$bin/$b" ]] || missing=1; done
    if [[ $missing == 0 ]]; then
        echo "build.sh: the real ground's binaries are up to date in $bin"
        exit 0
    fi
fi

mkdir -p "$bin"
rm -f "$out/key"
cd "$here"
start=$(date +%s)
# -trimpath: the same binary wherever the checkout is. Slim binaries: no DWARF, no symbol table.
gob() { nice -n 5 go build -mod=readonly -buildvcs=false -trimpath "$@"; }
step() { echo "build.sh: $*" >&2; }

k8s_ldflags="-s -w"
for kv in "gitVersion=$K8S_VERSION" gitMajor=1 "gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)" \
    gitTreeState=clean gitCommit=0000000000000000000000000000000000000000 \
    buildDate=2026-01-01T00:00:00Z; do
    k8s_ldflags+=" -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
done
istio_ldflags() {
    local v=$1 f="-s -w"
    for kv in "buildVersion=$v" buildGitRevision=eed52ebb66ad buildStatus=Clean "buildTag=$v" \
        buildHub=docker.io/istio buildOS=linux buildArch=amd64; do
        f+=" -X istio.io/istio/pkg/version.$kv"
    done
    echo "$f"
}

step "kube-apiserver, kube-controller-manager, kube-scheduler ($K8S_VERSION)"
gob -ldflags "$k8s_ldflags" -o "$bin/" k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
step "etcd ($ETCD_VERSION)"
gob -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
step "kwok"
gob -ldflags "-s -w" -o "$bin/kwok" sigs.k8s.io/kwok/cmd/kwok
step "istioctl $ISTIO_FROM and $ISTIO_TO, pilot-discovery $ISTIO_FROM (istio.io/istio snapshot 2026-08-27)"
gob -ldflags "$(istio_ldflags "$ISTIO_FROM")" -o "$bin/istioctl-$ISTIO_FROM" istio.io/istio/istioctl/cmd/istioctl
gob -ldflags "$(istio_ldflags "$ISTIO_TO")" -o "$bin/istioctl-$ISTIO_TO" istio.io/istio/istioctl/cmd/istioctl
gob -ldflags "$(istio_ldflags "$ISTIO_FROM")" -o "$bin/pilot-discovery" istio.io/istio/pilot/cmd/pilot-discovery
step "the ground's helpers"
gob -ldflags "-s -w" -o "$bin/" ./cmd/...

echo "$key" >"$out/key"
echo "build.sh: built in $(($(date +%s) - start)) s into $bin ($(du -sh "$bin" | cut -f1))"
