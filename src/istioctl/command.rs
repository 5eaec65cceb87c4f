//! The istioctl commands kyma-mesh runs: their exact argument lists (shown by `--dry-run`) and the
//! functions that run them through [`super::process::run`].

use std::borrow::Cow;
use std::ffi::OsString;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::output::parse_client_version;
use super::process::run;
use super::{DEFAULT_TIMEOUT, IstioVersion, IstioctlError, OutputLine, RunReport, VERSION_TIMEOUT};

/// How to run `istioctl install` (and `uninstall`, which takes the same options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallOptions {
    /// Passed as `--kubeconfig`; istioctl's own default (`$KUBECONFIG`, `~/.kube/config`) otherwise.
    pub kubeconfig: Option<PathBuf>,
    /// Passed as `--context`; the kubeconfig's current context otherwise.
    pub context: Option<String>,
    /// Overall limit; istioctl is killed when it is exceeded.
    pub timeout: Duration,
    /// Appended verbatim after kyma-mesh's own arguments.
    pub extra_args: Vec<String>,
}

impl Default for InstallOptions {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            timeout: DEFAULT_TIMEOUT,
            extra_args: Vec::new(),
        }
    }
}

/// The options for `istioctl uninstall` are the install ones.
pub type UninstallOptions = InstallOptions;

fn cluster_args(opts: &InstallOptions, args: &mut Vec<OsString>) {
    if let Some(kubeconfig) = &opts.kubeconfig {
        args.push("--kubeconfig".into());
        args.push(kubeconfig.into());
    }
    if let Some(context) = &opts.context {
        args.push("--context".into());
        args.push(context.into());
    }
    args.extend(opts.extra_args.iter().map(OsString::from));
}

/// Arguments of `istioctl install` (without the program). `-y` is what stops istioctl from asking
/// for a confirmation on stdin.
pub fn install_args(file: &Path, opts: &InstallOptions) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["install".into(), "-f".into(), file.into(), "-y".into()];
    cluster_args(opts, &mut args);
    args
}

/// Arguments of `istioctl uninstall --purge -y` (without the program).
pub fn uninstall_args(opts: &UninstallOptions) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["uninstall".into(), "--purge".into(), "-y".into()];
    cluster_args(opts, &mut args);
    args
}

fn command_line(istioctl: &Path, args: &[OsString]) -> Vec<String> {
    std::iter::once(istioctl.as_os_str())
        .chain(args.iter().map(OsString::as_os_str))
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// The exact command [`install`] runs, for `--dry-run` and logs (join with [`shell_join`]).
/// Non-UTF-8 path bytes are shown replaced; the real run passes them unchanged.
pub fn install_command_line(istioctl: &Path, file: &Path, opts: &InstallOptions) -> Vec<String> {
    command_line(istioctl, &install_args(file, opts))
}

/// The exact command [`uninstall`] runs.
pub fn uninstall_command_line(istioctl: &Path, opts: &UninstallOptions) -> Vec<String> {
    command_line(istioctl, &uninstall_args(opts))
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
/// See [`run`] for streaming, timeout and cancellation.
pub async fn install(
    istioctl: &Path,
    file: &Path,
    opts: &InstallOptions,
    on_line: impl FnMut(OutputLine),
    cancel: impl Future<Output = ()>,
) -> Result<RunReport, IstioctlError> {
    run(
        istioctl,
        &install_args(file, opts),
        opts.timeout,
        on_line,
        cancel,
    )
    .await
}

/// Run `istioctl uninstall --purge -y [--kubeconfig K] [--context C] [EXTRA...]`.
pub async fn uninstall(
    istioctl: &Path,
    opts: &UninstallOptions,
    on_line: impl FnMut(OutputLine),
    cancel: impl Future<Output = ()>,
) -> Result<RunReport, IstioctlError> {
    run(
        istioctl,
        &uninstall_args(opts),
        opts.timeout,
        on_line,
        cancel,
    )
    .await
}

/// Read istioctl's own version with `istioctl version --remote=false -o json`
/// (`.clientVersion.version`); `--remote=false` keeps it from contacting the cluster.
pub async fn client_version(istioctl: &Path) -> Result<IstioVersion, IstioctlError> {
    client_version_within(istioctl, VERSION_TIMEOUT).await
}

async fn client_version_within(
    istioctl: &Path,
    timeout: Duration,
) -> Result<IstioVersion, IstioctlError> {
    let report = run(
        istioctl,
        &["version", "--remote=false", "-o", "json"],
        timeout,
        |_| {},
        std::future::pending(),
    )
    .await?;
    parse_client_version(istioctl, &report.stdout_lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            uninstall_command_line(Path::new("istioctl"), &InstallOptions::default()),
            ["istioctl", "uninstall", "--purge", "-y"]
        );
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
        assert_eq!(shell_quote("~/x"), "'~/x'");
    }
}

#[cfg(all(test, unix))]
mod process_tests {
    use std::fs;
    use std::time::Instant;

    use super::*;
    use crate::istioctl::RenderedFile;
    use crate::istioctl::output::Stream;
    use crate::istioctl::test_support::{VERSION_JSON, fake, v};

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
            extra_args: vec!["--verify".into()],
        };
        let mut seen = Vec::new();
        let report = install(
            &istioctl,
            rendered.path(),
            &opts,
            |l| seen.push(l),
            std::future::pending(),
        )
        .await
        .unwrap();
        let argv = fs::read_to_string(dir.path().join("argv")).unwrap();
        let expected: Vec<String> = install_command_line(&istioctl, rendered.path(), &opts)
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
        assert_eq!(report.stderr_lines, ["warning: deprecated field"]);
        assert!(report.status.success());
        assert!(seen.contains(&OutputLine {
            stream: Stream::Stderr,
            text: "warning: deprecated field".into()
        }));
        assert_eq!(
            seen.iter().filter(|l| l.stream == Stream::Stdout).count(),
            3
        );
    }
}
