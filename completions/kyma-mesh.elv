
use builtin;
use str;

set edit:completion:arg-completer[kyma-mesh] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kyma-mesh'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kyma-mesh'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -v 'More detail on stderr (-v, -vv)'
            cand --verbose 'More detail on stderr (-v, -vv)'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand render 'Print the merged IstioOperator: the profile, your overrides and --set values, validated'
            cand completions 'Print a shell completion script'
            cand install 'Install Istio with Kyma''s configuration: preflight, istioctl, Kyma''s patches, readiness'
            cand version 'Print kyma-mesh''s version and the istioctl it would use'
            cand check 'Diagnose the mesh: seed 000''s troubleshooting guide as checks, linkerd-style'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kyma-mesh;render'= {
            cand --profile 'Kyma''s profile to start from'
            cand --sidecar-injection 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in)'
            cand -o 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, or a values file with istio.kyma_istio_operator'
            cand --overrides 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, or a values file with istio.kyma_istio_operator'
            cand --set 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)'
            cand --output 'Output format'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --skip-validation 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)'
            cand --explain 'Show, for every value, the source that set it (profile, file:line:column, --set #N)'
            cand -v 'More detail on stderr (-v, -vv)'
            cand --verbose 'More detail on stderr (-v, -vv)'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;completions'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -v 'More detail on stderr (-v, -vv)'
            cand --verbose 'More detail on stderr (-v, -vv)'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;install'= {
            cand --profile 'Kyma''s profile to start from'
            cand --sidecar-injection 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in)'
            cand -o 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, or a values file with istio.kyma_istio_operator'
            cand --overrides 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, or a values file with istio.kyma_istio_operator'
            cand --set 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)'
            cand --istioctl 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)'
            cand --from-configmap 'Take overrides from this ConfigMap''s kyma_istio_operator key (before any -o files)'
            cand --timeout 'How long the whole install may take (e.g. 90s, 10m, 1h)'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --skip-validation 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)'
            cand --dry-run 'Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing'
            cand --fix 'Delete stale sidecar-injector webhook configurations found by the preflight'
            cand -v 'More detail on stderr (-v, -vv)'
            cand --verbose 'More detail on stderr (-v, -vv)'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;version'= {
            cand --istioctl 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)'
            cand --output 'Output format (default: human-readable lines)'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -v 'More detail on stderr (-v, -vv)'
            cand --verbose 'More detail on stderr (-v, -vv)'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;check'= {
            cand --wait 'Run the checks again until none fails or this much time has passed (e.g. 90s, 5m)'
            cand --output 'Output format'
            cand --istioctl 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --pre 'Only what install needs before anything is installed (the install preflight without the configuration)'
            cand -v 'More detail on stderr (-v, -vv)'
            cand --verbose 'More detail on stderr (-v, -vv)'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;help'= {
            cand render 'Print the merged IstioOperator: the profile, your overrides and --set values, validated'
            cand completions 'Print a shell completion script'
            cand install 'Install Istio with Kyma''s configuration: preflight, istioctl, Kyma''s patches, readiness'
            cand version 'Print kyma-mesh''s version and the istioctl it would use'
            cand check 'Diagnose the mesh: seed 000''s troubleshooting guide as checks, linkerd-style'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kyma-mesh;help;render'= {
        }
        &'kyma-mesh;help;completions'= {
        }
        &'kyma-mesh;help;install'= {
        }
        &'kyma-mesh;help;version'= {
        }
        &'kyma-mesh;help;check'= {
        }
        &'kyma-mesh;help;help'= {
        }
    ]
    $completions[$command]
}
