//! Renderers for the check runner's results (`ops::checks`): live progress lines for
//! preflights, linkerd's table for `kyma-mesh check`, and JSON. All three read the same results.

use crate::ops::checks::{CheckResult, Report, Status};
use crate::util::plural;

use super::progress::{FAIL, OK};

pub fn mark(status: Status) -> &'static str {
    super::progress::mark(status.mark())
}

/// A result's message as shown: a skipped check says so even when its message does not.
pub fn message(r: &CheckResult) -> String {
    match r.result {
        Status::Skipped if r.message.is_empty() => "skipped".into(),
        Status::Skipped if !r.message.starts_with("skipped") => format!("skipped: {}", r.message),
        _ => r.message.clone(),
    }
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
            let message = message(r);
            if !message.is_empty() {
                s.push_str(&format!(": {message}"));
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
        (0, w) => format!(
            "Status check results are {OK} ({})",
            plural(w, "warning", "warnings")
        ),
        (e, w) => format!(
            "Status check results are {FAIL} ({}, {})",
            plural(e, "error", "errors"),
            plural(w, "warning", "warnings")
        ),
    };
    s.push_str(&verdict);
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::checks::CategoryResult;
    use crate::ui::progress::SKIP;

    fn result(id: &'static str, result: Status, message: &str) -> CheckResult {
        CheckResult {
            id,
            description: id,
            result,
            message: message.into(),
            detail: Vec::new(),
            hint: None,
            data: None,
        }
    }

    #[test]
    fn a_skipped_check_has_its_own_mark_and_says_skipped() {
        let report = Report {
            success: false,
            categories: vec![CategoryResult {
                id: "c",
                title: "c",
                checks: vec![
                    result("a", Status::Error, "broken"),
                    result("b", Status::Skipped, "skipped: needs a"),
                    result("d", Status::Skipped, "nothing to compare"),
                ],
            }],
        };
        let t = table(&report);
        assert!(t.contains(&format!("{FAIL} a: broken\n")), "{t}");
        assert!(t.contains(&format!("{SKIP} b: skipped: needs a\n")), "{t}");
        assert!(
            t.contains(&format!("{SKIP} d: skipped: nothing to compare\n")),
            "{t}"
        );
        assert!(t.contains("(1 error, 0 warnings)"), "{t}");
    }
}
