# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kyma_mesh_global_optspecs
    string join \n kubeconfig= context= v/verbose q/quiet h/help V/version
end

function __fish_kyma_mesh_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kyma_mesh_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kyma_mesh_using_subcommand
    set -l cmd (__fish_kyma_mesh_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "render" -d 'Print the merged IstioOperator: the profile, your overrides and --set values, validated'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "install" -d 'Install Istio with Kyma\'s configuration: preflight, istioctl, Kyma\'s patches, readiness'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "upgrade" -d 'Upgrade Istio by one minor (or a patch) and move every sidecar with it'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "proxy-reset" -d 'Restart workloads whose Istio sidecar is not the installed Istio\'s version'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "check" -d 'Diagnose the mesh: Kyma\'s Service Mesh troubleshooting guide as checks, linkerd-style'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "gateway" -d 'Fix and investigate the ingress gateway (Kyma\'s troubleshooting guide: "Can\'t access Console UI or other endpoints")'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "injection" -d 'Sidecar injection of a namespace or a Deployment: switch it, or see who gets sidecars and why'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "uninstall" -d 'Remove Istio and everything kyma-mesh added to the cluster'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "version" -d 'Print kyma-mesh\'s version, the istioctl it would use and, when the cluster answers, its control plane, recorded profile and data plane per sidecar version'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "man" -d 'Print a man page (roff), generated from this command line'
complete -c kyma-mesh -n "__fish_kyma_mesh_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -l profile -d 'The defaults to start from: Kyma 1.x\'s profiles (local, cluster, production) or the Kyma Istio module\'s default IstioOperator (module, module-evaluation) [default: cluster; install and upgrade keep the profile the last install recorded]' -r -f -a "local\t'Minikube or k3d: small requests, one replica, NodePort gateway on ports 80/443'
cluster\t'Any real cluster: LoadBalancer gateway, HPA 1-5'
production\t'The cluster profile with increased resources and HPA for all components'
module\t'The Kyma Istio module\'s defaults, Production variant: injection opt-in, OTLP tracing, CNI, HPA 3-15'
module-evaluation\t'The Kyma Istio module\'s defaults, Evaluation variant: one replica, small requests'"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -l sidecar-injection -d 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma does) [default: default (opt-in for the module profiles), or the recorded mode]' -r -f -a "default\t'Every namespace but istio-system and kube-system gets sidecars'
opt-in\t'Only namespaces labelled istio-injection=enabled (kyma-mesh labels kyma-system)'"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -l compatibility-version -d 'Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g. 1.29 for one upgrade step; \'none\' drops a recorded one [default: none, or the recorded one]' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -s o -s f -l overrides -l filename -d 'Override file, merged left to right (\'-\' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module\'s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl\'s name for it' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -l set -d 'Set one value, after all files: PATH=VALUE with istioctl\'s path syntax, relative to spec (a.b.c, \\. inside keys, [N] list index, [key:value] list item)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -l output -d 'Output format' -r -f -a "yaml\t'The merged IstioOperator as YAML'
json\t'The merged IstioOperator as JSON'
istio-cr\t'Your overrides (their difference from the profile) as the Kyma Istio module\'s Istio resource; what it cannot express is named on stderr'"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -l skip-validation -d 'Do not check the result against Istio\'s API (for fields newer than kyma-mesh knows)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -l explain -d 'Show, for every value, the source that set it (profile, file:line:column, --set #N, the Istio resource\'s field)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand render" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l profile -d 'The defaults to start from: Kyma 1.x\'s profiles (local, cluster, production) or the Kyma Istio module\'s default IstioOperator (module, module-evaluation) [default: cluster; install and upgrade keep the profile the last install recorded]' -r -f -a "local\t'Minikube or k3d: small requests, one replica, NodePort gateway on ports 80/443'
cluster\t'Any real cluster: LoadBalancer gateway, HPA 1-5'
production\t'The cluster profile with increased resources and HPA for all components'
module\t'The Kyma Istio module\'s defaults, Production variant: injection opt-in, OTLP tracing, CNI, HPA 3-15'
module-evaluation\t'The Kyma Istio module\'s defaults, Evaluation variant: one replica, small requests'"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l sidecar-injection -d 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma does) [default: default (opt-in for the module profiles), or the recorded mode]' -r -f -a "default\t'Every namespace but istio-system and kube-system gets sidecars'
opt-in\t'Only namespaces labelled istio-injection=enabled (kyma-mesh labels kyma-system)'"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l compatibility-version -d 'Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g. 1.29 for one upgrade step; \'none\' drops a recorded one [default: none, or the recorded one]' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -s o -s f -l overrides -l filename -d 'Override file, merged left to right (\'-\' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module\'s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl\'s name for it' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l set -d 'Set one value, after all files: PATH=VALUE with istioctl\'s path syntax, relative to spec (a.b.c, \\. inside keys, [N] list index, [key:value] list item)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l istioctl -d 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l from-configmap -d 'Take overrides from this ConfigMap\'s kyma_istio_operator key (before any -o files)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l from-istio-cr -d 'Take overrides from the Kyma Istio module\'s Istio resource in the cluster (before any -o files) [default: the one in kyma-system]' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l timeout -d 'How long the whole install may take (e.g. 90s, 10m, 1h)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l contexts -d 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster\'s lines are prefixed with its context, then one summary table' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l exclude-context -d 'With --all-contexts: leave this context out (repeatable)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l parallel -d 'Clusters worked on at the same time' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l skip-validation -d 'Do not check the result against Istio\'s API (for fields newer than kyma-mesh knows)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l dry-run -d 'Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l fix -d 'Delete stale sidecar-injector webhook configurations found by the preflight'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l all-contexts -d 'Run on every context of the kubeconfig'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -l fail-fast -d 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand install" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l profile -d 'The defaults to start from: Kyma 1.x\'s profiles (local, cluster, production) or the Kyma Istio module\'s default IstioOperator (module, module-evaluation) [default: cluster; install and upgrade keep the profile the last install recorded]' -r -f -a "local\t'Minikube or k3d: small requests, one replica, NodePort gateway on ports 80/443'
cluster\t'Any real cluster: LoadBalancer gateway, HPA 1-5'
production\t'The cluster profile with increased resources and HPA for all components'
module\t'The Kyma Istio module\'s defaults, Production variant: injection opt-in, OTLP tracing, CNI, HPA 3-15'
module-evaluation\t'The Kyma Istio module\'s defaults, Evaluation variant: one replica, small requests'"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l sidecar-injection -d 'Who gets sidecars: everyone but istio-system/kube-system (default), or only namespaces labelled istio-injection=enabled (opt-in, with tracing over OTLP as the later Kyma does) [default: default (opt-in for the module profiles), or the recorded mode]' -r -f -a "default\t'Every namespace but istio-system and kube-system gets sidecars'
opt-in\t'Only namespaces labelled istio-injection=enabled (kyma-mesh labels kyma-system)'"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l compatibility-version -d 'Make Istio behave like an earlier minor (IstioOperator spec.compatibilityVersion), e.g. 1.29 for one upgrade step; \'none\' drops a recorded one [default: none, or the recorded one]' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -s o -s f -l overrides -l filename -d 'Override file, merged left to right (\'-\' reads stdin). Accepts an IstioOperator, a Kyma override ConfigMap (data.kyma_istio_operator), several such ConfigMaps in one file, a values file with istio.kyma_istio_operator, or the Kyma Istio module\'s Istio resource (operator.kyma-project.io/v1alpha2). -f/--filename is istioctl\'s name for it' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l set -d 'Set one value, after all files: PATH=VALUE with istioctl\'s path syntax, relative to spec (a.b.c, \\. inside keys, [N] list index, [key:value] list item)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l istioctl -d 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l timeout -d 'How long the control-plane part may take (e.g. 90s, 10m); proxy-reset gets as long again' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l concurrency -d 'Workloads restarted at the same time by the proxy reset' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l wave-size -d 'With --canary: restart N namespaces at a time (kyma-system first), verifying each wave before the next' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l max-unavailable -d 'At most this many pods not ready because of this run, across the cluster: N pods, or N% of the meshed pods the scan found (10%: nine pods in ten keep serving while the rest move). A restart holds its share until its rollout is complete; one workload larger than the cap restarts alone' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l until -d 'Start no restart after this time (RFC 3339, e.g. 2026-12-07T06:00:00Z): the running ones finish, what is left is listed, exit 3; the same command again continues' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l for -d 'Start no restart after this long (e.g. 30m, 2h), counted from the start; as --until' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l contexts -d 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster\'s lines are prefixed with its context, then one summary table' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l exclude-context -d 'With --all-contexts: leave this context out (repeatable)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l parallel -d 'Clusters worked on at the same time' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l skip-validation -d 'Do not check the result against Istio\'s API (for fields newer than kyma-mesh knows)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l dry-run -d 'Print the plan (sources, IstioOperator, istioctl command, patches) and change nothing'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l skip-proxy-reset -d 'Do not restart workloads after the control plane moved (run proxy-reset yourself)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l canary -d 'Install the new version as its own revision beside the running control plane, move the `default` tag to it and restart the workloads onto it; the old control plane stays'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l finish -d 'Complete a canary upgrade: remove the old revision (refused while a pod still uses it)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l rollback -d 'Undo a canary upgrade: the `default` tag, the gateways and the workloads back to the old revision, then the new revision removed'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l all-contexts -d 'Run on every context of the kubeconfig'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -l fail-fast -d 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand upgrade" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -s n -l namespace -d 'Only pods in this namespace (repeatable; default: all namespaces)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l exclude-namespace -d 'Leave this namespace alone, reporting its outdated pods as skipped (repeatable)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l concurrency -d 'Workloads restarted at the same time' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l timeout -d 'How long the run may take, e.g. 90s, 10m: its waits (OnDelete replacements, a share of --max-unavailable, --wait) end, and no restart starts after it (exit 3 if any is left)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l output -d 'Print the plan or the result as JSON (shape in README "proxy-reset")' -r -f -a "json\t''"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l max-unavailable -d 'At most this many pods not ready because of this run, across the cluster: N pods, or N% of the meshed pods the scan found (10%: nine pods in ten keep serving while the rest move). A restart holds its share until its rollout is complete; one workload larger than the cap restarts alone' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l until -d 'Start no restart after this time (RFC 3339, e.g. 2026-12-07T06:00:00Z): the running ones finish, what is left is listed, exit 3; the same command again continues' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l for -d 'Start no restart after this long (e.g. 30m, 2h), counted from the start; as --until' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l contexts -d 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster\'s lines are prefixed with its context, then one summary table' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l exclude-context -d 'With --all-contexts: leave this context out (repeatable)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l parallel -d 'Clusters worked on at the same time' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l dry-run -d 'Print the plan and change nothing'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l wait -d 'Wait for every rollout to finish, scan again, and report what is still outdated (exit 1)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l missing-sidecars -d 'Also restart pods that should have a sidecar (by the injector\'s namespace and pod selectors) and have none'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l all-contexts -d 'Run on every context of the kubeconfig'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -l fail-fast -d 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand proxy-reset" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l wait -d 'Run the checks again until none fails or this much time has passed (e.g. 90s, 5m)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l cert-warn-days -d 'Warn about a mesh certificate (root, CA chain, webhook caBundle) this many days before it expires; within 7 days, or expired, it is an error' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l stuck-after -d 'A pod in a meshed namespace Pending, Failed or Unknown this long is stuck (e.g. 10m, 1h)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l istioctl -d 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l contexts -d 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster\'s lines are prefixed with its context, then one summary table' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l exclude-context -d 'With --all-contexts: leave this context out (repeatable)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l parallel -d 'Clusters worked on at the same time' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l pre -d 'Only what install needs before anything is installed (the install preflight without the configuration)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l fail-on-warnings -d 'Exit 1 when any check warns, not only when one fails (for pipelines)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l all-contexts -d 'Run on every context of the kubeconfig'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -l fail-fast -d 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand check" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and not __fish_seen_subcommand_from restart debug help" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and not __fish_seen_subcommand_from restart debug help" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and not __fish_seen_subcommand_from restart debug help" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and not __fish_seen_subcommand_from restart debug help" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and not __fish_seen_subcommand_from restart debug help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and not __fish_seen_subcommand_from restart debug help" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and not __fish_seen_subcommand_from restart debug help" -f -a "restart" -d 'Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and not __fish_seen_subcommand_from restart debug help" -f -a "debug" -d 'Switch the gateway\'s istio-proxy image between the distroless and the debug flavour'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and not __fish_seen_subcommand_from restart debug help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from restart" -l timeout -d 'How long --wait may take (e.g. 90s, 10m)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from restart" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from restart" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from restart" -l wait -d 'Wait until the new pods are ready and the old ones are gone'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from restart" -l dry-run -d 'Print the patch and change nothing'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from restart" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from restart" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from restart" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from debug" -l timeout -d 'How long the rollout may take (e.g. 90s, 10m)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from debug" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from debug" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from debug" -l no-wait -d 'Do not wait for the rollout'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from debug" -l dry-run -d 'Print the patch and change nothing'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from debug" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from debug" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from debug" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from debug" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from help" -f -a "restart" -d 'Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from help" -f -a "debug" -d 'Switch the gateway\'s istio-proxy image between the distroless and the debug flavour'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand gateway; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -f -a "enable" -d 'Switch sidecar injection for a namespace or a Deployment'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -f -a "disable" -d 'Switch sidecar injection for a namespace or a Deployment'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -f -a "status" -d 'Effective sidecar injection per namespace, and why'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and not __fish_seen_subcommand_from enable disable status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -s n -l namespace -d 'The namespace to switch (label istio-injection)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -l deployment -d 'The Deployment to switch (pod-template annotation sidecar.istio.io/inject)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -l restart -d 'Restart the workloads whose pods must be re-created for the change (rollout restart)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -l force -d 'Allow changing kube-system and istio-system, which Kyma keeps out of the mesh'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -l dry-run -d 'Say what would change and which pods would need a restart; change nothing'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from enable" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -s n -l namespace -d 'The namespace to switch (label istio-injection)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -l deployment -d 'The Deployment to switch (pod-template annotation sidecar.istio.io/inject)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -l restart -d 'Restart the workloads whose pods must be re-created for the change (rollout restart)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -l force -d 'Allow changing kube-system and istio-system, which Kyma keeps out of the mesh'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -l dry-run -d 'Say what would change and which pods would need a restart; change nothing'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from disable" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from status" -s n -l namespace -d 'Only this namespace' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from status" -l output -d 'Output format (default: a table)' -r -f -a "yaml\t''
json\t''"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from status" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from status" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Switch sidecar injection for a namespace or a Deployment'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Switch sidecar injection for a namespace or a Deployment'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from help" -f -a "status" -d 'Effective sidecar injection per namespace, and why'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand injection; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -l istioctl -d 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -l timeout -d 'How long the whole uninstall may take (e.g. 90s, 10m)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -l force -d 'Uninstall even though Istio resources you created exist (they are deleted)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -l no-restart -d 'List the workloads that still run sidecars instead of restarting them'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -l dry-run -d 'Print the plan and change nothing'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand uninstall" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -l istioctl -d 'The istioctl binary (default: $ISTIOCTL, then istioctl on PATH)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -l output -d 'Output format (default: human-readable lines)' -r -f -a "yaml\t''
json\t''"
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -l contexts -d 'Run on these kubeconfig contexts (comma-separated or repeated), in parallel; each cluster\'s lines are prefixed with its context, then one summary table' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -l exclude-context -d 'With --all-contexts: leave this context out (repeatable)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -l parallel -d 'Clusters worked on at the same time' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -l all-contexts -d 'Run on every context of the kubeconfig'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -l fail-fast -d 'After the first cluster that fails, start no other (those running finish); without it a failed cluster never stops the others'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -s h -l help -d 'Print help'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand version" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand completions" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand completions" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand completions" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand completions" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand completions" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand man" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand man" -l context -d 'The kubeconfig context to use (default: the current context)' -r
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand man" -s v -l verbose -d 'More detail on stderr: -v says every step and every retried API request, -vv also every API request (method, path, status, duration) and istioctl\'s every line. kubectl\'s levels work too: -v=N, --v=N or -v N, where 1 to 5 mean -v and 6 or more -vv'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand man" -s q -l quiet -d 'Nothing on stderr but errors'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand man" -s V -l version -d 'Print version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "render" -d 'Print the merged IstioOperator: the profile, your overrides and --set values, validated'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "install" -d 'Install Istio with Kyma\'s configuration: preflight, istioctl, Kyma\'s patches, readiness'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "upgrade" -d 'Upgrade Istio by one minor (or a patch) and move every sidecar with it'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "proxy-reset" -d 'Restart workloads whose Istio sidecar is not the installed Istio\'s version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "check" -d 'Diagnose the mesh: Kyma\'s Service Mesh troubleshooting guide as checks, linkerd-style'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "gateway" -d 'Fix and investigate the ingress gateway (Kyma\'s troubleshooting guide: "Can\'t access Console UI or other endpoints")'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "injection" -d 'Sidecar injection of a namespace or a Deployment: switch it, or see who gets sidecars and why'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "uninstall" -d 'Remove Istio and everything kyma-mesh added to the cluster'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "version" -d 'Print kyma-mesh\'s version, the istioctl it would use and, when the cluster answers, its control plane, recorded profile and data plane per sidecar version'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "man" -d 'Print a man page (roff), generated from this command line'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and not __fish_seen_subcommand_from render install upgrade proxy-reset check gateway injection uninstall version completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and __fish_seen_subcommand_from gateway" -f -a "restart" -d 'Rolling restart of the istio-ingressgateway Deployment, as `kubectl rollout restart` does'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and __fish_seen_subcommand_from gateway" -f -a "debug" -d 'Switch the gateway\'s istio-proxy image between the distroless and the debug flavour'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and __fish_seen_subcommand_from injection" -f -a "enable" -d 'Switch sidecar injection for a namespace or a Deployment'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and __fish_seen_subcommand_from injection" -f -a "disable" -d 'Switch sidecar injection for a namespace or a Deployment'
complete -c kyma-mesh -n "__fish_kyma_mesh_using_subcommand help; and __fish_seen_subcommand_from injection" -f -a "status" -d 'Effective sidecar injection per namespace, and why'
