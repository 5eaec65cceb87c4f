//! The process boundary to istioctl: locate it, read its version, run it, stream its output,
//! enforce a timeout and stop it.
//!
//! This is the only place in kyma-mesh that starts `istioctl` (see DESIGN.md, "Architecture"), so
//! every rule about running it lives here:
//!
//! - istioctl is run directly (no shell), with stdin connected to `/dev/null`: `istioctl install`
//!   asks for a confirmation on stdin unless `-y` is given, and a prompt nobody can answer would
//!   hang the tool. We always pass `-y` *and* close stdin, so it can never block.
//! - istioctl exits 1 for every failure, so its exit status says nothing; the last lines it wrote to
//!   stderr are the message, and they are kept in [`IstioctlError::Failed`].
//! - Its output is streamed line by line (ANSI escapes removed) so the progress display can turn
//!   istioctl's component lines into steps.
//! - A timeout or cancellation (Ctrl-C, wired by the caller) kills istioctl; the caller decides what
//!   to tell the user about the state of the cluster.
//! - The merged IstioOperator is handed over as a file in a private temporary directory
//!   ([`RenderedFile`]) because it may carry credentials or internal hostnames from overrides.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::future::Future;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::version;
pub use crate::version::{IstioVersion, MIN_SUPPORTED, ParseVersionError};

/// Environment variable naming the istioctl binary, consulted when `--istioctl` is not given.
pub const ENV_VAR: &str = "ISTIOCTL";

/// How long `istioctl version --remote=false` may take. It does not talk to the cluster, so anything
/// slower than this is a hung or wrong binary, not a slow network.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(20);

/// Default overall timeout for `istioctl install`/`uninstall`. Longer than istioctl's own
/// `--readiness-timeout` default (5 minutes) so that istioctl normally reports a readiness failure
/// itself, with its own message, before we have to kill it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// How many of istioctl's last stderr lines go into [`IstioctlError::Failed`]: enough for its
/// `Error: ...` line plus the context istioctl prints before it, short enough for a terminal.
pub const STDERR_TAIL_LINES: usize = 20;

/// Lines of each stream kept in a [`RunReport`]; every line is still passed to `on_line`. A bound so
/// a runaway process cannot make us hold its whole output in memory.
const MAX_KEPT_LINES: usize = 10_000;

/// After istioctl has exited, how long we keep reading its pipes. A process it started could keep
/// them open forever; istioctl starts none, but we must not hang if a wrapper script does.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// How long to wait for a killed istioctl to be reaped before giving up on it (it was sent SIGKILL,
/// so this only matters if the kernel is in trouble).
const REAP_GRACE: Duration = Duration::from_secs(5);

/// The fix we suggest whenever no usable istioctl was found.
const INSTALL_HINT: &str = "install istioctl >= 1.24 \
     (https://istio.io/latest/docs/setup/install/istioctl/) or pass --istioctl PATH";

/// Everything that can go wrong at the istioctl boundary. Each message says what happened and, where
/// there is one, what to do about it; the command layer adds what it was trying to achieve.
#[derive(Debug, thiserror::Error)]
pub enum IstioctlError {
    /// Nothing configured and nothing on `PATH`.
    #[error(
        "istioctl not found: --istioctl was not given, ${env} is not set, and {searched}; {hint}",
        env = ENV_VAR,
        hint = INSTALL_HINT
    )]
    NotFound {
        /// What the `PATH` lookup covered, e.g. "no `istioctl` in the 7 directories of PATH".
        searched: String,
    },

    /// `--istioctl` or `$ISTIOCTL` names something that cannot be run. We do not fall back to `PATH`
    /// then: the user asked for a specific binary, silently running another would be worse.
    #[error("istioctl from {from} ({path}) {reason}; fix it or {hint}", path = .path.display(), hint = INSTALL_HINT)]
    Unusable {
        path: PathBuf,
        from: LocateSource,
        reason: String,
    },

    /// The operating system refused to start istioctl (missing, not executable, wrong architecture).
    #[error("could not start istioctl at {}", .path.display())]
    Spawn {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Waiting for istioctl failed at the operating-system level (not istioctl's own failure).
    #[error("lost track of the istioctl process")]
    Wait {
        #[source]
        source: io::Error,
    },

    /// The rendered IstioOperator could not be written to its private temporary location.
    #[error("could not {action} for the rendered IstioOperator")]
    TempFile {
        action: &'static str,
        #[source]
        source: io::Error,
    },

    /// `istioctl version -o json` printed something that is not JSON: most likely the path points
    /// at something that is not istioctl, or a very old istioctl without `-o json`.
    #[error(
        "`{} version --remote=false -o json` did not print JSON (is it really istioctl?); it printed: {output}",
        .path.display()
    )]
    VersionNotJson {
        path: PathBuf,
        output: String,
        #[source]
        source: serde_json::Error,
    },

    /// The JSON had no `.clientVersion.version` string.
    #[error(
        "`{} version --remote=false -o json` printed no .clientVersion.version; it printed: {output}",
        .path.display()
    )]
    VersionMissing { path: PathBuf, output: String },

    /// `.clientVersion.version` is not a version (source builds say "unknown").
    #[error("istioctl at {} reports a version kyma-mesh cannot read; {hint}", .path.display(), hint = INSTALL_HINT)]
    InvalidVersion {
        path: PathBuf,
        #[source]
        source: ParseVersionError,
    },

    /// istioctl is older than [`MIN_SUPPORTED`].
    #[error(
        "istioctl {version} is not supported: kyma-mesh needs istioctl >= {MIN_SUPPORTED} because \
         Istio rewrote its installer in {MIN_SUPPORTED}; {hint}",
        hint = INSTALL_HINT
    )]
    Unsupported { version: IstioVersion },

    /// istioctl ran and exited non-zero. It exits 1 for every failure, so `stderr_tail` (its last
    /// stderr lines, or its `Error...` stdout lines when stderr was empty) is the real message.
    #[error("istioctl failed ({status}){}", fmt_tail(.stderr_tail))]
    Failed {
        status: ExitStatus,
        stderr_tail: Vec<String>,
    },

    /// istioctl ran longer than allowed and was killed.
    #[error(
        "istioctl did not finish within {} and was stopped",
        fmt_duration(*.after)
    )]
    TimedOut { after: Duration },

    /// The caller's cancel future resolved (Ctrl-C) and istioctl was killed.
    #[error("istioctl was interrupted and stopped")]
    Cancelled,
}

fn fmt_tail(lines: &[String]) -> String {
    if lines.is_empty() {
        return " without any output".to_owned();
    }
    let mut out = String::from("; its last output:");
    for line in lines {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

/// Human-sized durations for messages: "20s", "10m", "1m30s", "500ms".
fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// Refuse istioctl older than [`MIN_SUPPORTED`] (see [`crate::version::check_supported`]).
pub fn check_supported(version: &IstioVersion) -> Result<(), IstioctlError> {
    version::check_supported(version).map_err(|u| IstioctlError::Unsupported { version: u.version })
}

// ---------------------------------------------------------------------------------------------
// Locating istioctl
// ---------------------------------------------------------------------------------------------

/// Where the istioctl that will be used was found; shown by `kyma-mesh version` and in preflight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocateSource {
    /// `--istioctl PATH`
    Flag,
    /// `$ISTIOCTL`
    Env,
    /// a `PATH` lookup
    Path,
}

impl fmt::Display for LocateSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LocateSource::Flag => "--istioctl",
            LocateSource::Env => "$ISTIOCTL",
            LocateSource::Path => "PATH",
        })
    }
}

/// The istioctl binary to run: an absolute path, so the `--dry-run` command line is exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub path: PathBuf,
    pub source: LocateSource,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {})", self.path.display(), self.source)
    }
}

/// Find istioctl: `--istioctl PATH` if given, else `$ISTIOCTL` if set and non-empty, else
/// `istioctl` on `PATH`. An explicit choice that is unusable is an error, never a fallback to the
/// next source: running a different istioctl than the one asked for would be a silent surprise.
/// A bare name (`--istioctl istioctl-1.28`) that is not a file in the current directory is looked
/// up on `PATH`.
pub fn locate(flag: Option<&Path>) -> Result<Located, IstioctlError> {
    let cwd = std::env::current_dir().ok();
    locate_in(
        flag,
        std::env::var_os(ENV_VAR),
        std::env::var_os("PATH"),
        cwd.as_deref(),
    )
}

/// [`locate`] with its environment passed in, so tests need not mutate the process environment.
fn locate_in(
    flag: Option<&Path>,
    env: Option<OsString>,
    search_path: Option<OsString>,
    cwd: Option<&Path>,
) -> Result<Located, IstioctlError> {
    let cwd = cwd.unwrap_or(Path::new("."));
    if let Some(path) = flag {
        return check_explicit(path, LocateSource::Flag, search_path.as_deref(), cwd);
    }
    if let Some(env) = env.filter(|v| !v.is_empty()) {
        return check_explicit(
            Path::new(&env),
            LocateSource::Env,
            search_path.as_deref(),
            cwd,
        );
    }
    match which::which_in("istioctl", search_path.as_ref(), cwd) {
        Ok(path) => Ok(Located {
            path: absolute(&path),
            source: LocateSource::Path,
        }),
        Err(_) => {
            let searched = match &search_path {
                None => "PATH is not set".to_owned(),
                Some(p) => match std::env::split_paths(p).count() {
                    1 => "there is no `istioctl` in the one directory of PATH".to_owned(),
                    n => format!("there is no `istioctl` in the {n} directories of PATH"),
                },
            };
            Err(IstioctlError::NotFound { searched })
        }
    }
}

fn check_explicit(
    path: &Path,
    from: LocateSource,
    search_path: Option<&OsStr>,
    cwd: &Path,
) -> Result<Located, IstioctlError> {
    let unusable = |reason: String| IstioctlError::Unusable {
        path: path.to_owned(),
        from,
        reason,
    };
    let resolved = if path.is_relative() {
        cwd.join(path)
    } else {
        path.to_owned()
    };
    let bare_name = path.components().count() == 1 && path.parent() == Some(Path::new(""));
    if bare_name
        && !resolved.exists()
        && let Ok(found) = which::which_in(path, search_path, cwd)
    {
        return Ok(Located {
            path: absolute(&found),
            source: from,
        });
    }
    let meta = match fs::metadata(&resolved) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(unusable(if bare_name {
                "is neither a file nor on PATH".to_owned()
            } else {
                "does not exist".to_owned()
            }));
        }
        Err(e) => return Err(unusable(format!("cannot be read ({e})"))),
    };
    if meta.is_dir() {
        // Istio's release archive unpacks to istio-X.Y.Z/bin/istioctl: point at it.
        let inner = ["bin/istioctl", "istioctl"]
            .iter()
            .map(|p| resolved.join(p))
            .find(|p| p.is_file());
        return Err(unusable(match inner {
            Some(p) => format!("is a directory; did you mean {}?", p.display()),
            None => "is a directory, not the istioctl binary".to_owned(),
        }));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 == 0 {
            return Err(unusable("is not executable (chmod +x it)".to_owned()));
        }
    }
    Ok(Located {
        path: absolute(&resolved),
        source: from,
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

// ---------------------------------------------------------------------------------------------
// The rendered IstioOperator file
// ---------------------------------------------------------------------------------------------

/// The merged IstioOperator, written for `istioctl install -f`. It lives in a fresh directory only
/// the current user can enter (0700, file 0600 on unix) because overrides may carry secrets, and it
/// is deleted when this value is dropped, so error returns, `?` and panics all clean up.
/// Limitation: `std::process::exit` and SIGKILL skip destructors, so callers must drop it before
/// exiting (e.g. with 130 after Ctrl-C).
#[derive(Debug)]
pub struct RenderedFile {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl RenderedFile {
    /// Name of the file inside the private directory; visible in istioctl's messages.
    pub const FILE_NAME: &'static str = "kyma-istio-operator.yaml";

    /// Write `yaml` into a new private directory under the system temporary directory.
    pub fn write(yaml: &str) -> Result<Self, IstioctlError> {
        Self::write_in(&std::env::temp_dir(), yaml)
    }

    /// Write `yaml` into a new private directory under `parent`.
    pub fn write_in(parent: &Path, yaml: &str) -> Result<Self, IstioctlError> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("kyma-mesh-");
        // tempfile creates directories 0777 minus umask unless told otherwise.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o700));
        }
        let dir = builder
            .tempdir_in(parent)
            .map_err(|source| IstioctlError::TempFile {
                action: "create a private temporary directory",
                source,
            })?;
        let path = dir.path().join(Self::FILE_NAME);
        let write_err = |source| IstioctlError::TempFile {
            action: "write the temporary file",
            source,
        };
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&path).map_err(write_err)?;
        file.write_all(yaml.as_bytes()).map_err(write_err)?;
        file.flush().map_err(write_err)?;
        Ok(Self { dir, path })
    }

    /// The file to pass to `istioctl install -f`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Remove the file now and report a failure, which dropping cannot do.
    pub fn close(self) -> Result<(), IstioctlError> {
        self.dir.close().map_err(|source| IstioctlError::TempFile {
            action: "remove the temporary directory",
            source,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Running istioctl
// ---------------------------------------------------------------------------------------------

/// Which of istioctl's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line of istioctl's output, without its line ending and with ANSI escapes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    pub stream: Stream,
    pub text: String,
}

/// What a successful istioctl run left behind.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub status: ExitStatus,
    pub duration: Duration,
    /// Its stdout lines (the last 10 000 at most).
    pub stdout_lines: Vec<String>,
    /// Its stderr lines (the last 10 000 at most); istioctl prints warnings here even on success.
    pub stderr_lines: Vec<String>,
}

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

/// Parse the output of `istioctl version -o json`. Tolerates lines printed before the JSON
/// (warnings some istioctl builds write to stdout).
fn parse_client_version(istioctl: &Path, output: &str) -> Result<IstioVersion, IstioctlError> {
    let snippet = || {
        let trimmed = output.trim();
        match trimmed.char_indices().nth(200) {
            Some((cut, _)) => format!("{}...", &trimmed[..cut]),
            None if trimmed.is_empty() => "nothing".to_owned(),
            None => trimmed.to_owned(),
        }
    };
    let value: serde_json::Value = match serde_json::from_str(output) {
        Ok(v) => v,
        Err(first) => {
            let embedded = match (output.find('{'), output.rfind('}')) {
                (Some(start), Some(end)) if start < end => {
                    serde_json::from_str(&output[start..=end]).ok()
                }
                _ => None,
            };
            embedded.ok_or_else(|| IstioctlError::VersionNotJson {
                path: istioctl.to_owned(),
                output: snippet(),
                source: first,
            })?
        }
    };
    let version = value
        .get("clientVersion")
        .and_then(|c| c.get("version"))
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| IstioctlError::VersionMissing {
            path: istioctl.to_owned(),
            output: snippet(),
        })?;
    version
        .parse()
        .map_err(|source| IstioctlError::InvalidVersion {
            path: istioctl.to_owned(),
            source,
        })
}

/// Aborts the pipe readers on every exit path, so none outlives the run.
struct AbortOnDrop(Vec<JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for handle in &self.0 {
            handle.abort();
        }
    }
}

/// Run istioctl with `args` (shared by [`install`], [`uninstall`] and [`client_version`]).
///
/// - No shell, stdin is `/dev/null`, stdout and stderr are read line by line and passed to
///   `on_line` as they arrive (order between the two streams is best effort).
/// - Exit 0 gives a [`RunReport`]; any other exit gives [`IstioctlError::Failed`] with the last
///   [`STDERR_TAIL_LINES`] stderr lines.
/// - When `timeout` passes or `cancel` resolves first, istioctl is killed (SIGKILL) and reaped, and
///   [`IstioctlError::TimedOut`] / [`IstioctlError::Cancelled`] is returned. If the returned future
///   is dropped instead, `kill_on_drop` kills istioctl too.
///
/// On unix istioctl runs in its own process group, so a Ctrl-C in the terminal reaches only
/// kyma-mesh, which stops istioctl through `cancel` and can report what happened, instead of
/// istioctl dying half-way on its own. Limitation: only istioctl itself is killed, not processes it
/// started (istioctl starts none; killing the whole group would need `libc`/`nix`). Such leftovers
/// cannot hang us: after a kill we stop reading at once, and after a normal exit we read the pipes
/// for at most two more seconds. The flip side of the own process group: a signal aimed at
/// kyma-mesh's group (a closed terminal, a CI runner) does not reach istioctl, and a kyma-mesh killed
/// without unwinding (SIGKILL) leaves it running until its next write hits the closed pipe. What
/// istioctl had applied before it was stopped stays on the cluster; the caller says so.
pub async fn run<S: AsRef<OsStr>>(
    istioctl: &Path,
    args: &[S],
    timeout: Duration,
    mut on_line: impl FnMut(OutputLine),
    cancel: impl Future<Output = ()>,
) -> Result<RunReport, IstioctlError> {
    let started = Instant::now();
    // The one place kyma-mesh starts a process (clippy.toml).
    #[allow(clippy::disallowed_methods)]
    let mut cmd = Command::new(istioctl);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = spawn(&mut cmd, istioctl).await?;

    let (tx, mut rx) = mpsc::channel(256);
    let mut readers = Vec::with_capacity(2);
    if let Some(stdout) = child.stdout.take() {
        readers.push(tokio::spawn(pump(stdout, Stream::Stdout, tx.clone())));
    }
    if let Some(stderr) = child.stderr.take() {
        readers.push(tokio::spawn(pump(stderr, Stream::Stderr, tx.clone())));
    }
    drop(tx);
    let _readers = AbortOnDrop(readers);

    let mut stdout_lines = VecDeque::new();
    let mut stderr_lines = VecDeque::new();
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline, cancel);
    let mut status: Option<ExitStatus> = None;
    let mut drain_until: Option<tokio::time::Instant> = None;
    let mut pipes_open = true;

    while status.is_none() || pipes_open {
        tokio::select! {
            biased;
            () = &mut cancel, if status.is_none() => {
                stop(&mut child).await;
                return Err(IstioctlError::Cancelled);
            }
            () = &mut deadline, if status.is_none() => {
                stop(&mut child).await;
                return Err(IstioctlError::TimedOut { after: timeout });
            }
            line = rx.recv(), if pipes_open => match line {
                Some(line) => {
                    let kept = match line.stream {
                        Stream::Stdout => &mut stdout_lines,
                        Stream::Stderr => &mut stderr_lines,
                    };
                    if kept.len() == MAX_KEPT_LINES {
                        kept.pop_front();
                    }
                    kept.push_back(line.text.clone());
                    on_line(line);
                }
                None => pipes_open = false,
            },
            exited = child.wait(), if status.is_none() => {
                status = Some(exited.map_err(|source| IstioctlError::Wait { source })?);
                drain_until = Some(tokio::time::Instant::now() + DRAIN_GRACE);
            }
            () = tokio::time::sleep_until(drain_until.unwrap_or_else(tokio::time::Instant::now)),
                if drain_until.is_some() => break,
        }
    }

    let status = status.expect("the loop only ends once istioctl has exited");
    let stdout_lines = Vec::from(stdout_lines);
    let stderr_lines = Vec::from(stderr_lines);
    if !status.success() {
        return Err(IstioctlError::Failed {
            status,
            stderr_tail: failure_tail(&stdout_lines, &stderr_lines),
        });
    }
    Ok(RunReport {
        status,
        duration: started.elapsed(),
        stdout_lines,
        stderr_lines,
    })
}

/// Start the process. Retries briefly on ETXTBSY ("text file busy"): when a program (a test, or a
/// wrapper that just downloaded istioctl) wrote the binary a moment ago, a concurrent fork elsewhere
/// in the process can still hold the file open for writing.
async fn spawn(cmd: &mut Command, istioctl: &Path) -> Result<Child, IstioctlError> {
    let mut attempt = 0;
    loop {
        match cmd.spawn() {
            Ok(child) => return Ok(child),
            Err(e) if e.kind() == io::ErrorKind::ExecutableFileBusy && attempt < 20 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(source) => {
                return Err(IstioctlError::Spawn {
                    path: istioctl.to_owned(),
                    source,
                });
            }
        }
    }
}

/// Kill istioctl and reap it.
async fn stop(child: &mut Child) {
    let _ = child.start_kill();
    let _ = tokio::time::timeout(REAP_GRACE, child.wait()).await;
}

/// Read one pipe line by line until EOF or until nobody listens any more.
async fn pump(pipe: impl AsyncRead + Unpin, stream: Stream, tx: mpsc::Sender<OutputLine>) {
    let mut reader = BufReader::new(pipe);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = clean_line(&buf);
                if tx.send(OutputLine { stream, text }).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// One raw output line as a terminal would show it: line ending removed, only the text after the
/// last carriage return (spinners redraw a line with `\r`), ANSI escapes and other control
/// characters removed, invalid UTF-8 replaced.
fn clean_line(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_end_matches(['\n', '\r']);
    let text = match text.rsplit_once('\r') {
        Some((_, last)) if !last.is_empty() => last,
        _ => text,
    };
    strip_ansi(text).into_owned()
}

/// Remove ANSI escape sequences (CSI such as colours, OSC such as hyperlinks, and two-character
/// escapes) and control characters other than tab.
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            match chars.next() {
                // CSI: parameters and intermediates, then one final byte in @..~
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC: up to BEL or ESC \
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' {
                            break;
                        }
                        if c == '\x1b' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {}
            }
        } else if !c.is_control() || c == '\t' {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The lines that explain a failure: stderr's tail; when stderr is empty, the stdout lines starting
/// with "Error" (some istioctl commands report there); failing that, stdout's tail.
fn failure_tail(stdout: &[String], stderr: &[String]) -> Vec<String> {
    let non_blank = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .collect()
    };
    let tail = |mut lines: Vec<String>| {
        let skip = lines.len().saturating_sub(STDERR_TAIL_LINES);
        lines.drain(..skip);
        lines
    };
    let stderr = non_blank(stderr);
    if !stderr.is_empty() {
        return tail(stderr);
    }
    let errors: Vec<String> = stdout
        .iter()
        .filter(|l| l.trim_start().starts_with("Error"))
        .cloned()
        .collect();
    if !errors.is_empty() {
        return tail(errors);
    }
    tail(non_blank(stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> IstioVersion {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn supports_1_24_and_later() {
        for ok in ["1.24.0", "1.24.0-beta.1", "1.28.0", "2.0.0"] {
            check_supported(&v(ok)).unwrap();
        }
        let err = check_supported(&v("1.23.5")).unwrap_err().to_string();
        assert!(err.contains("istioctl 1.23.5 is not supported"), "{err}");
        assert!(err.contains(">= 1.24"), "{err}");
        assert!(err.contains("rewrote its installer"), "{err}");
        assert!(INSTALL_HINT.contains(&format!(">= {MIN_SUPPORTED}")));
    }

    const VERSION_JSON: &str = r#"{"clientVersion":{"version":"1.28.0","revision":"abc","golang_version":"go1.25","status":"Clean","tag":"1.28.0"}}"#;

    #[test]
    fn parses_version_json() {
        let p = Path::new("/x/istioctl");
        assert_eq!(parse_client_version(p, VERSION_JSON).unwrap(), v("1.28.0"));
        let pretty =
            "Warning: something\n{\n  \"clientVersion\": {\n    \"version\": \"1.24.3\"\n  }\n}\n";
        assert_eq!(parse_client_version(p, pretty).unwrap(), v("1.24.3"));

        let err = parse_client_version(p, "istioctl version 1.28.0").unwrap_err();
        assert!(
            matches!(err, IstioctlError::VersionNotJson { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("did not print JSON"), "{err}");
        assert!(err.to_string().contains("istioctl version 1.28.0"), "{err}");

        let err = parse_client_version(p, r#"{"clientVersion":{}}"#).unwrap_err();
        assert!(
            matches!(err, IstioctlError::VersionMissing { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains(".clientVersion.version"), "{err}");

        let err =
            parse_client_version(p, r#"{"clientVersion":{"version":"unknown"}}"#).unwrap_err();
        assert!(
            matches!(err, IstioctlError::InvalidVersion { .. }),
            "{err:?}"
        );
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

    #[test]
    fn cleans_output_lines() {
        assert_eq!(
            clean_line(b"\x1b[32m\xe2\x9c\x94\x1b[0m Istio core installed\n"),
            "\u{2714} Istio core installed"
        );
        assert_eq!(
            clean_line(b"- Processing resources\r\x1b[2K\xe2\x9c\x94 Istiod installed\r\n"),
            "\u{2714} Istiod installed"
        );
        assert_eq!(
            clean_line(b"see \x1b]8;;https://istio.io\x07docs\x1b]8;;\x1b\\ now\n"),
            "see docs now"
        );
        assert_eq!(clean_line(b"tab\tkept\x07\n"), "tab\tkept");
        assert_eq!(clean_line(b"bad \xff utf8"), "bad \u{fffd} utf8");
        assert!(matches!(strip_ansi("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn failure_tail_prefers_stderr_then_error_lines() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let stderr: Vec<String> = (1..=30).map(|i| format!("line {i}")).collect();
        let tail = failure_tail(&[], &stderr);
        assert_eq!(tail.len(), STDERR_TAIL_LINES);
        assert_eq!(tail.first().unwrap(), "line 11");
        assert_eq!(tail.last().unwrap(), "line 30");
        assert_eq!(
            failure_tail(
                &lines(&["✔ Istio core installed", "Error: boom", "done"]),
                &lines(&["", " "])
            ),
            ["Error: boom"]
        );
        assert_eq!(failure_tail(&lines(&["a", "b"]), &[]), ["a", "b"]);
        assert!(failure_tail(&[], &[]).is_empty());
    }

    #[test]
    fn error_messages_read_well() {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            let err = IstioctlError::Failed {
                status: ExitStatus::from_raw(1 << 8),
                stderr_tail: vec!["Error: failed to install manifests".into()],
            };
            assert_eq!(
                err.to_string(),
                "istioctl failed (exit status: 1); its last output:\n  Error: failed to install manifests"
            );
        }
        let err = IstioctlError::TimedOut {
            after: Duration::from_secs(90),
        };
        assert!(
            err.to_string()
                .starts_with("istioctl did not finish within 1m30s"),
            "{err}"
        );
        assert_eq!(fmt_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(fmt_duration(Duration::from_secs(600)), "10m");
        assert_eq!(fmt_duration(Duration::from_secs(3600)), "1h");
        let err = IstioctlError::NotFound {
            searched: "PATH is not set".into(),
        };
        assert_eq!(
            err.to_string(),
            "istioctl not found: --istioctl was not given, $ISTIOCTL is not set, and PATH is not set; \
             install istioctl >= 1.24 (https://istio.io/latest/docs/setup/install/istioctl/) or pass --istioctl PATH"
        );
    }

    /// Tests that start fake istioctl shell scripts.
    #[cfg(unix)]
    mod process {
        use super::*;
        use std::os::unix::fs::PermissionsExt;

        /// Write an executable `/bin/sh` script named `name` into `dir`.
        fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
            let path = dir.join(name);
            fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
            path
        }

        fn fake(body: &str) -> (tempfile::TempDir, PathBuf) {
            let dir = tempfile::tempdir().unwrap();
            let path = script(dir.path(), "istioctl", body);
            (dir, path)
        }

        fn mode(path: &Path) -> u32 {
            fs::metadata(path).unwrap().permissions().mode() & 0o777
        }

        async fn run_collect(
            istioctl: &Path,
            args: &[&str],
            timeout: Duration,
        ) -> (Result<RunReport, IstioctlError>, Vec<OutputLine>) {
            let mut seen = Vec::new();
            let result = run(
                istioctl,
                args,
                timeout,
                |l| seen.push(l),
                std::future::pending(),
            )
            .await;
            (result, seen)
        }

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

        #[tokio::test]
        async fn stdin_is_closed_so_prompts_cannot_block() {
            let (_d, istioctl) =
                fake("if read answer; then echo \"got $answer\"; else echo eof; fi");
            let (result, _) = run_collect(&istioctl, &["install"], Duration::from_secs(10)).await;
            assert_eq!(result.unwrap().stdout_lines, ["eof"]);
        }

        #[tokio::test]
        async fn failure_keeps_the_last_stderr_lines() {
            let (_d, istioctl) = fake(
                "echo '✔ Istio core installed'\n\
                 i=1; while [ $i -le 30 ]; do echo \"stderr $i\" >&2; i=$((i+1)); done\n\
                 echo 'Error: failed to install manifests: context deadline exceeded' >&2\n\
                 exit 1",
            );
            let (result, seen) = run_collect(&istioctl, &[], Duration::from_secs(10)).await;
            let err = result.unwrap_err();
            let IstioctlError::Failed {
                status,
                stderr_tail,
            } = &err
            else {
                panic!("expected Failed, got {err:?}");
            };
            assert_eq!(status.code(), Some(1));
            assert_eq!(stderr_tail.len(), STDERR_TAIL_LINES);
            assert_eq!(stderr_tail[0], "stderr 12");
            assert!(
                err.to_string()
                    .ends_with("\n  Error: failed to install manifests: context deadline exceeded"),
                "{err}"
            );
            assert_eq!(seen.len(), 32, "every line is still streamed");
        }

        #[tokio::test]
        async fn failure_on_stdout_only_reports_error_lines() {
            let (_d, istioctl) = fake("echo '- Processing'\necho 'Error: boom'\nexit 3");
            let (result, _) = run_collect(&istioctl, &[], Duration::from_secs(10)).await;
            match result.unwrap_err() {
                IstioctlError::Failed {
                    status,
                    stderr_tail,
                } => {
                    assert_eq!(status.code(), Some(3));
                    assert_eq!(stderr_tail, ["Error: boom"]);
                }
                other => panic!("expected Failed, got {other:?}"),
            }
        }

        #[tokio::test]
        async fn timeout_kills_it_quickly() {
            // `exec`: istioctl itself hangs. Without exec: a child of it holds the pipes open.
            for body in [
                "echo started\nexec sleep 30",
                "echo started\nsleep 30\necho never",
            ] {
                let (_d, istioctl) = fake(body);
                let timeout = Duration::from_millis(500);
                let started = Instant::now();
                let (result, seen) = run_collect(&istioctl, &["install"], timeout).await;
                let elapsed = started.elapsed();
                eprintln!("timeout {timeout:?}: returned after {elapsed:?}");
                match result.unwrap_err() {
                    IstioctlError::TimedOut { after } => assert_eq!(after, timeout),
                    other => panic!("expected TimedOut, got {other:?}"),
                }
                assert!(elapsed >= timeout, "{elapsed:?}");
                assert!(
                    elapsed < timeout + Duration::from_secs(2),
                    "took {elapsed:?}"
                );
                assert_eq!(seen.first().map(|l| l.text.as_str()), Some("started"));
            }
        }

        #[tokio::test]
        async fn exit_is_not_held_up_by_leftover_children() {
            // The script exits at once but leaves a background child holding stdout.
            let (_d, istioctl) = fake("echo done\nsleep 30 &\nexit 0");
            let started = Instant::now();
            let (result, _) = run_collect(&istioctl, &[], Duration::from_secs(20)).await;
            assert_eq!(result.unwrap().stdout_lines, ["done"]);
            assert!(started.elapsed() < DRAIN_GRACE + Duration::from_secs(2));
        }

        #[tokio::test]
        async fn cancel_stops_it() {
            let (dir, istioctl) = fake("echo $$ > \"$(dirname \"$0\")/pid\"\nexec sleep 30");
            let started = Instant::now();
            let result = run(
                &istioctl,
                &["install"],
                Duration::from_secs(60),
                |_| {},
                tokio::time::sleep(Duration::from_millis(300)),
            )
            .await;
            assert!(
                matches!(result, Err(IstioctlError::Cancelled)),
                "{result:?}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{:?}",
                started.elapsed()
            );
            // The process is gone (killed and reaped), not just abandoned.
            let pid = fs::read_to_string(dir.path().join("pid")).unwrap();
            let alive = std::process::Command::new("kill")
                .args(["-0", pid.trim()])
                .stderr(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(!alive, "istioctl (pid {}) still running", pid.trim());
        }

        #[tokio::test]
        async fn spawn_failure_names_the_path() {
            let dir = tempfile::tempdir().unwrap();
            let missing = dir.path().join("istioctl");
            let (result, _) = run_collect(&missing, &["version"], Duration::from_secs(5)).await;
            let err = result.unwrap_err();
            assert!(matches!(err, IstioctlError::Spawn { .. }), "{err:?}");
            assert!(
                err.to_string().contains(&missing.display().to_string()),
                "{err}"
            );
        }

        #[test]
        fn rendered_file_is_private_and_removed_on_drop() {
            let parent = tempfile::tempdir().unwrap();
            let yaml = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n";
            let rendered = RenderedFile::write_in(parent.path(), yaml).unwrap();
            let path = rendered.path().to_owned();
            let dir = path.parent().unwrap().to_owned();
            assert_eq!(fs::read_to_string(&path).unwrap(), yaml);
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(path.file_name().unwrap(), RenderedFile::FILE_NAME);
            drop(rendered);
            assert!(!path.exists() && !dir.exists());

            let rendered = RenderedFile::write_in(parent.path(), yaml).unwrap();
            let dir = rendered.path().parent().unwrap().to_owned();
            rendered.close().unwrap();
            assert!(!dir.exists());
            assert_eq!(fs::read_dir(parent.path()).unwrap().count(), 0);
        }

        #[test]
        fn rendered_file_is_removed_when_a_panic_unwinds() {
            let parent = tempfile::tempdir().unwrap();
            let p = parent.path().to_owned();
            let caught = std::panic::catch_unwind(move || {
                let _rendered = RenderedFile::write_in(&p, "x: 1\n").unwrap();
                panic!("install step failed");
            });
            assert!(caught.is_err());
            assert_eq!(fs::read_dir(parent.path()).unwrap().count(), 0);
        }

        #[test]
        fn locate_prefers_flag_then_env_then_path() {
            let dir = tempfile::tempdir().unwrap();
            let flag = script(dir.path(), "istioctl-flag", "exit 0");
            let env = script(dir.path(), "istioctl-env", "exit 0");
            let bin = dir.path().join("bin");
            fs::create_dir(&bin).unwrap();
            let on_path = script(&bin, "istioctl", "exit 0");
            let path_var = Some(bin.clone().into_os_string());
            let cwd = Some(dir.path());

            let found =
                locate_in(Some(&flag), Some(env.clone().into()), path_var.clone(), cwd).unwrap();
            assert_eq!(
                found,
                Located {
                    path: flag.clone(),
                    source: LocateSource::Flag
                }
            );

            let found = locate_in(None, Some(env.clone().into()), path_var.clone(), cwd).unwrap();
            assert_eq!(
                found,
                Located {
                    path: env.clone(),
                    source: LocateSource::Env
                }
            );

            let found = locate_in(None, Some(OsString::new()), path_var.clone(), cwd).unwrap();
            assert_eq!(
                found,
                Located {
                    path: on_path.clone(),
                    source: LocateSource::Path
                }
            );
            assert!(
                found.to_string().ends_with("bin/istioctl (from PATH)"),
                "{found}"
            );

            // Relative to the working directory, made absolute.
            let found = locate_in(Some(Path::new("./istioctl-flag")), None, None, cwd).unwrap();
            assert!(
                found.path.is_absolute() && found.path.ends_with("istioctl-flag"),
                "{found}"
            );

            // A bare name that is not in the working directory is looked up on PATH.
            let found =
                locate_in(Some(Path::new("istioctl")), None, path_var.clone(), cwd).unwrap();
            assert_eq!(found.path, on_path);
        }

        #[test]
        fn locate_explains_what_is_wrong() {
            let dir = tempfile::tempdir().unwrap();
            let cwd = Some(dir.path());
            let text = |r: Result<Located, IstioctlError>| r.unwrap_err().to_string();

            let missing = dir.path().join("nope/istioctl");
            let err = text(locate_in(Some(&missing), None, None, cwd));
            assert!(err.starts_with("istioctl from --istioctl ("), "{err}");
            assert!(
                err.contains("does not exist; fix it or install istioctl >= 1.24"),
                "{err}"
            );

            // An unusable $ISTIOCTL is an error, not a reason to fall back to PATH.
            let bin = dir.path().join("bin");
            fs::create_dir(&bin).unwrap();
            script(&bin, "istioctl", "exit 0");
            let err = text(locate_in(
                None,
                Some(missing.clone().into()),
                Some(bin.clone().into()),
                cwd,
            ));
            assert!(err.starts_with("istioctl from $ISTIOCTL ("), "{err}");

            let release = dir.path().join("istio-1.28.0");
            fs::create_dir_all(release.join("bin")).unwrap();
            script(&release.join("bin"), "istioctl", "exit 0");
            let err = text(locate_in(Some(&release), None, None, cwd));
            assert!(err.contains("is a directory; did you mean"), "{err}");
            assert!(err.contains("istio-1.28.0/bin/istioctl?"), "{err}");

            let plain = dir.path().join("istioctl.txt");
            fs::write(&plain, "").unwrap();
            let err = text(locate_in(Some(&plain), None, None, cwd));
            assert!(err.contains("is not executable"), "{err}");

            let empty = dir.path().join("empty");
            fs::create_dir(&empty).unwrap();
            let err = text(locate_in(None, None, Some(empty.into()), cwd));
            assert!(
                err.contains("there is no `istioctl` in the one directory of PATH"),
                "{err}"
            );
            assert!(err.contains("or pass --istioctl PATH"), "{err}");
            let err = text(locate_in(None, None, None, cwd));
            assert!(err.contains("PATH is not set"), "{err}");
        }
    }
}
