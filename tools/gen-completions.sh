#!/usr/bin/env bash
# Regenerates the shell completion scripts in completions/ from the CLI definition.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin kyma-mesh
bin=target/debug/kyma-mesh
"$bin" completions bash > completions/kyma-mesh.bash
"$bin" completions zsh > completions/_kyma-mesh
"$bin" completions fish > completions/kyma-mesh.fish
"$bin" completions powershell > completions/_kyma-mesh.ps1
"$bin" completions elvish > completions/kyma-mesh.elv
