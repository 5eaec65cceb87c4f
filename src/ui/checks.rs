//! Renderers for the check runner's results (`ops::checks`): live progress lines for
//! preflights, linkerd's table for `kyma-mesh check`, and JSON. All three read the same results.

use crate::ops::checks::{Report, Status};

use super::progress::{FAIL, OK};

pub fn mark(status: Status) -> &'static str {
    super::progress::mark(status.mark())
}

/// linkerd's layout: a heading per category, a line per check, and under each problem its
/// detail and hint, indented; a verdict line at the end.
pub fn table(report: &Report) -> String {
    let mut s = String::new();
    for cat in &report.categories {
        s.push_str(cat.id);
        s.push('\n');
        s.push_str(&"-".repeat(cat.id.len()));
        s.push('\n');
        for r in &cat.checks {
            s.push_str(&format!("{} {}", mark(r.result), r.description));
            if !r.message.is_empty() {
                s.push_str(&format!(": {}", r.message));
            }
            s.push('\n');
            // An ok check's detail is information (the VirtualServices it read); a problem's
            // detail is what was found. Hints only follow problems.
            for line in &r.detail {
                s.push_str(&format!("    {line}\n"));
            }
            if r.result != Status::Ok
                && let Some(h) = &r.hint
            {
                for (i, line) in h.lines().enumerate() {
                    let lead = if i == 0 { "hint: " } else { "      " };
                    s.push_str(&format!("    {lead}{line}\n"));
                }
            }
        }
        s.push('\n');
    }
    let (errors, warnings) = (report.count(Status::Error), report.count(Status::Warning));
    let verdict = match (errors, warnings) {
        (0, 0) => format!("Status check results are {OK}"),
        (0, w) => format!("Status check results are {OK} ({w} warning{})", plural(w)),
        (e, w) => format!(
            "Status check results are {FAIL} ({e} error{}, {w} warning{})",
            plural(e),
            plural(w)
        ),
    };
    s.push_str(&verdict);
    s.push('\n');
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
