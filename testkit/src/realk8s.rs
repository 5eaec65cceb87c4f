//! The real test ground: kube-apiserver, etcd, kube-controller-manager, kube-scheduler, kwok
//! (simulated nodes), real pilot-discovery and real istioctl, all built from the Go modules
//! pinned in `testkit/realk8s/go.mod` by `testkit/realk8s/build.sh` into
//! `<repo>/.cache/realk8s/bin` (or `$REALK8S_CACHE/bin`).
//!
//! [`binaries`] runs the build script (a no-op when nothing changed) and returns the folder;
//! [`RealGround::start`] runs `ground up` from there and waits until it is ready. A build or
//! start that fails is an error: the caller's test fails, it never passes without the ground.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The version each of the two istioctl builds is stamped with (one Istio snapshot, see
/// `testkit/realk8s/build.sh` and README "What is real in the tests").
pub const ISTIO_FROM: &str = "1.31.0";
pub const ISTIO_TO: &str = "1.32.0";
/// The Kubernetes release of kube-apiserver and the controllers.
pub const K8S_VERSION: &str = "v1.36.3";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit lives in the repository")
        .to_path_buf()
}

/// Builds (or reuses) the ground's binaries once per process; the folder that holds them.
pub fn binaries() -> Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let script = repo_root().join("testkit/realk8s/build.sh");
            let out = Command::new("bash")
                .arg(&script)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
            if !out.status.success() {
                return Err(format!(
                    "{} failed ({}):\n{}{}",
                    script.display(),
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            let cache = std::env::var_os("REALK8S_CACHE")
                .filter(|c| !c.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| repo_root().join(".cache/realk8s"));
            Ok(cache.join("bin"))
        })
        .clone()
}

/// The real istioctl stamped as `version` ([`ISTIO_FROM`] or [`ISTIO_TO`]).
pub fn istioctl(version: &str) -> Result<PathBuf, String> {
    let path = binaries()?.join(format!("istioctl-{version}"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{} is not built", path.display()))
    }
}

/// A running real ground; dropping it stops every process it started and removes its folder.
pub struct RealGround {
    child: Child,
    stdin: Option<ChildStdin>,
    /// system:masters, by client certificate.
    pub admin: PathBuf,
    /// A user that may only get, list and watch (client certificate).
    pub restricted: PathBuf,
    /// system:masters through an exec credential plugin (a bearer token).
    pub exec: PathBuf,
    /// etcd's client URL (plain HTTP on loopback), e.g. to compact it.
    pub etcd: String,
    pub bin: PathBuf,
}

impl RealGround {
    /// Builds if needed, starts `ground up` and waits (at most 3 minutes) until it is ready.
    pub fn start() -> Result<RealGround, String> {
        let bin = binaries()?;
        let mut child = Command::new(bin.join("ground"))
            .args(["up", "--exit-on-stdin-eof", "--bin"])
            .arg(&bin)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.join("ground").display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        // The ground's own messages (which pilot-discovery it runs) go to the test's stderr.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[ground] {line}");
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                let text = line.trim_end().to_string();
                line.clear();
                let ready = text == "READY";
                let _ = tx.send(text);
                if ready {
                    break;
                }
            }
            // Keep draining so that the ground never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let mut vars = std::collections::BTreeMap::new();
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line == "READY" => break,
                Ok(line) => {
                    if let Some((k, v)) = line.split_once('=') {
                        vars.insert(k.to_string(), v.to_string());
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    return Err(format!(
                        "the real ground did not become ready (exit: {status:?}); its stderr is above"
                    ));
                }
            }
        }
        let var = |k: &str| {
            vars.get(k)
                .cloned()
                .ok_or_else(|| format!("the ground did not print {k}"))
        };
        Ok(RealGround {
            stdin: child.stdin.take(),
            admin: var("KUBECONFIG")?.into(),
            restricted: var("RESTRICTED_KUBECONFIG")?.into(),
            exec: var("EXEC_KUBECONFIG")?.into(),
            etcd: var("ETCD_ENDPOINT")?,
            bin,
            child,
        })
    }
}

impl Drop for RealGround {
    fn drop(&mut self) {
        // Closing stdin asks the ground to stop everything; it kills what does not stop.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
