//! `kyma-mesh version`: the tool's version and the istioctl it would use.

use std::process::ExitCode;

use serde_json::json;

use crate::cli::VersionArgs;
use crate::istioctl;
use crate::ui::{self, Ui};

pub fn run(args: &VersionArgs, _ui: &Ui) -> anyhow::Result<ExitCode> {
    let own = env!("CARGO_PKG_VERSION");
    // istioctl's absence is information here, not a failure: print what we know.
    let (located, version) = match istioctl::locate(args.istioctl.path.as_deref()) {
        Ok(loc) => {
            let v = crate::ops::runtime()?.block_on(istioctl::client_version(&loc.path));
            (Ok(loc), Some(v))
        }
        Err(e) => (Err(e), None),
    };
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
            let v = json!({"kymaMesh": {"version": own}, "istioctl": ist});
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
            ui::print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
