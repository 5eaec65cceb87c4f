
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
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand render 'Print the merged IstioOperator: the profile, your overrides and --set values, validated'
            cand install 'Install Istio with Kyma''s configuration: preflight, istioctl, Kyma''s patches, readiness'
            cand upgrade 'Upgrade Istio by one minor (or a patch) and move every sidecar with it'
            cand proxy-reset 'Restart workloads whose Istio sidecar is not the installed Istio''s version'
            cand check 'Diagnose the mesh: Kyma''s Service Mesh troubleshooting guide as checks, linkerd-style'
            cand gateway 'Fix and investigate the ingress gateway (Kyma''s troubleshooting guide: "Can''t access Console UI or other endpoints")'
            cand injection 'Sidecar injection of a namespace or a Deployment: switch it, or see who gets sidecars and why'
            cand uninstall 'Remove Istio and everything kyma-mesh added to the cluster'
            cand version 'Print kyma-mesh''s version, the istioctl it would use and, when the cluster answers, its control plane, recorded profile and data plane per sidecar version'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff), generated from this command line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kyma-mesh;render'= {
            cand --profile 'The defaults to start from: Kyma 1.x''s profiles (local, cluster, production) or the Kyma Istio module''s default IstioOperator (module, module-evaluation) [default: cluster; install and upgrade keep the profile the last install recorded]'
            cand --sidecar-injection 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma does) [default: default (opt-in for the module profiles), or the recorded mode]'
            cand --compatibility-version 'Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g. 1.29 for one upgrade step; ''none'' drops a recorded one [default: none, or the recorded one]'
            cand -o 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand -f 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand --overrides 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand --filename 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand --set 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)'
            cand --output 'Output format'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --skip-validation 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)'
            cand --explain 'Show, for every value, the source that set it (profile, file:line:column, --set #N, the Istio resource''s field)'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;install'= {
            cand --profile 'The defaults to start from: Kyma 1.x''s profiles (local, cluster, production) or the Kyma Istio module''s default IstioOperator (module, module-evaluation) [default: cluster; install and upgrade keep the profile the last install recorded]'
            cand --sidecar-injection 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma does) [default: default (opt-in for the module profiles), or the recorded mode]'
            cand --compatibility-version 'Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g. 1.29 for one upgrade step; ''none'' drops a recorded one [default: none, or the recorded one]'
            cand -o 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand -f 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand --overrides 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand --filename 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand --set 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)'
            cand --istioctl 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)'
            cand --from-configmap 'Take overrides from this ConfigMap''s kyma_istio_operator key (before any -o files)'
            cand --from-istio-cr 'Take overrides from the Kyma Istio module''s Istio resource in the cluster (before any -o files) [default: the one in kyma-system]'
            cand --timeout 'How long the whole install may take (e.g. 90s, 10m, 1h)'
            cand --contexts 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table'
            cand --exclude-context 'With --all-contexts: leave this context out (repeatable)'
            cand --parallel 'Clusters worked on at the same time'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --skip-validation 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)'
            cand --dry-run 'Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing'
            cand --fix 'Delete stale sidecar-injector webhook configurations found by the preflight'
            cand --all-contexts 'Run on every context of the kubeconfig'
            cand --fail-fast 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;upgrade'= {
            cand --profile 'The defaults to start from: Kyma 1.x''s profiles (local, cluster, production) or the Kyma Istio module''s default IstioOperator (module, module-evaluation) [default: cluster; install and upgrade keep the profile the last install recorded]'
            cand --sidecar-injection 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma does) [default: default (opt-in for the module profiles), or the recorded mode]'
            cand --compatibility-version 'Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g. 1.29 for one upgrade step; ''none'' drops a recorded one [default: none, or the recorded one]'
            cand -o 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand -f 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand --overrides 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand --filename 'Override file, merged left to right (''-'' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module''s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl''s name for it'
            cand --set 'Set one value, after all files: PATH=VALUE with istioctl''s path syntax, relative to spec (a.b.c, \. inside keys, [N] list index, [key:value] list item)'
            cand --istioctl 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)'
            cand --timeout 'How long the control-plane part may take (e.g. 90s, 10m); proxy-reset gets as long again'
            cand --concurrency 'Workloads restarted at the same time by the proxy reset'
            cand --wave-size 'With --canary: restart N namespaces at a time (kyma-system first), verifying each wave before the next'
            cand --max-unavailable 'At most this many pods not ready because of this run, across the cluster: N pods, or N% of the meshed pods the scan found (10%: nine pods in ten keep serving while the rest move). A restart holds its share until its rollout is complete; one workload larger than the cap restarts alone'
            cand --until 'Start no restart after this time (RFC 3339, e.g. 2026-12-07T06:00:00Z): the running ones finish, what is left is listed, exit 3; the same command again continues'
            cand --for 'Start no restart after this long (e.g. 30m, 2h), counted from the start; as --until'
            cand --contexts 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table'
            cand --exclude-context 'With --all-contexts: leave this context out (repeatable)'
            cand --parallel 'Clusters worked on at the same time'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --skip-validation 'Do not check the result against Istio''s API (for fields newer than kyma-mesh knows)'
            cand --dry-run 'Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing'
            cand --skip-proxy-reset 'Do not restart workloads after the control plane moved (run proxy-reset yourself)'
            cand --canary 'Install the new version as its own revision beside the running control plane, move the `default` tag to it and restart the workloads onto it; the old control plane stays'
            cand --finish 'Complete a canary upgrade: remove the old revision (refused while a pod still uses it)'
            cand --rollback 'Undo a canary upgrade: the `default` tag, the gateways and the workloads back to the old revision, then the new revision removed'
            cand --all-contexts 'Run on every context of the kubeconfig'
            cand --fail-fast 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;proxy-reset'= {
            cand -n 'Only pods in this namespace (repeatable; default: all namespaces)'
            cand --namespace 'Only pods in this namespace (repeatable; default: all namespaces)'
            cand --exclude-namespace 'Leave this namespace alone, reporting its outdated pods as skipped (repeatable)'
            cand --concurrency 'Workloads restarted at the same time'
            cand --timeout 'How long the run may take, e.g. 90s, 10m: its waits (OnDelete replacements, a share of --max-unavailable, --wait) end, and no restart starts after it (exit 3 if any is left)'
            cand --output 'Print the plan or the result as JSON (shape in README "proxy-reset")'
            cand --max-unavailable 'At most this many pods not ready because of this run, across the cluster: N pods, or N% of the meshed pods the scan found (10%: nine pods in ten keep serving while the rest move). A restart holds its share until its rollout is complete; one workload larger than the cap restarts alone'
            cand --until 'Start no restart after this time (RFC 3339, e.g. 2026-12-07T06:00:00Z): the running ones finish, what is left is listed, exit 3; the same command again continues'
            cand --for 'Start no restart after this long (e.g. 30m, 2h), counted from the start; as --until'
            cand --contexts 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table'
            cand --exclude-context 'With --all-contexts: leave this context out (repeatable)'
            cand --parallel 'Clusters worked on at the same time'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --dry-run 'Print the plan and change nothing'
            cand --wait 'Wait for every rollout to finish, scan again, and report what is still outdated (exit 1)'
            cand --missing-sidecars 'Also restart pods that should have a sidecar (by the injector''s namespace and pod selectors) and have none'
            cand --all-contexts 'Run on every context of the kubeconfig'
            cand --fail-fast 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;check'= {
            cand --wait 'Run the checks again until none fails or this much time has passed (e.g. 90s, 5m)'
            cand --cert-warn-days 'Warn about a mesh certificate (root, CA chain, webhook caBundle) this many days before it expires; within 7 days, or expired, it is an error'
            cand --stuck-after 'A pod in a meshed namespace Pending, Failed or Unknown this long is stuck (e.g. 10m, 1h)'
            cand --output 'Output format'
            cand --istioctl 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)'
            cand --contexts 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table'
            cand --exclude-context 'With --all-contexts: leave this context out (repeatable)'
            cand --parallel 'Clusters worked on at the same time'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --pre 'Only what install needs before anything is installed (the install preflight without the configuration)'
            cand --fail-on-warnings 'Exit 1 when any check warns, not only when one fails (for pipelines)'
            cand --all-contexts 'Run on every context of the kubeconfig'
            cand --fail-fast 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;gateway'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand restart 'Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does'
            cand debug 'Switch the gateway''s istio-proxy image between the distroless and the debug flavour'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kyma-mesh;gateway;restart'= {
            cand --timeout 'How long --wait may take (e.g. 90s, 10m)'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --wait 'Wait until the new pods are ready and the old ones are gone'
            cand --dry-run 'Print the patch and change nothing'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;gateway;debug'= {
            cand --timeout 'How long the rollout may take (e.g. 90s, 10m)'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --no-wait 'Do not wait for the rollout'
            cand --dry-run 'Print the patch and change nothing'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;gateway;help'= {
            cand restart 'Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does'
            cand debug 'Switch the gateway''s istio-proxy image between the distroless and the debug flavour'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kyma-mesh;gateway;help;restart'= {
        }
        &'kyma-mesh;gateway;help;debug'= {
        }
        &'kyma-mesh;gateway;help;help'= {
        }
        &'kyma-mesh;injection'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand enable 'Switch sidecar injection for a namespace or a Deployment'
            cand disable 'Switch sidecar injection for a namespace or a Deployment'
            cand status 'Effective sidecar injection per namespace, and why'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kyma-mesh;injection;enable'= {
            cand -n 'The namespace to switch (label istio-injection)'
            cand --namespace 'The namespace to switch (label istio-injection)'
            cand --deployment 'The Deployment to switch (pod-template annotation sidecar.istio.io/inject)'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --restart 'Restart the workloads whose pods must be re-created for the change (rollout restart)'
            cand --force 'Allow changing kube-system and istio-system, which Kyma keeps out of the mesh'
            cand --dry-run 'Say what would change and which pods would need a restart; change nothing'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;injection;disable'= {
            cand -n 'The namespace to switch (label istio-injection)'
            cand --namespace 'The namespace to switch (label istio-injection)'
            cand --deployment 'The Deployment to switch (pod-template annotation sidecar.istio.io/inject)'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --restart 'Restart the workloads whose pods must be re-created for the change (rollout restart)'
            cand --force 'Allow changing kube-system and istio-system, which Kyma keeps out of the mesh'
            cand --dry-run 'Say what would change and which pods would need a restart; change nothing'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;injection;status'= {
            cand -n 'Only this namespace'
            cand --namespace 'Only this namespace'
            cand --output 'Output format (default: a table)'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;injection;help'= {
            cand enable 'Switch sidecar injection for a namespace or a Deployment'
            cand disable 'Switch sidecar injection for a namespace or a Deployment'
            cand status 'Effective sidecar injection per namespace, and why'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kyma-mesh;injection;help;enable'= {
        }
        &'kyma-mesh;injection;help;disable'= {
        }
        &'kyma-mesh;injection;help;status'= {
        }
        &'kyma-mesh;injection;help;help'= {
        }
        &'kyma-mesh;uninstall'= {
            cand --istioctl 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)'
            cand --timeout 'How long the whole uninstall may take (e.g. 90s, 10m)'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --force 'Uninstall even though Istio resources you created exist (they are deleted)'
            cand --no-restart 'List the workloads that still run sidecars instead of restarting them'
            cand --dry-run 'Print the plan and change nothing'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
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
            cand --contexts 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster''s lines are prefixed with its context, then one summary table'
            cand --exclude-context 'With --all-contexts: leave this context out (repeatable)'
            cand --parallel 'Clusters worked on at the same time'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand --all-contexts 'Run on every context of the kubeconfig'
            cand --fail-fast 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;completions'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;man'= {
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)'
            cand --context 'The kubeconfig context to use (default: the current context)'
            cand -v 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand --verbose 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl''s every line. kubectl''s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
            cand -q 'Nothing on stderr but errors'
            cand --quiet 'Nothing on stderr but errors'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kyma-mesh;help'= {
            cand render 'Print the merged IstioOperator: the profile, your overrides and --set values, validated'
            cand install 'Install Istio with Kyma''s configuration: preflight, istioctl, Kyma''s patches, readiness'
            cand upgrade 'Upgrade Istio by one minor (or a patch) and move every sidecar with it'
            cand proxy-reset 'Restart workloads whose Istio sidecar is not the installed Istio''s version'
            cand check 'Diagnose the mesh: Kyma''s Service Mesh troubleshooting guide as checks, linkerd-style'
            cand gateway 'Fix and investigate the ingress gateway (Kyma''s troubleshooting guide: "Can''t access Console UI or other endpoints")'
            cand injection 'Sidecar injection of a namespace or a Deployment: switch it, or see who gets sidecars and why'
            cand uninstall 'Remove Istio and everything kyma-mesh added to the cluster'
            cand version 'Print kyma-mesh''s version, the istioctl it would use and, when the cluster answers, its control plane, recorded profile and data plane per sidecar version'
            cand completions 'Print a shell completion script'
            cand man 'Print a man page (roff), generated from this command line'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kyma-mesh;help;render'= {
        }
        &'kyma-mesh;help;install'= {
        }
        &'kyma-mesh;help;upgrade'= {
        }
        &'kyma-mesh;help;proxy-reset'= {
        }
        &'kyma-mesh;help;check'= {
        }
        &'kyma-mesh;help;gateway'= {
            cand restart 'Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does'
            cand debug 'Switch the gateway''s istio-proxy image between the distroless and the debug flavour'
        }
        &'kyma-mesh;help;gateway;restart'= {
        }
        &'kyma-mesh;help;gateway;debug'= {
        }
        &'kyma-mesh;help;injection'= {
            cand enable 'Switch sidecar injection for a namespace or a Deployment'
            cand disable 'Switch sidecar injection for a namespace or a Deployment'
            cand status 'Effective sidecar injection per namespace, and why'
        }
        &'kyma-mesh;help;injection;enable'= {
        }
        &'kyma-mesh;help;injection;disable'= {
        }
        &'kyma-mesh;help;injection;status'= {
        }
        &'kyma-mesh;help;uninstall'= {
        }
        &'kyma-mesh;help;version'= {
        }
        &'kyma-mesh;help;completions'= {
        }
        &'kyma-mesh;help;man'= {
        }
        &'kyma-mesh;help;help'= {
        }
    ]
    $completions[$command]
}
