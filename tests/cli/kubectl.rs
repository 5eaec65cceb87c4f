//! Real kubectl against a test's kube-sim: reading back what kyma-mesh did, as a user would.

use crate::util::Cluster;

/// Runs kubectl with `KUBECONFIG` pointed at the cluster; panics unless it succeeds.
pub fn kubectl(c: &Cluster, args: &[&str]) -> String {
    let out = std::process::Command::new("kubectl")
        .args(args)
        .env("KUBECONFIG", c.sim.kubeconfig_path())
        .output()
        .expect("kubectl is on PATH");
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `kubectl get deploy NAME -n NS -o jsonpath=PATH`.
pub fn deploy_path(c: &Cluster, ns: &str, name: &str, path: &str) -> String {
    kubectl(
        c,
        &[
            "get",
            "deploy",
            name,
            "-n",
            ns,
            "-o",
            &format!("jsonpath={path}"),
        ],
    )
}

/// Names of the pods matching a label selector, sorted.
pub fn pod_names(c: &Cluster, ns: &str, selector: &str) -> Vec<String> {
    let mut names: Vec<String> = kubectl(
        c,
        &[
            "get",
            "pods",
            "-n",
            ns,
            "-l",
            selector,
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
        ],
    )
    .lines()
    .map(str::to_string)
    .collect();
    names.sort();
    names
}

/// The pods of a namespace that carry the injector's status annotation.
pub fn pods_with_sidecar(c: &Cluster, ns: &str, selector: &str) -> usize {
    kubectl(
        c,
        &[
            "get", "pods", "-n", ns, "-l", selector, "-o",
            "jsonpath={range .items[*]}{.metadata.annotations.sidecar\\.istio\\.io/status}{\"|\\n\"}{end}",
        ],
    )
    .lines()
    .filter(|l| l.len() > 1)
    .count()
}
