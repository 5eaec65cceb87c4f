//! Running istioctl: the only place in kyma-mesh that starts a process, and the only one that
//! signals one.
//!
//! istioctl runs as the leader of its own process group. A Ctrl-C in the terminal therefore reaches
//! only kyma-mesh, which stops istioctl itself and can say what state the cluster is in. Stopping
//! (timeout, cancel) is SIGTERM to the whole group, [`RunOptions::kill_grace`] to exit, then
//! SIGKILL to the group, so nothing istioctl (or a wrapper script around it) started outlives it.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::fmt;
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

/// How long to wait for a SIGKILLed istioctl to be reaped before giving up on it (this only
/// matters if the kernel is in trouble).
const REAP_GRACE: Duration = Duration::from_secs(5);

/// How long istioctl has between SIGTERM and SIGKILL: enough to cancel its requests and exit.
const KILL_GRACE: Duration = Duration::from_secs(3);

/// What a successful (exit 0) istioctl run left behind. Its stderr (warnings, even on success)
/// reached `on_line` as it came.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub duration: Duration,
    /// Its stdout lines (the last 10 000 at most): what `version` or `tag list` printed.
    pub stdout_lines: Vec<String>,
}

/// How `run` runs one istioctl command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// How long istioctl may run; it is stopped when this passes.
    pub timeout: Duration,
    /// The limit the user configured, when `timeout` is only what is left of it; it is what
    /// [`IstioctlError::TimedOut`] reports (`--timeout 5s` must not be said back as "4s").
    pub configured_timeout: Option<Duration>,
    /// Between SIGTERM and SIGKILL when istioctl is stopped.
    pub kill_grace: Duration,
}

impl RunOptions {
    pub const fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            configured_timeout: None,
            kill_grace: KILL_GRACE,
        }
    }
}

/// The signal that stopped kyma-mesh's work; commands exit with [`Signal::exit_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: `kill`, a CI runner's cancel, a pod being deleted.
    Terminate,
}

impl Signal {
    pub const fn number(self) -> u8 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    /// 128 + the signal number, as shells report it: 130 for SIGINT, 143 for SIGTERM.
    pub const fn exit_code(self) -> u8 {
        128 + self.number()
    }

    pub const fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Resolves when kyma-mesh receives SIGINT or SIGTERM, with which one: the `cancel` future for
/// [`run`], and for any phase that must end cleanly when asked to.
///
/// The first call installs the handlers, on a thread of their own that lives as long as the
/// process; from then on a signal is latched, so one that arrives between two phases (when
/// nothing is listening) ends the next phase at once instead of being lost, and every runtime
/// (each cluster of a fleet has its own) sees it. Once installed, SIGINT and SIGTERM no longer
/// end kyma-mesh by themselves: every phase that can take long must listen through this.
pub fn interrupted() -> impl Future<Output = Signal> + Send + 'static {
    let mut latch = latch();
    async move {
        loop {
            if let Some(s) = *latch.borrow_and_update() {
                return s;
            }
            if latch.changed().await.is_err() {
                // No handler could be installed: nothing will arrive.
                return std::future::pending().await;
            }
        }
    }
}

fn latch() -> tokio::sync::watch::Receiver<Option<Signal>> {
    static LATCH: std::sync::OnceLock<tokio::sync::watch::Receiver<Option<Signal>>> =
        std::sync::OnceLock::new();
    LATCH
        .get_or_init(|| {
            let (tx, rx) = tokio::sync::watch::channel(None);
            let (ready, installed) = std::sync::mpsc::channel::<()>();
            let spawned = std::thread::Builder::new()
                .name("kyma-mesh-signals".into())
                .spawn(move || listen(tx, ready));
            if spawned.is_ok() {
                // Return only once the handlers are in place: a signal right after this call
                // is then latched, not lost.
                let _ = installed.recv();
            }
            rx
        })
        .clone()
}

fn listen(tx: tokio::sync::watch::Sender<Option<Signal>>, ready: std::sync::mpsc::Sender<()>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            // A handler that could not be installed never fires; the other one still does.
            let mut int = signal(SignalKind::interrupt()).ok();
            let mut term = signal(SignalKind::terminate()).ok();
            let _ = ready.send(());
            async fn recv(s: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
                match s {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            }
            loop {
                let got = tokio::select! {
                    Some(()) = recv(&mut int) => Signal::Interrupt,
                    Some(()) = recv(&mut term) => Signal::Terminate,
                    else => return,
                };
                // The first signal decides the exit code; later ones change nothing.
                if tx.borrow().is_none() {
                    tx.send_replace(Some(got));
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ready.send(());
            if tokio::signal::ctrl_c().await.is_ok() {
                tx.send_replace(Some(Signal::Interrupt));
            }
            // Keep the sender alive: receivers stay latched, not closed.
            std::future::pending::<()>().await
        }
    });
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

/// istioctl's process group (istioctl is its leader). Dropping it SIGKILLs the group, so an
/// abandoned run (its future dropped, an early `?`) leaves no process behind either.
struct Group {
    /// `None` on other platforms, and once istioctl has been reaped after exiting on its own:
    /// from then on its id may be reused, so it is never signalled again.
    pgid: Option<i32>,
}

impl Group {
    fn of(child: &Child) -> Self {
        let pgid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .filter(|&id| id > 1 && cfg!(unix));
        Self { pgid }
    }

    #[cfg(unix)]
    fn signal(&self, signal: libc::c_int) {
        if let Some(pgid) = self.pgid {
            // SAFETY: killpg takes plain integers and touches no memory of ours. Its only failure
            // that can happen here, ESRCH (the group is gone), means there is nothing left to stop.
            unsafe {
                libc::killpg(pgid, signal);
            }
        }
    }

    fn terminate(&self) {
        #[cfg(unix)]
        self.signal(libc::SIGTERM);
    }

    fn kill(&self) {
        #[cfg(unix)]
        self.signal(libc::SIGKILL);
    }

    fn release(&mut self) {
        self.pgid = None;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Run istioctl with `args`: the one runner that [`super::install`], [`super::client_version`]
/// and every later command share (build `args` with [`super::Args`]).
///
/// - No shell, stdin is `/dev/null`, stdout and stderr are read line by line and passed to
///   `on_line` as they arrive (order between the two streams is best effort).
/// - Exit 0 gives a [`RunReport`]; any other exit gives [`IstioctlError::Failed`] with the last
///   [`super::STDERR_TAIL_LINES`] stderr lines, or the signal that killed istioctl.
/// - When `opts.timeout` passes or `cancel` resolves first (pass [`interrupted`] for SIGINT and
///   SIGTERM), istioctl's process group is stopped (SIGTERM, then SIGKILL after
///   `opts.kill_grace`) and reaped, and [`IstioctlError::TimedOut`] / [`IstioctlError::Cancelled`]
///   is returned at once, without waiting for the pipes. Dropping the returned future SIGKILLs the
///   group.
///
/// Leftovers cannot hang us: after a stop we return at once, and after a normal exit we read the
/// pipes for at most two more seconds (what a successful istioctl leaves running is left alone).
/// A kyma-mesh killed without unwinding (SIGKILL) leaves istioctl running until its next write
/// hits the closed pipe. What istioctl had applied before it was stopped stays on the cluster; the
/// caller says so.
pub(crate) async fn run<S: AsRef<OsStr>>(
    istioctl: &Path,
    args: &[S],
    opts: &RunOptions,
    mut on_line: impl FnMut(OutputLine),
    cancel: impl Future<Output = Signal>,
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
    let mut group = Group::of(&child);

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
            signal = &mut cancel, if status.is_none() => {
                stop(&mut child, &mut group, opts.kill_grace).await;
                return Err(IstioctlError::Cancelled { signal });
            }
            () = &mut deadline, if status.is_none() => {
                stop(&mut child, &mut group, opts.kill_grace).await;
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
                group.release();
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
        duration: started.elapsed(),
        stdout_lines,
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

/// Stop istioctl: SIGTERM to its group, up to `grace` for istioctl to exit, then SIGKILL to the
/// group for whatever is left (istioctl itself, or what it started), and reap istioctl. The
/// SIGKILL right after istioctl was reaped cannot hit a stranger: a group id stays taken while any
/// member lives, and it was reaped only moments ago.
async fn stop(child: &mut Child, group: &mut Group, grace: Duration) {
    group.terminate();
    let _ = tokio::time::timeout(grace, child.wait()).await;
    group.kill();
    group.release();
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

    use std::path::PathBuf;

    use super::*;
    use crate::istioctl::STDERR_TAIL_LINES;
    use crate::istioctl::test_support::{alive, fake, run_collect, wait_for_file};

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
            async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                Signal::Terminate
            },
        )
        .await;
        assert!(
            matches!(
                result,
                Err(IstioctlError::Cancelled {
                    signal: Signal::Terminate
                })
            ),
            "{result:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        // The process is gone (stopped and reaped), not just abandoned.
        let pid = fs::read_to_string(dir.path().join("pid")).unwrap();
        assert!(!alive(&pid), "istioctl (pid {}) still running", pid.trim());
    }

    /// A fake istioctl that starts a grandchild (`sleep`) in its process group, writes both pids
    /// and waits. `prelude` runs first (e.g. a `trap`).
    fn with_grandchild(prelude: &str) -> (tempfile::TempDir, PathBuf) {
        fake(&format!(
            "{prelude}\n\
             d=\"$(dirname \"$0\")\"\n\
             sleep 30 &\n\
             echo $! > \"$d/grandchild\"\n\
             echo $$ > \"$d/pid\"\n\
             echo started\n\
             wait"
        ))
    }

    #[tokio::test]
    async fn timeout_stops_the_whole_group_with_sigterm() {
        // istioctl notes the SIGTERM and exits; its grandchild gets the SIGTERM too.
        let (dir, istioctl) =
            with_grandchild("trap 'echo TERM >> \"$(dirname \"$0\")/signals\"; exit 0' TERM");
        let opts = RunOptions {
            kill_grace: Duration::from_secs(5),
            ..RunOptions::new(Duration::from_millis(500))
        };
        let started = Instant::now();
        let result = run(
            &istioctl,
            &["install"],
            &opts,
            |_| {},
            std::future::pending(),
        )
        .await;
        assert!(
            matches!(result, Err(IstioctlError::TimedOut { .. })),
            "{result:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "did not wait for the kill grace: {:?}",
            started.elapsed()
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("signals")).unwrap(),
            "TERM\n"
        );
        let grandchild = fs::read_to_string(dir.path().join("grandchild")).unwrap();
        let deadline = Instant::now() + Duration::from_secs(2);
        while alive(&grandchild) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!alive(&grandchild), "the grandchild outlived the stop");
    }

    #[tokio::test]
    async fn what_ignores_sigterm_gets_sigkill_after_the_grace() {
        // Both the script and its sleep ignore SIGTERM (an ignored signal stays ignored across
        // fork and exec): only SIGKILL to the group ends them.
        let (dir, istioctl) = with_grandchild("trap '' TERM");
        let grace = Duration::from_millis(400);
        let opts = RunOptions {
            kill_grace: grace,
            ..RunOptions::new(Duration::from_millis(300))
        };
        let started = Instant::now();
        let (result, seen) = {
            let mut seen = Vec::new();
            let r = run(
                &istioctl,
                &["install"],
                &opts,
                |l| seen.push(l),
                std::future::pending(),
            )
            .await;
            (r, seen)
        };
        let elapsed = started.elapsed();
        assert!(
            matches!(result, Err(IstioctlError::TimedOut { .. })),
            "{result:?}"
        );
        assert_eq!(seen.first().map(|l| l.text.as_str()), Some("started"));
        assert!(
            elapsed >= Duration::from_millis(700),
            "SIGKILL only after the grace: {elapsed:?}"
        );
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        for name in ["pid", "grandchild"] {
            let pid = fs::read_to_string(dir.path().join(name)).unwrap();
            let deadline = Instant::now() + Duration::from_secs(2);
            while alive(&pid) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert!(!alive(&pid), "{name} (pid {}) survived SIGKILL", pid.trim());
        }
    }

    #[tokio::test]
    async fn dropping_the_run_kills_the_group() {
        let (dir, istioctl) = with_grandchild("trap '' TERM");
        let task = tokio::spawn(async move {
            run(
                &istioctl,
                &["install"],
                &RunOptions::new(Duration::from_secs(60)),
                |_| {},
                std::future::pending(),
            )
            .await
        });
        let grandchild =
            wait_for_file(&dir.path().join("grandchild"), Duration::from_secs(5)).await;
        let pid = wait_for_file(&dir.path().join("pid"), Duration::from_secs(5)).await;
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        for pid in [&pid, &grandchild] {
            let deadline = Instant::now() + Duration::from_secs(2);
            while alive(pid) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert!(!alive(pid), "pid {} survived the dropped run", pid.trim());
        }
    }

    #[tokio::test]
    async fn killed_by_a_signal_is_reported_as_such() {
        let (_d, istioctl) = fake("echo '- Processing resources for Istiod.'\nkill -9 $$");
        let (result, _) = run_collect(&istioctl, &["install"], Duration::from_secs(10)).await;
        let err = result.unwrap_err();
        match &err {
            IstioctlError::Failed { status, .. } => {
                use std::os::unix::process::ExitStatusExt;
                assert_eq!(status.signal(), Some(libc::SIGKILL));
            }
            other => panic!("expected Failed, got {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "istioctl was killed by signal 9 (SIGKILL); its last output:\n  \
             - Processing resources for Istiod."
        );
    }

    #[test]
    fn signals_and_their_exit_codes() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(Signal::Terminate.name(), "SIGTERM");
        assert_eq!(Signal::Interrupt.to_string(), "SIGINT");
        assert_eq!(Signal::Terminate.to_string(), "SIGTERM");
        assert_eq!(i32::from(Signal::Terminate.number()), libc::SIGTERM);
        assert_eq!(i32::from(Signal::Interrupt.number()), libc::SIGINT);
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
