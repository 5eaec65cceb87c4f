
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
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the merged IstioOperator: the profile, your overrides and --set values, validated')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install Istio with Kyma''s configuration: preflight, istioctl, Kyma''s patches, readiness')
            [CompletionResult]::new('upgrade', 'upgrade', [CompletionResultType]::ParameterValue, 'Upgrade Istio by one minor (or a patch) and move every sidecar with it')
            [CompletionResult]::new('proxy-reset', 'proxy-reset', [CompletionResultType]::ParameterValue, 'Restart workloads whose Istio sidecar is not the installed Istio''s version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Diagnose the mesh: Kyma''s Service Mesh troubleshooting guide as checks, linkerd-style')
            [CompletionResult]::new('gateway', 'gateway', [CompletionResultType]::ParameterValue, 'Fix and investigate the ingress gateway (Kyma''s troubleshooting guide: "Can''t access Console UI or other endpoints")')
            [CompletionResult]::new('injection', 'injection', [CompletionResultType]::ParameterValue, 'Sidecar injection of a namespace or a Deployment: switch it, or see who gets sidecars and why')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove Istio and everything kyma-mesh added to the cluster')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print kyma-mesh''s version, the istioctl it would use and, when the cluster answers, its control plane, recorded profile and data plane per sidecar version')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff), generated from this command line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kyma-mesh;render' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The defaults to start from: Kyma 1.x''s profiles (local, cluster, production) or the Kyma Istio module''s default IstioOperator (module, module-evaluation) [default: cluster; install and upgrade keep the profile the last install recorded]')
            [CompletionResult]::new('--sidecar-injection', '--sidecar-injection', [CompletionResultType]::ParameterName, 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma does) [default: default (opt-in for the module profiles), or the recorded mode]')
            [CompletionResult]::new('--compatibility-version', '--compatibility-version', [CompletionResultType]::ParameterName, 'Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g. 1.29 for one upgrade step; ''none'' drops a recorded one [default: none, or the recorded one]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('--overrides', '--overrides', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Show, for every value, the source that set it (profile, file:line:column, --set #N, the Istio resource''s field)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;install' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The defaults to start from: Kyma 1.x''s profiles (local, cluster, production) or the Kyma Istio module''s default IstioOperator (module, module-evaluation) [default: cluster; install and upgrade keep the profile the last install recorded]')
            [CompletionResult]::new('--sidecar-injection', '--sidecar-injection', [CompletionResultType]::ParameterName, 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma does) [default: default (opt-in for the module profiles), or the recorded mode]')
            [CompletionResult]::new('--compatibility-version', '--compatibility-version', [CompletionResultType]::ParameterName, 'Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g. 1.29 for one upgrade step; ''none'' drops a recorded one [default: none, or the recorded one]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('--overrides', '--overrides', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)')
            [CompletionResult]::new('--istioctl', '--istioctl', [CompletionResultType]::ParameterName, 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)')
            [CompletionResult]::new('--from-configmap', '--from-configmap', [CompletionResultType]::ParameterName, 'Take overrides from this ConfigMap''s kyma_istio_operator key (before any -o files)')
            [CompletionResult]::new('--from-istio-cr', '--from-istio-cr', [CompletionResultType]::ParameterName, 'Take overrides from the Kyma Istio module''s Istio resource in the cluster (before any -o files) [default: the one in kyma-system]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the whole install may take (e.g. 90s, 10m, 1h)')
            [CompletionResult]::new('--contexts', '--contexts', [CompletionResultType]::ParameterName, 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table')
            [CompletionResult]::new('--exclude-context', '--exclude-context', [CompletionResultType]::ParameterName, 'With --all-contexts: leave this context out (repeatable)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Clusters worked on at the same time')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Delete stale sidecar-injector webhook configurations found by the preflight')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Run on every context of the kubeconfig')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;upgrade' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The defaults to start from: Kyma 1.x''s profiles (local, cluster, production) or the Kyma Istio module''s default IstioOperator (module, module-evaluation) [default: cluster; install and upgrade keep the profile the last install recorded]')
            [CompletionResult]::new('--sidecar-injection', '--sidecar-injection', [CompletionResultType]::ParameterName, 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma does) [default: default (opt-in for the module profiles), or the recorded mode]')
            [CompletionResult]::new('--compatibility-version', '--compatibility-version', [CompletionResultType]::ParameterName, 'Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g. 1.29 for one upgrade step; ''none'' drops a recorded one [default: none, or the recorded one]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('--overrides', '--overrides', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)')
            [CompletionResult]::new('--istioctl', '--istioctl', [CompletionResultType]::ParameterName, 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the control-plane part may take (e.g. 90s, 10m); proxy-reset gets as long again')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Workloads restarted at the same time by the proxy reset')
            [CompletionResult]::new('--wave-size', '--wave-size', [CompletionResultType]::ParameterName, 'With --canary: restart N namespaces at a time (kyma-system first), verifying each wave before the next')
            [CompletionResult]::new('--max-unavailable', '--max-unavailable', [CompletionResultType]::ParameterName, 'At most this many pods not ready because of this run, across the cluster: N pods, or N% of the meshed pods the scan found (10%: nine pods in ten keep serving while the rest move). A restart holds its share until its rollout is complete; one workload larger than the cap restarts alone')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Start no restart after this time (RFC 3339, e.g. 2026-12-07T06:00:00Z): the running ones finish, what is left is listed, exit 3; the same command again continues')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Start no restart after this long (e.g. 30m, 2h), counted from the start; as --until')
            [CompletionResult]::new('--contexts', '--contexts', [CompletionResultType]::ParameterName, 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table')
            [CompletionResult]::new('--exclude-context', '--exclude-context', [CompletionResultType]::ParameterName, 'With --all-contexts: leave this context out (repeatable)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Clusters worked on at the same time')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--skip-validation', '--skip-validation', [CompletionResultType]::ParameterName, 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing')
            [CompletionResult]::new('--skip-proxy-reset', '--skip-proxy-reset', [CompletionResultType]::ParameterName, 'Do not restart workloads after the control plane moved (run proxy-reset yourself)')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Install the new version as its own revision beside the running control plane, move the `default` tag to it and restart the workloads onto it; the old control plane stays')
            [CompletionResult]::new('--finish', '--finish', [CompletionResultType]::ParameterName, 'Complete a canary upgrade: remove the old revision (refused while a pod still uses it)')
            [CompletionResult]::new('--rollback', '--rollback', [CompletionResultType]::ParameterName, 'Undo a canary upgrade: the `default` tag, the gateways and the workloads back to the old revision, then the new revision removed')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Run on every context of the kubeconfig')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;proxy-reset' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only pods in this namespace (repeatable; default: all namespaces)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only pods in this namespace (repeatable; default: all namespaces)')
            [CompletionResult]::new('--exclude-namespace', '--exclude-namespace', [CompletionResultType]::ParameterName, 'Leave this namespace alone, reporting its outdated pods as skipped (repeatable)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Workloads restarted at the same time')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the run may take, e.g. 90s, 10m: its waits (OnDelete replacements, a share of --max-unavailable, --wait) end, and no restart starts after it (exit 3 if any is left)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Print the plan or the result as JSON (shape in README "proxy-reset")')
            [CompletionResult]::new('--max-unavailable', '--max-unavailable', [CompletionResultType]::ParameterName, 'At most this many pods not ready because of this run, across the cluster: N pods, or N% of the meshed pods the scan found (10%: nine pods in ten keep serving while the rest move). A restart holds its share until its rollout is complete; one workload larger than the cap restarts alone')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Start no restart after this time (RFC 3339, e.g. 2026-12-07T06:00:00Z): the running ones finish, what is left is listed, exit 3; the same command again continues')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Start no restart after this long (e.g. 30m, 2h), counted from the start; as --until')
            [CompletionResult]::new('--contexts', '--contexts', [CompletionResultType]::ParameterName, 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table')
            [CompletionResult]::new('--exclude-context', '--exclude-context', [CompletionResultType]::ParameterName, 'With --all-contexts: leave this context out (repeatable)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Clusters worked on at the same time')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait for every rollout to finish, scan again, and report what is still outdated (exit 1)')
            [CompletionResult]::new('--missing-sidecars', '--missing-sidecars', [CompletionResultType]::ParameterName, 'Also restart pods that should have a sidecar (by the injector''s namespace and pod selectors) and have none')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Run on every context of the kubeconfig')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;check' {
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Run the checks again until none fails or this much time has passed (e.g. 90s, 5m)')
            [CompletionResult]::new('--cert-warn-days', '--cert-warn-days', [CompletionResultType]::ParameterName, 'Warn about a mesh certificate (root, CA chain, webhook caBundle) this many days before it expires; within 7 days, or expired, it is an error')
            [CompletionResult]::new('--stuck-after', '--stuck-after', [CompletionResultType]::ParameterName, 'A pod in a meshed namespace Pending, Failed or Unknown this long is stuck (e.g. 10m, 1h)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--istioctl', '--istioctl', [CompletionResultType]::ParameterName, 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)')
            [CompletionResult]::new('--contexts', '--contexts', [CompletionResultType]::ParameterName, 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table')
            [CompletionResult]::new('--exclude-context', '--exclude-context', [CompletionResultType]::ParameterName, 'With --all-contexts: leave this context out (repeatable)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Clusters worked on at the same time')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--pre', '--pre', [CompletionResultType]::ParameterName, 'Only what install needs before anything is installed (the install preflight without the configuration)')
            [CompletionResult]::new('--fail-on-warnings', '--fail-on-warnings', [CompletionResultType]::ParameterName, 'Exit 1 when any check warns, not only when one fails (for pipelines)')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Run on every context of the kubeconfig')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;gateway' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does')
            [CompletionResult]::new('debug', 'debug', [CompletionResultType]::ParameterValue, 'Switch the gateway''s istio-proxy image between the distroless and the debug flavour')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kyma-mesh;gateway;restart' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long --wait may take (e.g. 90s, 10m)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait until the new pods are ready and the old ones are gone')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the patch and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;gateway;debug' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the rollout may take (e.g. 90s, 10m)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Do not wait for the rollout')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the patch and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;gateway;help' {
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does')
            [CompletionResult]::new('debug', 'debug', [CompletionResultType]::ParameterValue, 'Switch the gateway''s istio-proxy image between the distroless and the debug flavour')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kyma-mesh;gateway;help;restart' {
            break
        }
        'kyma-mesh;gateway;help;debug' {
            break
        }
        'kyma-mesh;gateway;help;help' {
            break
        }
        'kyma-mesh;injection' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Switch sidecar injection for a namespace or a Deployment')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Switch sidecar injection for a namespace or a Deployment')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Effective sidecar injection per namespace, and why')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kyma-mesh;injection;enable' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to switch (label istio-injection)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to switch (label istio-injection)')
            [CompletionResult]::new('--deployment', '--deployment', [CompletionResultType]::ParameterName, 'The Deployment to switch (pod-template annotation sidecar.istio.io/inject)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Restart the workloads whose pods must be re-created for the change (rollout restart)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow changing kube-system and istio-system, which Kyma keeps out of the mesh')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would change and which pods would need a restart; change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;injection;disable' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace to switch (label istio-injection)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace to switch (label istio-injection)')
            [CompletionResult]::new('--deployment', '--deployment', [CompletionResultType]::ParameterName, 'The Deployment to switch (pod-template annotation sidecar.istio.io/inject)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Restart the workloads whose pods must be re-created for the change (rollout restart)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow changing kube-system and istio-system, which Kyma keeps out of the mesh')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say what would change and which pods would need a restart; change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;injection;status' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only this namespace')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Only this namespace')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (default: a table)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;injection;help' {
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Switch sidecar injection for a namespace or a Deployment')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Switch sidecar injection for a namespace or a Deployment')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Effective sidecar injection per namespace, and why')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kyma-mesh;injection;help;enable' {
            break
        }
        'kyma-mesh;injection;help;disable' {
            break
        }
        'kyma-mesh;injection;help;status' {
            break
        }
        'kyma-mesh;injection;help;help' {
            break
        }
        'kyma-mesh;uninstall' {
            [CompletionResult]::new('--istioctl', '--istioctl', [CompletionResultType]::ParameterName, 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the whole uninstall may take (e.g. 90s, 10m)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Uninstall even though Istio resources you created exist (they are deleted)')
            [CompletionResult]::new('--no-restart', '--no-restart', [CompletionResultType]::ParameterName, 'List the workloads that still run sidecars instead of restarting them')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
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
            [CompletionResult]::new('--contexts', '--contexts', [CompletionResultType]::ParameterName, 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table')
            [CompletionResult]::new('--exclude-context', '--exclude-context', [CompletionResultType]::ParameterName, 'With --all-contexts: leave this context out (repeatable)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Clusters worked on at the same time')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Run on every context of the kubeconfig')
            [CompletionResult]::new('--fail-fast', '--fail-fast', [CompletionResultType]::ParameterName, 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;completions' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Nothing on stderr but errors')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kyma-mesh;man' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use (default: the current context)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv')
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
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install Istio with Kyma''s configuration: preflight, istioctl, Kyma''s patches, readiness')
            [CompletionResult]::new('upgrade', 'upgrade', [CompletionResultType]::ParameterValue, 'Upgrade Istio by one minor (or a patch) and move every sidecar with it')
            [CompletionResult]::new('proxy-reset', 'proxy-reset', [CompletionResultType]::ParameterValue, 'Restart workloads whose Istio sidecar is not the installed Istio''s version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Diagnose the mesh: Kyma''s Service Mesh troubleshooting guide as checks, linkerd-style')
            [CompletionResult]::new('gateway', 'gateway', [CompletionResultType]::ParameterValue, 'Fix and investigate the ingress gateway (Kyma''s troubleshooting guide: "Can''t access Console UI or other endpoints")')
            [CompletionResult]::new('injection', 'injection', [CompletionResultType]::ParameterValue, 'Sidecar injection of a namespace or a Deployment: switch it, or see who gets sidecars and why')
            [CompletionResult]::new('uninstall', 'uninstall', [CompletionResultType]::ParameterValue, 'Remove Istio and everything kyma-mesh added to the cluster')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print kyma-mesh''s version, the istioctl it would use and, when the cluster answers, its control plane, recorded profile and data plane per sidecar version')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print a man page (roff), generated from this command line')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kyma-mesh;help;render' {
            break
        }
        'kyma-mesh;help;install' {
            break
        }
        'kyma-mesh;help;upgrade' {
            break
        }
        'kyma-mesh;help;proxy-reset' {
            break
        }
        'kyma-mesh;help;check' {
            break
        }
        'kyma-mesh;help;gateway' {
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does')
            [CompletionResult]::new('debug', 'debug', [CompletionResultType]::ParameterValue, 'Switch the gateway''s istio-proxy image between the distroless and the debug flavour')
            break
        }
        'kyma-mesh;help;gateway;restart' {
            break
        }
        'kyma-mesh;help;gateway;debug' {
            break
        }
        'kyma-mesh;help;injection' {
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Switch sidecar injection for a namespace or a Deployment')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Switch sidecar injection for a namespace or a Deployment')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Effective sidecar injection per namespace, and why')
            break
        }
        'kyma-mesh;help;injection;enable' {
            break
        }
        'kyma-mesh;help;injection;disable' {
            break
        }
        'kyma-mesh;help;injection;status' {
            break
        }
        'kyma-mesh;help;uninstall' {
            break
        }
        'kyma-mesh;help;version' {
            break
        }
        'kyma-mesh;help;completions' {
            break
        }
        'kyma-mesh;help;man' {
            break
        }
        'kyma-mesh;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
