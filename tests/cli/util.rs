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

    /// As [`Cluster::kyma_mesh`], as a plain process to spawn (for tests that signal it or
    /// read its output while it runs).
    pub fn kyma_mesh_process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("kyma-mesh"));
        for (k, v) in self.kyma_mesh().get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
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

    /// How many times kyma-mesh ran `istioctl install`.
    pub fn install_call_count(&self) -> usize {
        self.istioctl_calls()
            .iter()
            .filter(|call| call.args.first().map(String::as_str) == Some("install"))
            .count()
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

/// One finished run of kyma-mesh against a test cluster: everything a failed assertion needs
/// to show (ripgrep's `TestCommand`): the command line, exit code, stdout, stderr and the
/// writes kube-sim saw.
pub struct Run {
    pub command: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub writes: Vec<testkit::WriteRecord>,
}

impl Run {
    fn dump(&self) -> String {
        let writes: Vec<String> = self
            .writes
            .iter()
            .map(|w| {
                format!(
                    "  {} {}{} -> {}",
                    w.method,
                    w.path,
                    if w.query.is_empty() {
                        String::new()
                    } else {
                        format!("?{}", w.query)
                    },
                    w.status
                )
            })
            .collect();
        format!(
            "command: {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- kube-sim writes ({}) ---\n{}",
            self.command,
            self.code,
            self.stdout,
            self.stderr,
            writes.len(),
            writes.join("\n")
        )
    }

    /// Panics with the whole run unless it exited with `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "unexpected exit code\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn expect_success(&self) -> &Run {
        self.expect_code(0)
    }

    /// Panics with the whole run unless stderr contains `text`.
    #[track_caller]
    pub fn expect_stderr(&self, text: &str) -> &Run {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}\n{}",
            self.dump()
        );
        self
    }

    #[track_caller]
    pub fn expect_stdout(&self, text: &str) -> &Run {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}\n{}",
            self.dump()
        );
        self
    }

    /// Panics with the whole run if kube-sim saw a successful write.
    #[track_caller]
    pub fn expect_no_writes(&self) -> &Run {
        assert!(
            self.writes.iter().all(|w| !w.succeeded()),
            "expected no write to the cluster\n{}",
            self.dump()
        );
        self
    }
}

impl Cluster {
    /// Runs kyma-mesh with `args` against this cluster; the write log covers this run only.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_cmd(self.kyma_mesh().args(args), args)
    }

    pub fn run_cmd(&self, cmd: &mut Command, args: &[&str]) -> Run {
        let before = self.sim.writes().len();
        let out = cmd.output().expect("run kyma-mesh");
        let writes = self.sim.writes().into_iter().skip(before).collect();
        Run {
            command: format!("kyma-mesh {}", args.join(" ")),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            writes,
        }
    }
}

/// Replaces what changes from run to run (times, durations, ports, temporary paths) so a
/// transcript can be a snapshot, as cargo's `[ELAPSED]` redactions do.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut l = line.to_string();
        // Leading HH:MM:SS timestamp of plain progress lines.
        if l.len() >= 9
            && l.as_bytes()[2] == b':'
            && l.as_bytes()[5] == b':'
            && l.as_bytes()[8] == b' '
        {
            l = format!("[TIME]{}", &l[8..]);
        }
        l = redact_between(&l, "http://127.0.0.1:", "/", "[PORT]");
        l = redact_durations(&l);
        l = redact_between(&l, "/tmp/", " ", "[TMP]");
        out.push_str(&l);
        out.push('\n');
    }
    out
}

fn redact_between(line: &str, start: &str, end: &str, with: &str) -> String {
    let Some(i) = line.find(start) else {
        return line.to_string();
    };
    let after = &line[i + start.len()..];
    let j = after.find(end).unwrap_or(after.len());
    format!("{}{start}{with}{}", &line[..i], &after[j..])
}

/// Durations that vary: `(0.0s)`, `in 0.3s`, `--readiness-timeout 539s` -> `[ELAPSED]`. Fixed
/// ones (`10s timeout`) stay.
fn redact_durations(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(|c: char| c.is_ascii_digit()) {
        let (head, tail) = rest.split_at(i);
        let len = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'm' || c == 'h'))
            .unwrap_or(tail.len());
        let is_duration = tail[len..].starts_with('s')
            && !tail[len + 1..].starts_with(|c: char| c.is_ascii_alphanumeric());
        let varies = head.ends_with('(') || head.ends_with("in ") || head.ends_with("-timeout ");
        out.push_str(head);
        if is_duration && varies {
            out.push_str("[ELAPSED]");
            rest = &tail[len + 1..];
        } else {
            let n = tail.chars().next().map_or(1, char::len_utf8);
            out.push_str(&tail[..n]);
            rest = &tail[n..];
        }
    }
    out.push_str(rest);
    out
}
