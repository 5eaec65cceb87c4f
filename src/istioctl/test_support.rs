//! Helpers for the istioctl tests: fake istioctl shell scripts and a collecting runner.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::process::{RunOptions, Signal, run};
use super::{IstioVersion, IstioctlError, OutputLine, RunReport};

pub(crate) fn v(s: &str) -> IstioVersion {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

pub(crate) const VERSION_JSON: &str = r#"{"clientVersion":{"version":"1.28.0","revision":"abc","golang_version":"go1.25","status":"Clean","tag":"1.28.0"}}"#;

/// Write an executable `/bin/sh` script named `name` into `dir`.
pub(crate) fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

pub(crate) fn fake(body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = script(dir.path(), "istioctl", body);
    (dir, path)
}

pub(crate) fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

pub(crate) async fn run_collect(
    istioctl: &Path,
    args: &[&str],
    timeout: Duration,
) -> (Result<RunReport, IstioctlError>, Vec<OutputLine>) {
    let mut seen = Vec::new();
    let result = run(
        istioctl,
        args,
        &RunOptions::new(timeout),
        |l| seen.push(l),
        std::future::pending::<Signal>(),
    )
    .await;
    (result, seen)
}

/// Whether process `pid` still runs (a zombie waiting for its parent does not count).
pub(crate) fn alive(pid: &str) -> bool {
    let pid = pid.trim();
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses: "123 (sleep) S ...".
        Ok(stat) => !matches!(
            stat.rsplit_once(") ")
                .and_then(|(_, rest)| rest.chars().next()),
            Some('Z' | 'X')
        ),
        Err(_) if Path::new("/proc/self").exists() => false,
        // No procfs: signal 0 only checks that the process exists.
        Err(_) => pid.parse::<libc::pid_t>().is_ok_and(|pid| {
            // SAFETY: kill with signal 0 sends nothing and touches no memory.
            unsafe { libc::kill(pid, 0) == 0 }
        }),
    }
}

/// Wait up to `within` for `path` to exist and hold a line; its content.
pub(crate) async fn wait_for_file(path: &Path, within: Duration) -> String {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Ok(text) = fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
