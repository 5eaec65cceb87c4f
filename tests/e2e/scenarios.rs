//! The user's journey, one function per step, each taking the ground it runs on. The same
//! functions run against kube-sim in every `cargo test` and against a real cluster on request.

use serde_json::{Value, json};

use crate::ground::{Ground, Istioctl, NS_PREFIX};

/// One finished kyma-mesh run, with everything a failed assertion needs.
pub struct Run {
    pub command: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn expect_success(&self) -> &Run {
        assert_eq!(
            self.code,
            Some(0),
            "`{}` failed\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`{}`: stdout is not JSON ({e}):\n{}",
                self.command, self.stdout
            )
        })
    }
}

pub fn run(g: &Ground, istioctl: Istioctl, args: &[&str]) -> Run {
    let out = g
        .kyma_mesh(istioctl)
        .args(args)
        .output()
        .expect("run kyma-mesh");
    Run {
        command: format!("kyma-mesh {} (on {})", args.join(" "), g.name()),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The state the journey carries from step to step.
pub struct Journey<'g> {
    pub g: &'g Ground,
    /// The namespace the suite created for its workload (prefix [`NS_PREFIX`]).
    pub ns: String,
    /// The istioctl the control plane was last installed with.
    pub istioctl: Istioctl,
}

impl Drop for Journey<'_> {
    fn drop(&mut self) {
        // A real cluster keeps nothing of the suite's; kube-sim goes away with its handle.
        if self.g.is_real() {
            self.g.delete_namespace(&self.ns);
        }
    }
}

impl<'g> Journey<'g> {
    pub fn new(g: &'g Ground) -> Journey<'g> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Journey {
            g,
            ns: format!("{NS_PREFIX}{}-{nanos:x}", std::process::id()),
            istioctl: Istioctl::From,
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        run(self.g, self.istioctl, args)
    }

    /// Every step, in the order a user takes them.
    pub fn all(&mut self) {
        self.check_pre_passes();
        self.install_leaves_kyma_specific_configuration();
        self.check_passes();
        self.second_install_changes_nothing();
        self.injection_enable_gives_the_workload_a_sidecar();
        self.upgrade_moves_the_control_plane();
        self.proxy_reset_leaves_nothing_outdated();
        self.gateway_restart_replaces_the_gateway_pods();
        self.uninstall_leaves_no_istio_objects();
    }

    /// The canary journey: install, a workload, `upgrade --canary` (two control planes),
    /// `--rollback`, `--canary` again, `--finish`, uninstall.
    pub fn canary(&mut self) {
        self.install_leaves_kyma_specific_configuration();
        self.injection_enable_gives_the_workload_a_sidecar();
        if !self.g.can_upgrade() {
            eprintln!("SKIPPED: canary (set ISTIOCTL_FROM and ISTIOCTL_TO to two adjacent minors)");
            self.uninstall_leaves_no_istio_objects();
            return;
        }
        let old = sidecar_images(self.g, &self.ns);
        self.istioctl = Istioctl::To;
        self.run(&["upgrade", "--canary"]).expect_success();
        assert_eq!(istiods(self.g).len(), 2, "two control planes side by side");
        let moved = sidecar_images(self.g, &self.ns);
        assert!(
            moved.iter().all(|i| !old.contains(i)),
            "the workload moved: {old:?} -> {moved:?}"
        );
        let check = self.run(&["check", "--output", "json"]);
        let revisions = check.json()["categories"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["checks"].as_array().cloned().unwrap_or_default())
            .find(|c| c["id"] == "revisions")
            .expect("a revisions check");
        assert_eq!(revisions["result"], "warning", "{revisions}");

        self.run(&["upgrade", "--rollback"]).expect_success();
        // istioctl deletes with foreground propagation: on a real API server the Deployment
        // stays (deletionTimestamp set) until the garbage collector has removed its pods.
        self.g
            .eventually("the canary revision gone", || istiods(self.g) == ["istiod"]);
        self.g
            .eventually("the workload back on the old sidecar", || {
                sidecar_images(self.g, &self.ns) == old
            });

        self.run(&["upgrade", "--canary"]).expect_success();
        self.run(&["upgrade", "--finish"]).expect_success();
        self.g
            .eventually("one control plane left", || istiods(self.g).len() == 1);
        let left = istiods(self.g);
        assert!(
            left[0].starts_with("istiod-"),
            "only the new revision: {left:?}"
        );
        self.uninstall_leaves_no_istio_objects();
    }

    pub fn check_pre_passes(&self) {
        self.run(&["check", "--pre"]).expect_success();
    }

    pub fn install_leaves_kyma_specific_configuration(&self) {
        self.run(&["install", "--profile", "local"])
            .expect_success();
        assert_kyma_specific_configuration(self.g);
    }

    pub fn check_passes(&self) {
        self.run(&["check"]).expect_success();
    }

    /// kyma-mesh's own objects are not rewritten. istioctl re-applies its webhook
    /// configuration on every install (resetting what it owns), so kyma-mesh re-applies its
    /// tuning there; the record `kyma-mesh-config` notes each install.
    pub fn second_install_changes_nothing(&self) {
        // Not istio-system's Namespace: istioctl applies it on every install too.
        let objects: [(&str, Option<&str>, &str); 4] = [
            (
                "peerauthentications.security.istio.io",
                Some("istio-system"),
                "default",
            ),
            (
                "destinationrules.networking.istio.io",
                Some("istio-system"),
                "api-server",
            ),
            (
                "destinationrules.networking.istio.io",
                Some("istio-system"),
                "istio-ingressgateway",
            ),
            ("namespace", None, "kube-system"),
        ];
        let before = self.g.resource_versions(&objects);
        assert_eq!(
            before.len(),
            objects.len(),
            "kyma-mesh's objects exist: {before:?}"
        );
        let writes = self.g.kyma_mesh_writes_during(|| {
            self.run(&["install", "--profile", "local"])
                .expect_success();
        });
        let after = self.g.resource_versions(&objects);
        assert_eq!(
            before, after,
            "a second install changed kyma-mesh's objects"
        );
        if let Some(writes) = writes {
            let again: Vec<&String> = writes
                .iter()
                .filter(|w| !w.ends_with("/configmaps/kyma-mesh-config"))
                .filter(|w| !w.contains("mutatingwebhookconfigurations"))
                .collect();
            assert!(again.is_empty(), "a second install rewrote {again:?}");
        }
        assert_kyma_specific_configuration(self.g);
    }

    /// A namespace that opted out, with nginx in it: no sidecar until `injection enable
    /// --restart`, then every pod has one.
    pub fn injection_enable_gives_the_workload_a_sidecar(&self) {
        let ns = self.ns.as_str();
        self.g
            .apply(&json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"istio-injection": "disabled"}}}));
        self.g.apply(&nginx(ns));
        self.g
            .eventually("nginx to run", || !live_pods(self.g, ns).is_empty());
        assert_eq!(
            with_sidecar(&live_pods(self.g, ns)),
            0,
            "opted out: no sidecar yet"
        );

        self.run(&["injection", "enable", "--namespace", ns, "--restart"])
            .expect_success();
        let label =
            self.g.must_get("namespace", None, ns)["metadata"]["labels"]["istio-injection"].clone();
        assert_eq!(label, "enabled");
        self.g.eventually("nginx pods with sidecars only", || {
            let pods = live_pods(self.g, ns);
            !pods.is_empty() && with_sidecar(&pods) == pods.len()
        });
    }

    /// `upgrade` to the next minor when two istioctl binaries are given (kube-sim always has
    /// them). Proxies are left to the next step, which limits itself to the suite's namespace.
    pub fn upgrade_moves_the_control_plane(&mut self) {
        if !self.g.can_upgrade() {
            eprintln!(
                "SKIPPED: upgrade (set ISTIOCTL_FROM and ISTIOCTL_TO to two adjacent minors)"
            );
            return;
        }
        let before = istiod_image(self.g);
        self.istioctl = Istioctl::To;
        self.run(&["upgrade", "--skip-proxy-reset"])
            .expect_success();
        let after = istiod_image(self.g);
        assert_ne!(before, after, "istiod runs the new version");
        let rec = self
            .g
            .must_get("configmap", Some("istio-system"), "kyma-mesh-config");
        assert_eq!(
            rec["data"]["profile"], "local",
            "the recorded profile is kept"
        );
        assert_kyma_specific_configuration(self.g);
    }

    pub fn proxy_reset_leaves_nothing_outdated(&self) {
        let ns = self.ns.as_str();
        self.budgets_pace_the_restart();
        let run = self.run(&[
            "proxy-reset",
            "--wait",
            "--namespace",
            ns,
            "--output",
            "json",
        ]);
        run.expect_success();
        let doc = run.json();
        assert_eq!(doc["summary"]["failed"], 0, "{doc}");
        assert_eq!(doc["stillOutdated"], json!([]), "{doc}");
        let expected = doc["expectedImage"]
            .as_str()
            .expect("expectedImage")
            .to_string();
        let what = format!("every nginx sidecar on {expected} (proxy-reset said {doc})");
        self.g.eventually(&what, || {
            let pods = live_pods(self.g, ns);
            !pods.is_empty()
                && pods.iter().all(|p| {
                    // The flavour (`-distroless`) may differ; the version may not.
                    proxy_image(p).is_some_and(|i| i.starts_with(&expected))
                })
        });
    }

    /// PodDisruptionBudgets as the disruption controller (kube-sim's, or the real ground's
    /// kube-controller-manager) keeps them: one that allows nothing holds `web` back in the
    /// dry run's plan with the controller's own numbers; one that allows a disruption gates it
    /// and lets it go in the first round (it stays for the restart that follows).
    fn budgets_pace_the_restart(&self) {
        if !self.g.can_upgrade() {
            // Nothing is outdated without the upgrade before: no plan to look at.
            return;
        }
        let ns = self.ns.as_str();
        let pdb = |name: &str, spec: Value| {
            let mut spec = spec;
            spec["selector"] = json!({"matchLabels": {"app": "web"}});
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                   "metadata": {"name": name, "namespace": ns}, "spec": spec})
        };
        let settled = |name: &str, allowed: i64| {
            self.g.get("pdb", Some(ns), name).is_some_and(|b| {
                b["status"]["expectedPods"] == 1 && b["status"]["disruptionsAllowed"] == allowed
            })
        };
        let plan = || {
            let run = self.run(&["proxy-reset", "--dry-run", "-n", ns, "--output", "json"]);
            run.expect_success();
            let doc = run.json();
            doc["workloads"]
                .as_array()
                .and_then(|w| w.iter().find(|w| w["name"] == "web").cloned())
                .unwrap_or_else(|| panic!("web is outdated: {doc}"))
        };
        self.g.apply(&pdb("web-strict", json!({"minAvailable": 1})));
        self.g
            .eventually("the disruption controller on web-strict", || {
                settled("web-strict", 0)
            });
        let web = plan();
        assert_eq!(web["round"], Value::Null, "{web}");
        assert_eq!(
            web["deferred"],
            format!(
                "PodDisruptionBudget {ns}/web-strict allows no disruption now (1 of 1 pods healthy, 1 required)"
            ),
            "{web}"
        );
        self.g.kubectl(&["delete", "pdb", "-n", ns, "web-strict"]);
        self.g.apply(&pdb("web", json!({"maxUnavailable": 1})));
        self.g
            .eventually("the disruption controller on web", || settled("web", 1));
        let web = plan();
        assert_eq!(web["round"], 1, "{web}");
        assert_eq!(web["budgets"], json!([format!("{ns}/web")]), "{web}");
    }

    pub fn gateway_restart_replaces_the_gateway_pods(&self) {
        let before = names(&live_pods_of(
            self.g,
            "istio-system",
            "app=istio-ingressgateway",
        ));
        assert!(!before.is_empty(), "the gateway runs");
        self.run(&["gateway", "restart", "--wait"]).expect_success();
        let after = names(&live_pods_of(
            self.g,
            "istio-system",
            "app=istio-ingressgateway",
        ));
        assert!(!after.is_empty());
        assert!(
            after.iter().all(|p| !before.contains(p)),
            "every gateway pod replaced: {before:?} -> {after:?}"
        );
    }

    pub fn uninstall_leaves_no_istio_objects(&self) {
        self.run(&["uninstall", "--force"]).expect_success();
        for kind in ISTIO_KINDS {
            let left = self.g.list(kind, None, None);
            assert!(
                left.is_empty(),
                "{kind} left after uninstall: {}",
                names(&left).join(", ")
            );
        }
        // istioctl deletes in the foreground: a real API server removes istiod once the garbage
        // collector has deleted its ReplicaSets and pods, a moment after istioctl returns.
        self.g
            .eventually("Deployment istio-system/istiod to be gone", || {
                self.g
                    .get("deployment", Some("istio-system"), "istiod")
                    .is_none()
            });
        self.g.eventually(
            "MutatingWebhookConfiguration istio-sidecar-injector to be gone",
            || {
                self.g
                    .get(
                        "mutatingwebhookconfigurations",
                        None,
                        "istio-sidecar-injector",
                    )
                    .is_none()
            },
        );
        assert!(
            self.g
                .get("configmap", Some("istio-system"), "kyma-mesh-config")
                .is_none()
        );
        let crds: Vec<String> = names(&self.g.list("customresourcedefinitions", None, None))
            .into_iter()
            .filter(|n| n.ends_with(".istio.io"))
            .collect();
        assert!(crds.is_empty(), "Istio CRDs left: {crds:?}");
    }
}

const ISTIO_KINDS: [&str; 6] = [
    "virtualservices.networking.istio.io",
    "destinationrules.networking.istio.io",
    "gateways.networking.istio.io",
    "authorizationpolicies.security.istio.io",
    "peerauthentications.security.istio.io",
    "envoyfilters.networking.istio.io",
];

/// Kyma's post-install configuration ("Kyma-specific configuration"), read back with kubectl.
fn assert_kyma_specific_configuration(g: &Ground) {
    let pa = g.must_get(
        "peerauthentications.security.istio.io",
        Some("istio-system"),
        "default",
    );
    assert_eq!(pa["spec"]["mtls"]["mode"], "STRICT");
    let dr = g.must_get(
        "destinationrules.networking.istio.io",
        Some("istio-system"),
        "api-server",
    );
    assert_eq!(dr["spec"]["host"], "kubernetes.default.svc.cluster.local");
    assert_eq!(dr["spec"]["trafficPolicy"]["tls"]["mode"], "DISABLE");
    let wh = g.must_get(
        "mutatingwebhookconfigurations",
        None,
        "istio-sidecar-injector",
    );
    let hooks: Vec<&Value> = wh["webhooks"]
        .as_array()
        .expect("webhooks")
        .iter()
        .filter(|h| {
            h["name"]
                .as_str()
                .unwrap_or("")
                .ends_with("sidecar-injector.istio.io")
        })
        .collect();
    assert!(!hooks.is_empty(), "the injector's webhooks exist");
    for h in hooks {
        assert_eq!(h["timeoutSeconds"], 10, "{}", h["name"]);
    }
}

fn nginx(ns: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": ns},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27-alpine",
                                                       "ports": [{"containerPort": 80}]}]}}},
    })
}

/// Pods that are not being deleted (a real server keeps terminating pods listed for a while).
fn live_pods_of(g: &Ground, ns: &str, selector: &str) -> Vec<Value> {
    g.list("pods", Some(ns), Some(selector))
        .into_iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .collect()
}

fn live_pods(g: &Ground, ns: &str) -> Vec<Value> {
    live_pods_of(g, ns, "app=web")
}

fn proxy_image(pod: &Value) -> Option<String> {
    let spec = &pod["spec"];
    ["containers", "initContainers"]
        .iter()
        .filter_map(|k| spec[*k].as_array())
        .flatten()
        .find(|c| c["name"] == "istio-proxy")
        .and_then(|c| c["image"].as_str().map(String::from))
}

fn with_sidecar(pods: &[Value]) -> usize {
    pods.iter().filter(|p| proxy_image(p).is_some()).count()
}

fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str().map(String::from))
        .collect()
}

/// The istiod Deployments (one per control-plane revision).
fn istiods(g: &Ground) -> Vec<String> {
    let mut n = names(&g.list("deployment", Some("istio-system"), Some("app=istiod")));
    n.sort();
    n
}

/// The distinct sidecar images of the live pods in a namespace.
fn sidecar_images(g: &Ground, ns: &str) -> Vec<String> {
    let mut images: Vec<String> = live_pods(g, ns).iter().filter_map(proxy_image).collect();
    images.sort();
    images.dedup();
    images
}

fn istiod_image(g: &Ground) -> String {
    let d = g.must_get("deployment", Some("istio-system"), "istiod");
    d["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Who a step runs as on the real ground: its three kubeconfigs.
#[derive(Clone, Copy)]
pub enum Who {
    /// get/list/watch only (a client certificate without groups).
    Restricted,
    /// system:masters through an exec credential plugin, as cloud kubeconfigs are.
    Exec,
}

/// The steps only a real API server can check: real SubjectAccessReviews, an exec credential
/// plugin, real controllers restarting every kind of workload, the real injector.
impl Journey<'_> {
    fn run_as(&self, who: Who, args: &[&str]) -> Run {
        let kubeconfig = self
            .g
            .kubeconfig_of(who)
            .expect("the real ground has these kubeconfigs");
        let out = self
            .g
            .kyma_mesh(self.istioctl)
            .env("KUBECONFIG", kubeconfig)
            .args(args)
            .output()
            .expect("run kyma-mesh");
        Run {
            command: format!("kyma-mesh {} (on {})", args.join(" "), self.g.name()),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Every profile installs with real istioctl, one after another on the same cluster (each
    /// a profile switch), then `check` passes and the record names the profile; the local
    /// profile's DestinationRule for the gateway goes with it.
    pub fn every_profile(&mut self) {
        for profile in ["local", "cluster", "production"] {
            self.run(&["install", "--profile", profile])
                .expect_success();
            let rec = self
                .g
                .must_get("configmap", Some("istio-system"), "kyma-mesh-config");
            assert_eq!(
                rec["data"]["profile"], profile,
                "the record names {profile}"
            );
            let gateway_rule = self.g.get(
                "destinationrules.networking.istio.io",
                Some("istio-system"),
                "istio-ingressgateway",
            );
            assert_eq!(
                gateway_rule.is_some(),
                profile == "local",
                "{profile}: the gateway's DestinationRule exists only with the local profile"
            );
            self.check_passes();
        }
        self.uninstall_leaves_no_istio_objects();
    }

    pub fn real_only(&mut self) {
        // Preflight as a user who may only read: the API server's SubjectAccessReviews deny
        // the writes install needs, and preflight names them.
        let denied = self.run_as(Who::Restricted, &["check", "--pre"]);
        assert_ne!(denied.code, Some(0), "{}", denied.stdout);
        let text = format!("{}{}", denied.stdout, denied.stderr);
        assert!(
            text.contains("missing: "),
            "lists the missing permissions:\n{text}"
        );
        // The same through an exec credential plugin (a bearer token, as EKS/GKE/AKS hand out).
        self.run_as(Who::Exec, &["check", "--pre"]).expect_success();
        self.run(&["version"]).expect_success();

        self.install_leaves_kyma_specific_configuration();
        let ns = self.ns.clone();
        let ns = ns.as_str();
        self.g
            .apply(&json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"istio-injection": "enabled"}}}));
        for w in workloads(ns) {
            self.g.apply(&w);
        }
        self.g
            .eventually("every kind of workload meshed by the real injector", || {
                let pods: Vec<Value> = self
                    .g
                    .list("pods", Some(ns), None)
                    .into_iter()
                    .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
                    .collect();
                let owners: Vec<String> = pods.iter().map(owner_kind).collect();
                ["ReplicaSet", "StatefulSet", "DaemonSet", "Job", "none"]
                    .iter()
                    .all(|k| owners.iter().any(|o| o == k))
                    && pods.iter().all(|p| proxy_image(p).is_some())
            });
        let status = self.run(&["injection", "status", "--namespace", ns, "--output", "json"]);
        status.expect_success();

        self.istioctl = Istioctl::To;
        self.run(&["upgrade", "--skip-proxy-reset"])
            .expect_success();
        let reset = self.run(&[
            "proxy-reset",
            "--wait",
            "--namespace",
            ns,
            "--output",
            "json",
        ]);
        reset.expect_success();
        let doc = reset.json();
        let expected = doc["expectedImage"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(!expected.is_empty(), "{doc}");
        // The bare pod has no controller to recreate it: it is the user's to restart.
        let text = doc.to_string();
        assert!(
            text.contains("restart-manually") && text.contains("bare"),
            "the bare pod is named for a manual restart: {doc}"
        );
        // The controllers replaced what they own (the StatefulSet with OnDelete too); the bare
        // pod and the Job's pod are the user's to recreate.
        self.g
            .eventually("rolled-out workloads on the new sidecar", || {
                self.g
                    .list("pods", Some(ns), None)
                    .iter()
                    .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
                    .filter(|p| {
                        ["ReplicaSet", "StatefulSet", "DaemonSet"].contains(&owner_kind(p).as_str())
                    })
                    .all(|p| proxy_image(p).is_some_and(|i| i.starts_with(&expected)))
            });

        self.run(&["gateway", "debug", "enable"]).expect_success();
        self.run(&["gateway", "debug", "disable"]).expect_success();
        self.run(&["injection", "disable", "--namespace", ns])
            .expect_success();
        let label =
            self.g.must_get("namespace", None, ns)["metadata"]["labels"]["istio-injection"].clone();
        assert_eq!(label, "disabled");
        self.run(&["version"]).expect_success();
        self.uninstall_leaves_no_istio_objects();
    }
}

fn owner_kind(pod: &Value) -> String {
    pod["metadata"]["ownerReferences"][0]["kind"]
        .as_str()
        .unwrap_or("none")
        .to_string()
}

/// One of each kind the controllers restart differently, and two they cannot.
fn workloads(ns: &str) -> Vec<Value> {
    let template = |app: &str| {
        json!({"metadata": {"labels": {"app": app}},
               "spec": {"containers": [{"name": app, "image": "nginx:1.27-alpine"}]}})
    };
    let mut job_template = template("batch");
    job_template["spec"]["restartPolicy"] = json!("Never");
    let mut bare = template("bare");
    bare["apiVersion"] = json!("v1");
    bare["kind"] = json!("Pod");
    bare["metadata"]["name"] = json!("bare");
    bare["metadata"]["namespace"] = json!(ns);
    vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": ns},
               "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template("web")}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": ns},
               "spec": {"replicas": 2, "serviceName": "db", "updateStrategy": {"type": "OnDelete"},
                        "selector": {"matchLabels": {"app": "db"}}, "template": template("db")}}),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": ns},
               "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": template("agent")}}),
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "batch", "namespace": ns},
               "spec": {"template": job_template}}),
        bare,
    ]
}
