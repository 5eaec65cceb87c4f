//! Running istioctl: the only place in kyma-mesh that starts a process.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::IstioctlError;
use super::output::{OutputLine, Stream, clean_line, failure_tail};

/// Lines of each stream kept in a [`RunReport`]; every line is still passed to `on_line`. A bound so
/// a runaway process cannot make us hold its whole output in memory.
const MAX_KEPT_LINES: usize = 10_000;

/// After istioctl has exited, how long we keep reading its pipes. A process it started could keep
/// them open forever; istioctl starts none, but we must not hang if a wrapper script does.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// How long to wait for a killed istioctl to be reaped before giving up on it (it was sent SIGKILL,
/// so this only matters if the kernel is in trouble).
const REAP_GRACE: Duration = Duration::from_secs(5);

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

/// How [`run`] runs one istioctl command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// How long istioctl may run; it is stopped when this passes.
    pub timeout: Duration,
    /// The limit the user configured, when `timeout` is only what is left of it; it is what
    /// [`IstioctlError::TimedOut`] reports (`--timeout 5s` must not be said back as "4s").
    pub configured_timeout: Option<Duration>,
}

impl RunOptions {
    pub const fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            configured_timeout: None,
        }
    }
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

/// Run istioctl with `args`: the one runner that [`super::install`], [`super::client_version`]
/// and every later command share (build `args` with [`super::Args`]).
///
/// - No shell, stdin is `/dev/null`, stdout and stderr are read line by line and passed to
///   `on_line` as they arrive (order between the two streams is best effort).
/// - Exit 0 gives a [`RunReport`]; any other exit gives [`IstioctlError::Failed`] with the last
///   [`STDERR_TAIL_LINES`] stderr lines.
/// - When `opts.timeout` passes or `cancel` resolves first, istioctl is killed (SIGKILL) and reaped, and
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
pub(crate) async fn run<S: AsRef<OsStr>>(
    istioctl: &Path,
    args: &[S],
    opts: &RunOptions,
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
    let deadline = tokio::time::sleep(opts.timeout);
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
                return Err(IstioctlError::TimedOut {
                    timeout: opts.configured_timeout.unwrap_or(opts.timeout),
                });
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

#[cfg(all(test, unix))]
mod tests {
    use std::fs;

    use super::*;
    use crate::istioctl::STDERR_TAIL_LINES;
    use crate::istioctl::test_support::{fake, run_collect};

    #[tokio::test]
    async fn stdin_is_closed_so_prompts_cannot_block() {
        let (_d, istioctl) = fake("if read answer; then echo \"got $answer\"; else echo eof; fi");
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
                IstioctlError::TimedOut { timeout: t } => assert_eq!(t, timeout),
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
            &RunOptions::new(Duration::from_secs(60)),
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
}
