//! What a fleet run found on each cluster: the data its summary and its JSON list are made
//! of. The runner lives in `commands/fleet.rs` (it runs commands); `ui` renders these.

use serde::Serialize;

use crate::ExitStatus;

/// One cluster's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub context: String,
    pub result: FleetResult,
    pub exit_code: u8,
    pub istio: Versions,
    pub needs_a_hand: Vec<String>,
    /// The command's own JSON document (`--output json`), else its text.
    pub output: serde_json::Value,
    /// The cluster answered the first look (so no version means no Istio).
    #[serde(skip)]
    pub answered: bool,
    #[serde(skip)]
    pub status: ExitStatus,
}

/// How one cluster's run ended, as the summary and the JSON list say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FleetResult {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "invalid input")]
    InvalidInput,
    #[serde(rename = "interrupted")]
    Interrupted,
    #[serde(rename = "stopped at deadline")]
    Incomplete,
    #[serde(rename = "unreachable")]
    Unreachable,
    #[serde(rename = "not run")]
    NotRun,
}

impl FleetResult {
    pub fn of(status: ExitStatus) -> FleetResult {
        match status {
            ExitStatus::Success => FleetResult::Ok,
            ExitStatus::Failure => FleetResult::Failed,
            ExitStatus::Invalid => FleetResult::InvalidInput,
            ExitStatus::Interrupted(_) => FleetResult::Interrupted,
            ExitStatus::Incomplete => FleetResult::Incomplete,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FleetResult::Ok => "ok",
            FleetResult::Failed => "failed",
            FleetResult::InvalidInput => "invalid input",
            FleetResult::Interrupted => "interrupted",
            FleetResult::Incomplete => "stopped at deadline",
            FleetResult::Unreachable => "unreachable",
            FleetResult::NotRun => "not run",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Versions {
    pub before: Option<String>,
    pub after: Option<String>,
}
