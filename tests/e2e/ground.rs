//! Where a scenario runs: kube-sim with fake-istioctl in-process, or a real cluster with real
//! istioctl. Scenarios see the cluster only through kyma-mesh and kubectl, as a user does, so
//! they cannot tell the two apart.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command as Process;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

/// Which istioctl a step uses: the one installed first, or the next minor for `upgrade`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Istioctl {
    From,
    To,
}

pub enum Ground {
    /// In-process kube-sim; fake-istioctl as `istioctl` on PATH (1.27.3 -> 1.28.0).
    KubeSim {
        sim: Box<testkit::KubeSim>,
        bin: tempfile::TempDir,
    },
    /// The real ground on this machine (testkit::realk8s): kube-apiserver, etcd, the
    /// controller-manager and scheduler, kwok's simulated nodes, real pilot-discovery for the
    /// istiod pods, and real istioctl (one Istio snapshot stamped 1.31.0 -> 1.32.0).
    Local {
        ground: Box<testkit::realk8s::RealGround>,
    },
    /// A real cluster by kubeconfig context, real istioctl.
    Real {
        context: String,
        /// `ISTIOCTL_FROM` (or `ISTIOCTL`, or `istioctl` on PATH).
        from: Option<PathBuf>,
        /// `ISTIOCTL_TO`: the next minor, for the upgrade step.
        to: Option<PathBuf>,
    },
}

/// The namespace prefix the real-cluster suite owns; it touches no other namespace but Istio's.
pub const NS_PREFIX: &str = "kyma-mesh-e2e-";

impl Ground {
    pub fn kube_sim() -> Ground {
        let sim = testkit::KubeSim::builder().start().expect("start kube-sim");
        let bin = tempfile::tempdir().expect("tempdir");
        testkit::install_fake_istioctl(bin.path()).expect("fake-istioctl is built");
        Ground::KubeSim {
            sim: Box::new(sim),
            bin,
        }
    }

    /// Starts the real ground (building its binaries first if needed); panics when it cannot,
    /// so that a test on it fails rather than passes without it.
    pub fn local() -> Ground {
        let ground = testkit::realk8s::RealGround::start()
            .unwrap_or_else(|e| panic!("the real ground did not start: {e}"));
        Ground::Local {
            ground: Box::new(ground),
        }
    }

    /// The real ground from the environment; `None` when `KYMA_MESH_E2E_CONTEXT` is unset.
    /// Panics on a context that does not look like a throw-away cluster.
    pub fn real_from_env() -> Option<Ground> {
        let context = std::env::var("KYMA_MESH_E2E_CONTEXT")
            .ok()
            .filter(|c| !c.is_empty())?;
        let disposable = ["kind", "k3d", "minikube"]
            .iter()
            .any(|k| context.contains(k));
        let meant = std::env::var("KYMA_MESH_E2E_I_MEAN_IT").as_deref() == Ok("1");
        assert!(
            disposable || meant,
            "refusing to run the e2e suite against context {context:?}: it installs and \
             uninstalls Istio. Use a kind, k3d or minikube cluster (the context name must \
             contain one of those), or set KYMA_MESH_E2E_I_MEAN_IT=1 if this cluster is \
             really disposable"
        );
        let path = |var: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Some(Ground::Real {
            context,
            from: path("ISTIOCTL_FROM").or_else(|| path("ISTIOCTL")),
            to: path("ISTIOCTL_TO"),
        })
    }

    pub fn name(&self) -> String {
        match self {
            Ground::KubeSim { .. } => "kube-sim".into(),
            Ground::Local { .. } => format!(
                "the real ground (kube-apiserver {}, istioctl {} -> {})",
                testkit::realk8s::K8S_VERSION,
                testkit::realk8s::ISTIO_FROM,
                testkit::realk8s::ISTIO_TO
            ),
            Ground::Real { context, .. } => format!("real cluster {context}"),
        }
    }

    pub fn is_real(&self) -> bool {
        matches!(self, Ground::Real { .. } | Ground::Local { .. })
    }

    /// Whether an upgrade to the next minor can be run.
    pub fn can_upgrade(&self) -> bool {
        match self {
            Ground::KubeSim { .. } | Ground::Local { .. } => true,
            Ground::Real { to, .. } => to.is_some(),
        }
    }

    /// How long a scenario waits for the cluster to settle (rollouts, pods).
    pub fn patience(&self) -> Duration {
        match self {
            Ground::KubeSim { .. } => Duration::from_secs(10),
            Ground::Local { .. } => Duration::from_secs(120),
            Ground::Real { .. } => Duration::from_secs(300),
        }
    }

    /// kyma-mesh against this ground with the given istioctl.
    pub fn kyma_mesh(&self, istioctl: Istioctl) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("kyma-mesh"));
        cmd.env("NO_COLOR", "1").env_remove("ISTIOCTL");
        match self {
            Ground::KubeSim { sim, bin } => {
                let version = match istioctl {
                    Istioctl::From => "1.27.3",
                    Istioctl::To => "1.28.0",
                };
                cmd.env("KUBECONFIG", sim.kubeconfig_path())
                    .env("PATH", format!("{}:/usr/bin:/bin", bin.path().display()))
                    .env("FAKE_ISTIOCTL_VERSION", version)
                    .env_remove("FAKE_ISTIOCTL_FAIL")
                    .env_remove("FAKE_ISTIOCTL_RECORD");
            }
            Ground::Local { ground } => {
                let version = match istioctl {
                    Istioctl::From => testkit::realk8s::ISTIO_FROM,
                    Istioctl::To => testkit::realk8s::ISTIO_TO,
                };
                cmd.env("KUBECONFIG", &ground.admin)
                    .env("ISTIOCTL", ground.bin.join(format!("istioctl-{version}")));
            }
            Ground::Real { context, from, to } => {
                cmd.args(["--context", context]);
                let chosen = match istioctl {
                    Istioctl::From => from.as_ref(),
                    Istioctl::To => to.as_ref(),
                };
                if let Some(path) = chosen {
                    cmd.env("ISTIOCTL", path);
                }
            }
        }
        cmd
    }

    /// The real ground's restricted or exec-plugin kubeconfig; `None` elsewhere.
    pub fn kubeconfig_of(&self, who: crate::scenarios::Who) -> Option<PathBuf> {
        match self {
            Ground::Local { ground } => Some(match who {
                crate::scenarios::Who::Restricted => ground.restricted.clone(),
                crate::scenarios::Who::Exec => ground.exec.clone(),
            }),
            _ => None,
        }
    }

    /// kubectl against this ground.
    pub fn kubectl_cmd(&self) -> Process {
        let mut cmd = Process::new("kubectl");
        match self {
            Ground::KubeSim { sim, .. } => {
                cmd.env("KUBECONFIG", sim.kubeconfig_path());
            }
            Ground::Local { ground } => {
                cmd.env("KUBECONFIG", &ground.admin);
            }
            Ground::Real { context, .. } => {
                cmd.args(["--context", context]);
            }
        }
        cmd
    }

    /// Runs kubectl; panics unless it succeeds.
    #[track_caller]
    pub fn kubectl(&self, args: &[&str]) -> String {
        let out = self
            .kubectl_cmd()
            .args(args)
            .output()
            .expect("kubectl is on PATH");
        assert!(
            out.status.success(),
            "kubectl {args:?} failed on {}: {}",
            self.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// `kubectl get RESOURCE [NAME] -o json`, `None` when it does not exist (or the kind is
    /// not served, as Istio's kinds after `uninstall --purge`).
    pub fn get(&self, resource: &str, ns: Option<&str>, name: &str) -> Option<Value> {
        let mut args = vec!["get", resource, name, "-o", "json"];
        if let Some(ns) = ns {
            args.extend(["-n", ns]);
        }
        let out = self.kubectl_cmd().args(&args).output().expect("kubectl");
        if !out.status.success() {
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    }

    #[track_caller]
    pub fn must_get(&self, resource: &str, ns: Option<&str>, name: &str) -> Value {
        self.get(resource, ns, name)
            .unwrap_or_else(|| panic!("{resource} {ns:?}/{name} exists on {}", self.name()))
    }

    /// Items of a list across all namespaces (or one); empty when the kind is not served.
    pub fn list(&self, resource: &str, ns: Option<&str>, selector: Option<&str>) -> Vec<Value> {
        let mut args = vec!["get", resource, "-o", "json"];
        match ns {
            Some(ns) => args.extend(["-n", ns]),
            None => args.push("--all-namespaces"),
        }
        if let Some(sel) = selector {
            args.extend(["-l", sel]);
        }
        let out = self.kubectl_cmd().args(&args).output().expect("kubectl");
        if !out.status.success() {
            return Vec::new();
        }
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        doc["items"].as_array().cloned().unwrap_or_default()
    }

    /// Creates or updates an object, as a user would (`kubectl apply`).
    #[track_caller]
    pub fn apply(&self, obj: &Value) {
        let file = tempfile::NamedTempFile::new().expect("tempfile");
        std::fs::write(file.path(), obj.to_string()).expect("write manifest");
        let path = file.path().to_str().expect("utf-8 path");
        self.kubectl(&["apply", "--validate=false", "-f", path]);
    }

    /// Deletes a namespace this suite created (never another one).
    pub fn delete_namespace(&self, ns: &str) {
        assert!(ns.starts_with(NS_PREFIX), "only the suite's own namespaces");
        let _ = self
            .kubectl_cmd()
            .args([
                "delete",
                "namespace",
                ns,
                "--wait=false",
                "--ignore-not-found",
            ])
            .output();
    }

    /// `resourceVersion` of each of the given objects that exists.
    pub fn resource_versions(
        &self,
        objects: &[(&str, Option<&str>, &str)],
    ) -> BTreeMap<String, String> {
        objects
            .iter()
            .filter_map(|(res, ns, name)| {
                let obj = self.get(res, *ns, name)?;
                let rv = obj["metadata"]["resourceVersion"].as_str()?.to_string();
                Some((format!("{res} {}/{name}", ns.unwrap_or("")), rv))
            })
            .collect()
    }

    /// Writes kyma-mesh made while `f` ran, by kube-sim's write log (`None` on a real
    /// cluster, which has none: callers compare `resourceVersion`s there).
    pub fn kyma_mesh_writes_during(&self, f: impl FnOnce()) -> Option<Vec<String>> {
        match self {
            Ground::KubeSim { sim, .. } => {
                let before = sim.writes().len();
                f();
                Some(
                    sim.writes()
                        .into_iter()
                        .skip(before)
                        .filter(|w| w.succeeded() && w.query.contains("fieldManager=kyma-mesh"))
                        .map(|w| format!("{} {}", w.method, w.path))
                        .collect(),
                )
            }
            Ground::Local { .. } | Ground::Real { .. } => {
                f();
                None
            }
        }
    }

    /// Polls `cond` until it holds or the ground's patience runs out.
    #[track_caller]
    pub fn eventually(&self, what: &str, mut cond: impl FnMut() -> bool) {
        let deadline = Instant::now() + self.patience();
        while !cond() {
            assert!(
                Instant::now() < deadline,
                "timed out on {} waiting for {what}",
                self.name()
            );
            std::thread::sleep(Duration::from_millis(match self {
                Ground::KubeSim { .. } => 50,
                Ground::Local { .. } => 250,
                Ground::Real { .. } => 2000,
            }));
        }
    }
}
