//! `kyma-mesh version`: the tool's version and the istioctl it would use.

use std::process::ExitCode;

use serde_json::json;

use crate::cli::{GlobalArgs, VersionArgs};
use crate::istioctl;
use crate::ui::{self, Ui};
use crate::util::plural;

pub fn run(args: &VersionArgs, global: &GlobalArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let own = env!("CARGO_PKG_VERSION");
    let rt = crate::ops::runtime()?;
    // istioctl's absence (or the cluster's) is information here, not a failure: print what we know.
    let (located, version) = match istioctl::locate(args.istioctl.path.as_deref()) {
        Ok(loc) => {
            let v = rt.block_on(istioctl::client_version(&loc.path));
            (Ok(loc), Some(v))
        }
        Err(e) => (Err(e), None),
    };
    // Quiet: a cluster that is not there is said once, in the report, not as retries.
    let quiet = Ui::new(ui.verbosity.min(0));
    let cluster = rt.block_on(crate::ops::version::cluster_versions(
        &global.target(),
        &quiet,
    ));
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    match args.output {
        Some(format) => {
            let ist = match &located {
                Err(e) => json!({"error": e.to_string()}),
                Ok(loc) => {
                    let mut m = json!({"path": loc.path, "source": loc.source.to_string()});
                    match &version {
                        Some(Ok(v)) => {
                            m["version"] = json!(v.to_string());
                            m["supported"] = json!(istioctl::check_supported(v).is_ok());
                        }
                        Some(Err(e)) => m["error"] = json!(e.to_string()),
                        None => {}
                    }
                    m
                }
            };
            let cl = match &cluster {
                Ok(c) => json!(c),
                Err(why) => json!({"reached": false, "error": why}),
            };
            let v = json!({"kymaMesh": {"version": own}, "istioctl": ist, "cluster": cl});
            ui::print(&ui::format_value(&v, ui::Format::from(format))?)?;
        }
        None => {
            let mut out = format!("kyma-mesh: {own}\n");
            match (&located, &version) {
                (Ok(loc), Some(Ok(v))) => {
                    let note = match istioctl::check_supported(v) {
                        Ok(()) => String::new(),
                        Err(e) => format!(" (unsupported: {e})"),
                    };
                    out.push_str(&format!("istioctl: {v} at {loc}{note}\n"));
                }
                (Ok(loc), Some(Err(e))) => {
                    out.push_str(&format!("istioctl: {loc}, version unknown: {e}\n"))
                }
                (Err(e), _) => {
                    let text = e.to_string();
                    out.push_str(&format!(
                        "istioctl: {}\n",
                        text.strip_prefix("istioctl ").unwrap_or(&text)
                    ));
                }
                (Ok(loc), None) => out.push_str(&format!("istioctl: {loc}\n")),
            }
            match &cluster {
                Ok(c) => {
                    out.push_str(&format!(
                        "control plane: {} at {}\n",
                        c.control_plane
                            .as_deref()
                            .map(|v| format!("Istio {v}"))
                            .unwrap_or_else(|| "no Istio installed".into()),
                        c.server
                    ));
                    if c.revisions.control_planes.len() > 1 {
                        out.push_str(&format!(
                            "revisions: {} (a canary upgrade: `kyma-mesh upgrade --finish` or `kyma-mesh upgrade --rollback` ends it)\n",
                            c.revisions.describe_all(", ")
                        ));
                    }
                    if let Some(p) = &c.profile {
                        out.push_str(&format!(
                            "recorded: profile {p}, {} injection\n",
                            c.sidecar_injection.as_deref().unwrap_or("default")
                        ));
                    }
                    let total: usize = c.data_plane.values().sum();
                    let by: Vec<String> = c
                        .data_plane
                        .iter()
                        .map(|(v, n)| format!("{v} ({n})"))
                        .collect();
                    out.push_str(&format!(
                        "data plane: {} with a sidecar{}{}\n",
                        plural(total, "pod", "pods"),
                        if by.is_empty() { "" } else { ": " },
                        by.join(", ")
                    ));
                }
                Err(why) => out.push_str(&format!("cluster: not reached ({why})\n")),
            }
            ui::print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
