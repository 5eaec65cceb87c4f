//! [`RenderedFile`]: the merged IstioOperator in a private temporary directory.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::IstioctlError;

/// The merged IstioOperator, written for `istioctl install -f`. It lives in a fresh directory only
/// the current user can enter (0700, file 0600 on unix) because overrides may carry secrets, and it
/// is deleted when this value is dropped, so error returns, `?` and panics all clean up.
/// SIGINT and SIGTERM end the run through `interrupted()` and so unwind too. Limitation:
/// `std::process::exit` and SIGKILL skip destructors, so callers must drop it before exiting.
#[derive(Debug)]
pub struct RenderedFile {
    /// Held for its `Drop`, which removes the directory and the file.
    _dir: tempfile::TempDir,
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
        Ok(Self { _dir: dir, path })
    }

    /// The file to pass to `istioctl install -f`.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::istioctl::test_support::mode;

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
}
