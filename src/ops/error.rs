//! The one error type every ops entry point returns, and the one place that says what kind
//! of failure each is. Exit codes come from [`ErrorKind`] (`crate::ExitStatus`) and from
//! nowhere else: each module error's `kind` is an exhaustive `match`, so a new variant does
//! not compile until someone decides whether it is the user's input, a failure or an
//! interruption.

use crate::cluster::ClusterError;
use crate::config::ConfigError;
use crate::istioctl::Signal;

/// What kind of failure an error is, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input (flags, files, kubeconfig) is wrong; nothing was changed: exit 2.
    Invalid,
    /// The operation failed: exit 1.
    Failed,
    /// SIGINT or SIGTERM stopped the work: exit 130 or 143.
    Interrupted(Signal),
}

/// Invalid input that is not configuration: a malformed flag value, a bad NS/NAME.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

/// Writing the command's data failed (stdout closed by anything but a reader that is done,
/// a document that cannot be serialised): the operation failed, the input was fine.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("writing to stdout: {0}")]
    Write(std::io::Error),
    #[error("rendering the man page: {0}")]
    Man(std::io::Error),
    #[error("serialising the {what} as YAML: {cause}")]
    Yaml {
        what: &'static str,
        cause: serde_saphyr::SerializeError,
    },
    #[error("serialising the {what} as JSON: {cause}")]
    Json {
        what: &'static str,
        cause: serde_json::Error,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("starting the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Input(#[from] InvalidInput),
    #[error(transparent)]
    Config(Box<ConfigError>),
    #[error(transparent)]
    Cluster(Box<ClusterError>),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Render(#[from] super::render::RenderError),
    #[error(transparent)]
    Install(Box<super::install::InstallError>),
    #[error(transparent)]
    Upgrade(Box<super::upgrade::UpgradeError>),
    #[error(transparent)]
    Canary(Box<super::canary::CanaryError>),
    #[error(transparent)]
    ProxyReset(Box<super::proxy_reset::run::RunError>),
    #[error(transparent)]
    Check(#[from] super::check::CheckError),
    #[error(transparent)]
    Gateway(Box<super::gateway::GatewayError>),
    #[error(transparent)]
    Injection(Box<super::injection::InjectionError>),
    #[error(transparent)]
    Uninstall(Box<super::uninstall::UninstallError>),
    #[error(transparent)]
    Version(#[from] super::version::VersionError),
}

macro_rules! boxed_from {
    ($($variant:ident($t:ty)),* $(,)?) => {$(
        impl From<$t> for OpError {
            fn from(e: $t) -> Self {
                OpError::$variant(Box::new(e))
            }
        }
    )*};
}
boxed_from!(
    Config(ConfigError),
    Cluster(ClusterError),
    Install(super::install::InstallError),
    Upgrade(super::upgrade::UpgradeError),
    Canary(super::canary::CanaryError),
    ProxyReset(super::proxy_reset::run::RunError),
    Gateway(super::gateway::GatewayError),
    Injection(super::injection::InjectionError),
    Uninstall(super::uninstall::UninstallError),
);

impl OpError {
    /// The one mapping from errors to what kind of failure they are.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OpError::Input(_) | OpError::Config(_) => ErrorKind::Invalid,
            OpError::Cluster(e) => cluster_kind(e),
            OpError::Output(_) | OpError::Runtime(_) => ErrorKind::Failed,
            OpError::Render(e) => e.kind(),
            OpError::Install(e) => e.kind(),
            OpError::Upgrade(e) => e.kind(),
            OpError::Canary(e) => e.kind(),
            OpError::ProxyReset(e) => e.kind(),
            OpError::Check(e) => e.kind(),
            OpError::Gateway(e) => e.kind(),
            OpError::Injection(e) => e.kind(),
            OpError::Uninstall(e) => e.kind(),
            OpError::Version(e) => e.kind(),
        }
    }
}

/// A kubeconfig the user pointed at that cannot be used is invalid input; every other
/// cluster error failed the operation.
pub fn cluster_kind(e: &ClusterError) -> ErrorKind {
    if e.is_invalid_input() {
        ErrorKind::Invalid
    } else {
        ErrorKind::Failed
    }
}
