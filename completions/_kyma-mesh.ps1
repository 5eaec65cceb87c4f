
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kyma-mesh' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kyma-mesh'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kyma-mesh' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the merged IstioOperator: the profile, your overrides and --set values, validated')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install Istio with Kyma''s configuration: preflight, istioctl, Kyma''s patches, readiness')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print kyma-mesh''s version and the istioctl it would use')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Diagnose the mesh: seed 000''s troubleshooting guide as checks, linkerd-style')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kyma-mesh;render' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Kyma''s profile to start from')
            [CompletionResult]::new('--sidecar-injection', '--sidecar-injection', [CompletionResultType]::ParameterName, 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, or a values file with istio.kyma_istio_operator')
            [CompletionResult]::new('--overrides', '--overrides', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, or a values file with istio.kyma_istio_operator')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Show, for every value, the source that set it (profile, file:line:column, --set #N)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;completions' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;install' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Kyma''s profile to start from')
            [CompletionResult]::new('--sidecar-injection', '--sidecar-injection', [CompletionResultType]::ParameterName, 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, or a values file with istio.kyma_istio_operator')
            [CompletionResult]::new('--overrides', '--overrides', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, or a values file with istio.kyma_istio_operator')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)')
            [CompletionResult]::new('--istioctl', '--istioctl', [CompletionResultType]::ParameterName, 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)')
            [CompletionResult]::new('--from-configmap', '--from-configmap', [CompletionResultType]::ParameterName, 'Take overrides from this ConfigMap''s kyma_istio_operator key (before any -o files)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the whole install may take (e.g. 90s, 10m, 1h)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Delete stale sidecar-injector webhook configurations found by the preflight')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;version' {
            [CompletionResult]::new('--istioctl', '--istioctl', [CompletionResultType]::ParameterName, 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (default: human-readable lines)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;check' {
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Run the checks again until none fails or this much time has passed (e.g. 90s, 5m)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--istioctl', '--istioctl', [CompletionResultType]::ParameterName, 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--pre', '--pre', [CompletionResultType]::ParameterName, 'Only what install needs before anything is installed (the install preflight without the configuration)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v, -vv)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;help' {
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the merged IstioOperator: the profile, your overrides and --set values, validated')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install Istio with Kyma''s configuration: preflight, istioctl, Kyma''s patches, readiness')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print kyma-mesh''s version and the istioctl it would use')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Diagnose the mesh: seed 000''s troubleshooting guide as checks, linkerd-style')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kyma-mesh;help;render' {
            break
        }
        'kyma-mesh;help;completions' {
            break
        }
        'kyma-mesh;help;install' {
            break
        }
        'kyma-mesh;help;version' {
            break
        }
        'kyma-mesh;help;check' {
            break
        }
        'kyma-mesh;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
