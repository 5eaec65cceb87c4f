#!/usr/bin/env bash
# Times `kyma-mesh render` (release build) against the process-start floor (`kyma-mesh --version`)
# in one run, so the ratio holds on a noisy shared machine. Prints medians of N runs each.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-51}
cargo build --release --quiet --bin kyma-mesh
bin=target/release/kyma-mesh
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { # runs "$@" N times, interleaved by the caller, prints one duration per line
    local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 ))
}
declare -A res
cases=("floor:--version" "cluster:render" "production+override:render --profile production -o examples/istio-overrides.yaml" "explain:render --profile local --explain")
for ((i = 0; i < N; i++)); do
    for c in "${cases[@]}"; do
        name=${c%%:*}; args=${c#*:}
        # shellcheck disable=SC2086
        res[$name]+="$(time_ms $bin $args) "
    done
done
floor=$(echo "${res[floor]}" | tr ' ' '\n' | grep . | median)
printf '%-22s %10s %8s\n' case "median µs" "x floor"
for c in "${cases[@]}"; do
    name=${c%%:*}
    m=$(echo "${res[$name]}" | tr ' ' '\n' | grep . | median)
    printf '%-22s %10s %8s\n' "$name" "$m" "$(awk -v m="$m" -v f="$floor" 'BEGIN {printf "%.2f", m / f}')"
done
