//! The shared harness: the binary under test, fixtures and temporary files.

use std::path::PathBuf;

use assert_cmd::Command;

/// The kyma-mesh binary, with an environment that cannot reach a real cluster or istioctl.
pub fn kyma_mesh() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("kyma-mesh"));
    cmd.env_remove("ISTIOCTL")
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env("NO_COLOR", "1")
        .current_dir(repo());
    cmd
}

/// The repository root, so tests can name `examples/...` as the README does.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/cli/fixtures").join(name)
}

/// A temporary directory holding the given files.
pub struct Files {
    pub dir: tempfile::TempDir,
}

impl Files {
    pub fn new(files: &[(&str, &str)]) -> Files {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write fixture");
        }
        Files { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Runs the command, expects exit code 2 and returns stderr.
pub fn invalid(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run kyma-mesh");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2 (invalid input); stderr:\n{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing may reach stdout on invalid input"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    stderr
}

/// Runs the command, expects success and returns stdout.
pub fn success(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run kyma-mesh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "expected success; stderr:\n{stderr}");
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

pub fn json(cmd: &mut Command) -> serde_json::Value {
    let text = success(cmd);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{text}"))
}

/// A cluster for one test: kube-sim in-process, fake-istioctl as `istioctl` on `PATH`, and a
/// directory where fake-istioctl records its calls.
pub struct Cluster {
    pub sim: testkit::KubeSim,
    pub bin: tempfile::TempDir,
    pub record: tempfile::TempDir,
}

impl Cluster {
    pub fn new() -> Cluster {
        Self::with(testkit::KubeSim::builder())
    }

    pub fn with(builder: testkit::KubeSimBuilder) -> Cluster {
        let sim = builder.start().expect("start kube-sim");
        let bin = tempfile::tempdir().expect("tempdir");
        testkit::install_fake_istioctl(bin.path()).expect("fake-istioctl is built");
        Cluster {
            sim,
            bin,
            record: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// kyma-mesh pointed at this cluster, with only fake-istioctl (and the system) on PATH.
    pub fn kyma_mesh(&self) -> Command {
        let mut cmd = kyma_mesh();
        cmd.env("KUBECONFIG", self.sim.kubeconfig_path())
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.bin.path().display()),
            )
            .env("FAKE_ISTIOCTL_RECORD", self.record.path())
            .env_remove("FAKE_ISTIOCTL_FAIL")
            .env_remove("FAKE_ISTIOCTL_VERSION");
        cmd
    }

    pub fn istioctl_calls(&self) -> Vec<testkit::IstioctlCall> {
        testkit::read_istioctl_calls(self.record.path())
    }

    /// The first `istioctl install` call, if kyma-mesh made one.
    pub fn install_call(&self) -> Option<testkit::IstioctlCall> {
        self.istioctl_calls()
            .into_iter()
            .find(|call| call.args.first().map(String::as_str) == Some("install"))
    }

    /// Writes kyma-mesh made (server-side apply with its field manager, or any write it made
    /// with its own user agent). fake-istioctl's writes are not counted.
    pub fn kyma_mesh_writes(&self) -> Vec<testkit::WriteRecord> {
        self.sim
            .writes()
            .into_iter()
            .filter(|w| w.succeeded() && w.query.contains("fieldManager=kyma-mesh"))
            .collect()
    }

    pub fn get(&self, resource: &str, ns: Option<&str>, name: &str) -> serde_json::Value {
        self.sim
            .get(resource, ns, name)
            .unwrap_or_else(|| panic!("{resource} {ns:?}/{name} exists"))
    }
}
