//! `injection status` as a table.

use crate::ops::injection::Status;

/// The table `injection status` prints.
pub fn status_table(s: &Status) -> String {
    let mut rows = vec![[
        "NAMESPACE".to_string(),
        "INJECTION".into(),
        "PODS".into(),
        "SIDECARS".into(),
        "RESTART".into(),
        "WHY".into(),
    ]];
    for ns in &s.namespaces {
        rows.push([
            ns.name.clone(),
            if ns.injection { "enabled" } else { "disabled" }.into(),
            ns.pods.to_string(),
            ns.pods_with_sidecar.to_string(),
            ns.restart_needed.len().to_string(),
            ns.reason.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "Sidecar injector: {}\n\n",
        match s.mode {
            "default" =>
                "installed, namespaces without a label are injected (enableNamespacesByDefault: true)",
            "opt-in" => "installed, only labelled namespaces are injected (opt-in mode)",
            _ => "not installed: no pod gets a sidecar",
        }
    );
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 5 {
                    c.clone()
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        out.push_str(line.join("   ").trim_end());
        out.push('\n');
    }
    for ns in &s.namespaces {
        for d in &ns.deployment_overrides {
            out.push_str(&format!(
                "\nDeployment {}/{}: {}",
                ns.name, d.name, d.reason
            ));
        }
        if !ns.restart_needed.is_empty() {
            out.push_str(&format!(
                "\nNamespace {}: restart for the current setting to apply: {}",
                ns.name,
                ns.restart_needed.join(", ")
            ));
        }
    }
    if s.namespaces
        .iter()
        .any(|n| !n.deployment_overrides.is_empty() || !n.restart_needed.is_empty())
    {
        out.push('\n');
    }
    out
}
