//! The istioctl commands kyma-mesh runs, as data: [`Args`] builds each command line (exactly what
//! runs, and what `--dry-run` shows), [`ClusterOptions`] adds the cluster flags and the time
//! limit, and [`install`] and [`client_version`] run theirs through the one runner,
//! [`super::process::run`], which every later command shares.

use std::borrow::Cow;
use std::ffi::OsString;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::output::parse_client_version;
use super::process::{RunOptions, Signal, run};
use super::retry::{Retry, RetryPolicy, transient_reason};
use super::{DEFAULT_TIMEOUT, IstioVersion, IstioctlError, OutputLine, RunReport, VERSION_TIMEOUT};

/// How to run an istioctl command against a cluster: the flags that choose the cluster, the time
/// it may take, and extra arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    /// Passed as `--kubeconfig`; istioctl's own default (`$KUBECONFIG`, `~/.kube/config`) otherwise.
    pub kubeconfig: Option<PathBuf>,
    /// Passed as `--context`; the kubeconfig's current context otherwise.
    pub context: Option<String>,
    /// How long istioctl may run from its start; it is stopped when this passes.
    pub timeout: Duration,
    /// The limit the user configured, when [`timeout`](Self::timeout) is only what is left of it
    /// (install spends part of its `--timeout` before istioctl starts). Messages name this one.
    pub configured_timeout: Option<Duration>,
    /// Appended verbatim after kyma-mesh's own arguments.
    pub extra_args: Vec<String>,
    /// How a transient failure of an idempotent verb is retried (`retry.rs`).
    pub retry: RetryPolicy,
}

/// The name `install` has always used for [`ClusterOptions`].
pub type InstallOptions = ClusterOptions;

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            timeout: DEFAULT_TIMEOUT,
            configured_timeout: None,
            extra_args: Vec::new(),
            retry: RetryPolicy::default(),
        }
    }
}

/// The arguments of one istioctl command, without the program. Built only from the verbs below, so
/// every command kyma-mesh can run is listed here; each verb that would otherwise ask for a
/// confirmation carries `-y` (istioctl reads the answer from stdin, which is `/dev/null`, and a
/// refused prompt ends some commands with exit 0 and nothing done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args(Vec<OsString>);

impl Args {
    fn of<I, S>(parts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Self(parts.into_iter().map(Into::into).collect())
    }

    /// `install -f FILE -y`
    pub fn install(file: &Path) -> Self {
        Self::of([
            OsString::from("install"),
            "-f".into(),
            file.into(),
            "-y".into(),
        ])
    }

    /// `version --remote=false -o json`: istioctl's own version; `--remote=false` keeps it from
    /// contacting a cluster.
    pub fn client_version() -> Self {
        Self::of(["version", "--remote=false", "-o", "json"])
    }

    /// `uninstall --purge -y`: every Istio control plane and its cluster-wide resources.
    pub fn uninstall_purge() -> Self {
        Self::of(["uninstall", "--purge", "-y"])
    }

    /// Add `--kubeconfig`, `--context` and the extra arguments of `opts`.
    pub fn on_cluster(mut self, opts: &ClusterOptions) -> Self {
        if let Some(kubeconfig) = &opts.kubeconfig {
            self.0.push("--kubeconfig".into());
            self.0.push(kubeconfig.into());
        }
        if let Some(context) = &opts.context {
            self.0.push("--context".into());
            self.0.push(context.into());
        }
        self.0.extend(opts.extra_args.iter().map(OsString::from));
        self
    }

    pub fn as_slice(&self) -> &[OsString] {
        &self.0
    }

    /// Whether running this command twice leaves the cluster as running it once does: `install`,
    /// `uninstall` and `tag set` converge on a state; nothing else is retried.
    fn idempotent(&self) -> bool {
        let word = |i: usize| self.0.get(i).and_then(|a| a.to_str());
        matches!(
            (word(0), word(1)),
            (Some("install" | "uninstall"), _) | (Some("tag"), Some("set"))
        )
    }

    /// The program and these arguments as text, for `--dry-run` and logs (join with
    /// [`shell_join`]). Non-UTF-8 path bytes are shown replaced; the real run passes them unchanged.
    pub fn command_line(&self, istioctl: &Path) -> Vec<String> {
        std::iter::once(istioctl.as_os_str())
            .chain(self.0.iter().map(OsString::as_os_str))
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }
}

/// The verbs of canary upgrades: revisions and revision tags.
impl Args {
    /// `install -f FILE --revision R -y`: a canary control plane next to the current one.
    pub fn install_revision(file: &Path, revision: &str) -> Self {
        Self::of([
            OsString::from("install"),
            "-f".into(),
            file.into(),
            "--revision".into(),
            revision.into(),
            "-y".into(),
        ])
    }

    /// `uninstall --revision R -y`: one control plane revision (the old one after a canary).
    pub fn uninstall_revision(revision: &str) -> Self {
        Self::of(["uninstall", "--revision", revision, "-y"])
    }

    /// `tag set default --revision R --overwrite -y`: make R the revision that injects into
    /// namespaces labelled `istio-injection=enabled`. `auto_inject` adds
    /// `--auto-inject-namespaces`: without it, namespaces with no label (Kyma's default mode
    /// injects them) lose injection.
    pub fn tag_set_default(revision: &str, auto_inject: bool) -> Self {
        let mut args = Self::of([
            "tag",
            "set",
            "default",
            "--revision",
            revision,
            "--overwrite",
            "-y",
        ]);
        if auto_inject {
            args.0.push("--auto-inject-namespaces".into());
        }
        args
    }
}

/// `install -f FILE -y`, with `--revision R` for a revisioned control plane.
fn install_args(file: &Path, revision: Option<&str>) -> Args {
    match revision {
        Some(r) => Args::install_revision(file, r),
        None => Args::install(file),
    }
}

/// The exact command [`install`] runs, for `--dry-run` and logs (join with [`shell_join`]).
pub fn install_command_line(
    istioctl: &Path,
    file: &Path,
    revision: Option<&str>,
    opts: &InstallOptions,
) -> Vec<String> {
    install_args(file, revision)
        .on_cluster(opts)
        .command_line(istioctl)
}

/// The exact command [`uninstall`] runs.
pub fn uninstall_command_line(istioctl: &Path, opts: &ClusterOptions) -> Vec<String> {
    Args::uninstall_purge()
        .on_cluster(opts)
        .command_line(istioctl)
}

/// Run `istioctl uninstall --purge -y [--kubeconfig K] [--context C] [EXTRA...]`.
pub async fn uninstall(
    istioctl: &Path,
    opts: &ClusterOptions,
    on_line: impl FnMut(OutputLine),
    on_retry: impl FnMut(&Retry),
    cancel: impl Future<Output = Signal>,
) -> Result<RunReport, IstioctlError> {
    run_args(
        istioctl,
        Args::uninstall_purge(),
        opts,
        on_line,
        on_retry,
        cancel,
    )
    .await
}

/// Run one of the [`Args`] verbs against the cluster `opts` names. A transient failure of an
/// idempotent verb is retried (`retry.rs`), each retry announced through `on_retry` before its
/// wait; every run shares `opts.timeout`, and `cancel` also ends a wait. The report's duration
/// covers every run.
pub async fn run_args(
    istioctl: &Path,
    args: Args,
    opts: &ClusterOptions,
    mut on_line: impl FnMut(OutputLine),
    mut on_retry: impl FnMut(&Retry),
    cancel: impl Future<Output = Signal>,
) -> Result<RunReport, IstioctlError> {
    let retries = if args.idempotent() {
        opts.retry.retries
    } else {
        0
    };
    let args = args.on_cluster(opts);
    let started = tokio::time::Instant::now();
    let deadline = started + opts.timeout;
    let configured = opts.configured_timeout.unwrap_or(opts.timeout);
    tokio::pin!(cancel);
    let mut retry = 0;
    loop {
        let run_opts = RunOptions {
            configured_timeout: Some(configured),
            ..RunOptions::new(deadline.saturating_duration_since(tokio::time::Instant::now()))
        };
        let err = match run(
            istioctl,
            args.as_slice(),
            &run_opts,
            &mut on_line,
            cancel.as_mut(),
        )
        .await
        {
            Ok(report) => {
                return Ok(RunReport {
                    duration: started.elapsed(),
                    ..report
                });
            }
            Err(err) => err,
        };
        retry += 1;
        let delay = opts.retry.delay(retry);
        let reason = match transient_reason(&err) {
            // A retry that could not finish before the deadline would only turn this error
            // into a timeout.
            Some(reason)
                if retry <= retries && tokio::time::Instant::now() + delay * 2 < deadline =>
            {
                reason
            }
            _ => return Err(err),
        };
        on_retry(&Retry {
            retry,
            of: retries,
            delay,
            reason,
        });
        tokio::select! {
            signal = cancel.as_mut() => return Err(IstioctlError::Cancelled { signal }),
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// Quote one argument for display so it can be pasted into a POSIX shell; plain words stay as
/// they are.
pub fn shell_quote(arg: &str) -> Cow<'_, str> {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if plain {
        Cow::Borrowed(arg)
    } else {
        Cow::Owned(format!("'{}'", arg.replace('\'', r"'\''")))
    }
}

/// A command line as one shell-pasteable string.
pub fn shell_join<S: AsRef<str>>(args: &[S]) -> String {
    args.iter()
        .map(|a| shell_quote(a.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Run `istioctl install -f FILE -y [--kubeconfig K] [--context C] [EXTRA...]`.
/// See `process::run` for streaming, timeout and cancellation.
pub async fn install(
    istioctl: &Path,
    file: &Path,
    revision: Option<&str>,
    opts: &InstallOptions,
    on_line: impl FnMut(OutputLine),
    on_retry: impl FnMut(&Retry),
    cancel: impl Future<Output = Signal>,
) -> Result<RunReport, IstioctlError> {
    run_args(
        istioctl,
        install_args(file, revision),
        opts,
        on_line,
        on_retry,
        cancel,
    )
    .await
}

/// Read istioctl's own version with `istioctl version --remote=false -o json`
/// (`.clientVersion.version`).
pub async fn client_version(istioctl: &Path) -> Result<IstioVersion, IstioctlError> {
    client_version_within(istioctl, VERSION_TIMEOUT).await
}

async fn client_version_within(
    istioctl: &Path,
    timeout: Duration,
) -> Result<IstioVersion, IstioctlError> {
    let report = run(
        istioctl,
        Args::client_version().as_slice(),
        &RunOptions::new(timeout),
        |_| {},
        std::future::pending::<Signal>(),
    )
    .await?;
    parse_client_version(istioctl, &report.stdout_lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(args: Args) -> Vec<String> {
        args.command_line(Path::new("istioctl"))
            .into_iter()
            .skip(1)
            .collect()
    }

    #[test]
    fn command_lines_are_exact_and_quotable() {
        let opts = InstallOptions {
            kubeconfig: Some("/home/me/.kube/my config".into()),
            context: Some("kind-kyma".into()),
            extra_args: vec!["--readiness-timeout=3m".into()],
            ..InstallOptions::default()
        };
        let line = install_command_line(
            Path::new("/usr/bin/istioctl"),
            Path::new("/tmp/kyma-mesh-x/kyma-istio-operator.yaml"),
            None,
            &opts,
        );
        assert_eq!(
            line,
            [
                "/usr/bin/istioctl",
                "install",
                "-f",
                "/tmp/kyma-mesh-x/kyma-istio-operator.yaml",
                "-y",
                "--kubeconfig",
                "/home/me/.kube/my config",
                "--context",
                "kind-kyma",
                "--readiness-timeout=3m",
            ]
        );
        assert_eq!(
            shell_join(&line),
            "/usr/bin/istioctl install -f /tmp/kyma-mesh-x/kyma-istio-operator.yaml -y \
             --kubeconfig '/home/me/.kube/my config' --context kind-kyma --readiness-timeout=3m"
        );
        let args = Args::install(Path::new("/tmp/f.yaml")).on_cluster(&opts);
        assert_eq!(args.as_slice().len(), line.len() - 1);
        assert_eq!(args.as_slice()[2], OsString::from("/tmp/f.yaml"));
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
        assert_eq!(shell_quote("~/x"), "'~/x'");
    }

    #[test]
    fn every_verb_kyma_mesh_runs() {
        let file = Path::new("/tmp/iop.yaml");
        assert_eq!(
            text(Args::install(file)),
            ["install", "-f", "/tmp/iop.yaml", "-y"]
        );
        assert_eq!(
            text(Args::install_revision(file, "1-28-0")),
            [
                "install",
                "-f",
                "/tmp/iop.yaml",
                "--revision",
                "1-28-0",
                "-y"
            ]
        );
        assert_eq!(
            text(Args::uninstall_purge()),
            ["uninstall", "--purge", "-y"]
        );
        assert_eq!(
            text(Args::uninstall_revision("1-27-3")),
            ["uninstall", "--revision", "1-27-3", "-y"]
        );
        assert_eq!(
            text(Args::tag_set_default("1-28-0", false)),
            [
                "tag",
                "set",
                "default",
                "--revision",
                "1-28-0",
                "--overwrite",
                "-y"
            ]
        );
        assert_eq!(
            text(Args::tag_set_default("default", true)).last().unwrap(),
            "--auto-inject-namespaces"
        );
        assert_eq!(
            text(Args::client_version()),
            ["version", "--remote=false", "-o", "json"]
        );
    }

    #[test]
    fn cluster_flags_follow_the_verb() {
        let opts = ClusterOptions {
            kubeconfig: Some("/k".into()),
            context: Some("c".into()),
            extra_args: vec!["--dry-run".into()],
            ..ClusterOptions::default()
        };
        assert_eq!(
            text(Args::uninstall_revision("1-27-3").on_cluster(&opts)),
            [
                "uninstall",
                "--revision",
                "1-27-3",
                "-y",
                "--kubeconfig",
                "/k",
                "--context",
                "c",
                "--dry-run"
            ]
        );
        // An argument that looks like a flag stays one argument; nothing goes through a shell.
        let odd = Args::uninstall_revision("--all; rm -rf /").on_cluster(&opts);
        assert_eq!(odd.as_slice()[2], OsString::from("--all; rm -rf /"));
        assert_eq!(
            shell_join(&odd.command_line(Path::new("istioctl"))),
            "istioctl uninstall --revision '--all; rm -rf /' -y --kubeconfig /k --context c --dry-run"
        );
    }
}

#[cfg(all(test, unix))]
mod process_tests {
    use std::fs;
    use std::time::Instant;

    use super::*;
    use crate::istioctl::RenderedFile;
    use crate::istioctl::interrupted;
    use crate::istioctl::output::Stream;
    use crate::istioctl::test_support::{VERSION_JSON, alive, fake, v};

    #[tokio::test]
    async fn reads_the_client_version() {
        let (dir, istioctl) = fake(&format!(
            "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/argv\"\necho '{VERSION_JSON}'"
        ));
        assert_eq!(client_version(&istioctl).await.unwrap(), v("1.28.0"));
        let argv = fs::read_to_string(dir.path().join("argv")).unwrap();
        assert_eq!(argv, "version\n--remote=false\n-o\njson\n");
    }

    #[tokio::test]
    async fn version_errors_are_clear() {
        let (_d1, garbage) = fake("echo 'this is not istioctl'");
        let err = client_version(&garbage).await.unwrap_err();
        assert!(
            matches!(err, IstioctlError::VersionNotJson { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("this is not istioctl"), "{err}");

        let (_d2, missing) = fake(r#"echo '{"clientVersion":{"revision":"abc"}}'"#);
        let err = client_version(&missing).await.unwrap_err();
        assert!(
            matches!(err, IstioctlError::VersionMissing { .. }),
            "{err:?}"
        );

        let (_d3, failing) = fake("echo 'Error: unknown flag: --remote' >&2\nexit 1");
        let err = client_version(&failing).await.unwrap_err();
        match &err {
            IstioctlError::Failed {
                status,
                stderr_tail,
            } => {
                assert_eq!(status.code(), Some(1));
                assert_eq!(stderr_tail, &["Error: unknown flag: --remote"]);
            }
            other => panic!("expected Failed, got {other:?}"),
        }

        let (_d4, hanging) = fake("exec sleep 30");
        let started = Instant::now();
        let err = client_version_within(&hanging, Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(matches!(err, IstioctlError::TimedOut { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[tokio::test]
    async fn install_passes_arguments_and_streams_output() {
        let (dir, istioctl) = fake(
            "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/argv\"\n\
             printf '\\033[32m✔\\033[0m Istio core installed\\n'\n\
             echo 'warning: deprecated field' >&2\n\
             printf '✔ Istiod installed\\r\\n'\n\
             printf 'no newline at the end'",
        );
        let rendered = RenderedFile::write("apiVersion: install.istio.io/v1alpha1\n").unwrap();
        let opts = InstallOptions {
            kubeconfig: Some(dir.path().join("kube config")),
            context: Some("k3d-kyma".into()),
            timeout: Duration::from_secs(30),
            configured_timeout: None,
            extra_args: vec!["--verify".into()],
            retry: RetryPolicy::NONE,
        };
        let mut seen = Vec::new();
        let report = install(
            &istioctl,
            rendered.path(),
            None,
            &opts,
            |l| seen.push(l),
            |_| {},
            std::future::pending(),
        )
        .await
        .unwrap();
        let argv = fs::read_to_string(dir.path().join("argv")).unwrap();
        let expected: Vec<String> = install_command_line(&istioctl, rendered.path(), None, &opts)
            .into_iter()
            .skip(1)
            .collect();
        assert_eq!(argv.lines().collect::<Vec<_>>(), expected);
        assert!(argv.lines().any(|a| a == "-y"));
        assert_eq!(
            report.stdout_lines,
            [
                "✔ Istio core installed",
                "✔ Istiod installed",
                "no newline at the end"
            ]
        );
        assert!(seen.contains(&OutputLine {
            stream: Stream::Stderr,
            text: "warning: deprecated field".into()
        }));
        assert_eq!(
            seen.iter().filter(|l| l.stream == Stream::Stdout).count(),
            3
        );
    }

    #[tokio::test]
    async fn a_timeout_names_the_limit_the_user_set() {
        // install --timeout 5s: preflight used a second, istioctl gets what is left.
        let (_d, istioctl) = fake("exec sleep 30");
        let opts = InstallOptions {
            timeout: Duration::from_millis(300),
            configured_timeout: Some(Duration::from_secs(5)),
            ..InstallOptions::default()
        };
        let err = install(
            &istioctl,
            Path::new("/nonexistent.yaml"),
            None,
            &opts,
            |_| {},
            |_| {},
            std::future::pending(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, IstioctlError::TimedOut { timeout } if timeout == Duration::from_secs(5)),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "istioctl did not finish within the 5s timeout and was stopped"
        );
    }

    /// A fake istioctl that fails with `error` on its first `failures` runs, then succeeds; it
    /// counts its runs in `runs` next to itself.
    fn flaky(failures: u32, error: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        fake(&format!(
            "d=\"$(dirname \"$0\")\"\n\
             n=$(( $(cat \"$d/runs\" 2>/dev/null || echo 0) + 1 ))\n\
             echo $n > \"$d/runs\"\n\
             echo '✔ Istio core installed'\n\
             if [ $n -le {failures} ]; then echo 'Error: {error}' >&2; exit 1; fi\n\
             echo '✔ Installation complete'"
        ))
    }

    fn quick() -> ClusterOptions {
        ClusterOptions {
            timeout: Duration::from_secs(30),
            retry: RetryPolicy {
                retries: 3,
                base: Duration::from_millis(10),
                cap: Duration::from_millis(40),
            },
            ..ClusterOptions::default()
        }
    }

    fn runs(dir: &tempfile::TempDir) -> u32 {
        fs::read_to_string(dir.path().join("runs"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    async fn run_flaky(
        dir_istioctl: &(tempfile::TempDir, std::path::PathBuf),
        args: Args,
    ) -> (Result<RunReport, IstioctlError>, Vec<Retry>) {
        let mut retries = Vec::new();
        let result = run_args(
            &dir_istioctl.1,
            args,
            &quick(),
            |_| {},
            |r| retries.push(r.clone()),
            std::future::pending(),
        )
        .await;
        (result, retries)
    }

    #[tokio::test]
    async fn a_transient_failure_is_run_again_and_said() {
        let fake = flaky(
            2,
            "failed to update resource with server-side apply for obj Deployment/istio-system/istiod: etcdserver: request timed out",
        );
        let (result, retries) = run_flaky(&fake, Args::uninstall_purge()).await;
        let report = result.unwrap();
        assert_eq!(
            runs(&fake.0),
            3,
            "two failures, then the run that succeeded"
        );
        assert_eq!(
            report.stdout_lines.last().map(String::as_str),
            Some("✔ Installation complete")
        );
        assert_eq!(retries.len(), 2);
        assert_eq!((retries[0].retry, retries[0].of), (1, 3));
        assert_eq!(
            retries[1].delay,
            Duration::from_millis(20),
            "the backoff doubles"
        );
        assert!(
            retries[0].reason.ends_with("etcdserver: request timed out"),
            "{:?}",
            retries[0]
        );
    }

    #[tokio::test]
    async fn retries_stop_after_three() {
        let fake = flaky(10, "the server is currently unable to handle the request");
        let (result, retries) = run_flaky(&fake, Args::tag_set_default("1-28-0", false)).await;
        let err = result.unwrap_err();
        assert_eq!(runs(&fake.0), 4, "the first run and three retries");
        assert_eq!(retries.len(), 3);
        assert!(
            err.to_string().contains("unable to handle the request"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_real_error_or_a_non_idempotent_verb_is_not_run_again() {
        let fake = flaky(
            10,
            "deployments.apps \"istiod\" is forbidden: User \"dev\" cannot patch",
        );
        let (result, retries) = run_flaky(&fake, Args::uninstall_purge()).await;
        assert!(result.is_err());
        assert_eq!((runs(&fake.0), retries.len()), (1, 0));

        let fake = flaky(10, "etcdserver: request timed out");
        let (result, retries) = run_flaky(&fake, Args::client_version()).await;
        assert!(result.is_err());
        assert_eq!(
            (runs(&fake.0), retries.len()),
            (1, 0),
            "version is no cluster verb"
        );
    }

    #[tokio::test]
    async fn no_retry_starts_that_could_not_finish_in_time() {
        let fake = flaky(10, "etcdserver: request timed out");
        let opts = ClusterOptions {
            timeout: Duration::from_secs(30),
            retry: RetryPolicy {
                retries: 3,
                base: Duration::from_secs(20),
                cap: Duration::from_secs(20),
            },
            ..ClusterOptions::default()
        };
        let result = run_args(
            &fake.1,
            Args::uninstall_purge(),
            &opts,
            |_| {},
            |_| {},
            std::future::pending(),
        )
        .await;
        assert!(
            matches!(result, Err(IstioctlError::Failed { .. })),
            "{result:?}"
        );
        assert_eq!(runs(&fake.0), 1);
    }

    /// Send `signal` to this (test) process, as `kill` from a terminal or a CI runner would.
    fn raise_later(signal: libc::c_int, after: Duration) {
        std::thread::spawn(move || {
            std::thread::sleep(after);
            // SAFETY: kill takes plain integers; the handler tokio installed for `interrupted()`
            // receives the signal, so it does not end the test process.
            unsafe {
                libc::kill(libc::getpid(), signal);
            }
        });
    }

    /// The only test that signals the test process: the signal stays latched for the whole
    /// process, so no other unit test may listen through `interrupted()`.
    #[tokio::test]
    async fn a_signal_is_latched_and_stops_istioctl_and_the_rendered_file_goes() {
        let signal = interrupted();
        raise_later(libc::SIGINT, Duration::from_millis(50));
        let got = tokio::time::timeout(Duration::from_secs(5), signal).await;
        assert_eq!(got, Ok(Signal::Interrupt));
        // A later SIGTERM changes nothing: the first signal decides.
        raise_later(libc::SIGTERM, Duration::from_millis(10));
        tokio::time::sleep(Duration::from_millis(100)).await;

        // A phase that starts after the signal (nothing was listening in between) ends at once.
        let (dir, istioctl) = fake("echo $$ > \"$(dirname \"$0\")/pid\"\nexec sleep 30");
        let parent = tempfile::tempdir().unwrap();
        let rendered = RenderedFile::write_in(parent.path(), "kind: IstioOperator\n").unwrap();
        let started = Instant::now();
        let result = install(
            &istioctl,
            rendered.path(),
            None,
            &InstallOptions::default(),
            |_| {},
            |_| {},
            interrupted(),
        )
        .await;
        drop(rendered);
        assert!(
            matches!(
                result,
                Err(IstioctlError::Cancelled {
                    signal: Signal::Interrupt
                })
            ),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(4));
        assert_eq!(
            fs::read_dir(parent.path()).unwrap().count(),
            0,
            "the rendered IstioOperator is removed after a signal"
        );
        if let Ok(pid) = fs::read_to_string(dir.path().join("pid")) {
            assert!(!alive(&pid), "istioctl outlived the signal");
        }
    }
}
