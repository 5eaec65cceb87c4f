#!/usr/bin/env bash
# Regenerates the shell completion scripts in completions/ and the man pages in man/ from the
# CLI definition.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin kyma-mesh
bin=target/debug/kyma-mesh
"$bin" completions bash > completions/kyma-mesh.bash
"$bin" completions zsh > completions/_kyma-mesh
"$bin" completions fish > completions/kyma-mesh.fish
"$bin" completions powershell > completions/_kyma-mesh.ps1
"$bin" completions elvish > completions/kyma-mesh.elv
# The man pages: kyma-mesh's own and one per command.
mkdir -p man
rm -f man/*.1
"$bin" man > man/kyma-mesh.1
for c in $("$bin" --help | awk '/^Commands:/{on=1;next} on&&/^  [a-z]/{print $1} on&&/^$/{exit}'); do
  [ "$c" = help ] && continue
  "$bin" man "$c" > "man/kyma-mesh-$c.1"
done
