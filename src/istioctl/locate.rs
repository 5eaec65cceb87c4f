//! Finding the istioctl to run: `--istioctl`, `$ISTIOCTL`, then `PATH`.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::{ENV_VAR, IstioctlError};

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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::istioctl::test_support::script;

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
        let found = locate_in(Some(Path::new("istioctl")), None, path_var.clone(), cwd).unwrap();
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
