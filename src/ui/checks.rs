//! Renderers for the check runner's results (`ops::checks`): live progress lines for
//! preflights, linkerd's table for `kyma-mesh check`, and JSON. All three read the same results.

use crate::ops::checks::{CheckResult, Observer, Report, Status};
use crate::util::plural;

use super::progress::{FAIL, OK, Progress, SKIP, Step, WARN};

pub fn mark(status: Status) -> &'static str {
    match status {
        Status::Ok => OK,
        Status::Warning => WARN,
        Status::Error => FAIL,
        Status::Skipped => SKIP,
    }
}

/// A result's message as shown: a skipped check says so even when its message does not.
fn message(r: &CheckResult) -> String {
    match r.result {
        Status::Skipped if r.message.is_empty() => "skipped".into(),
        Status::Skipped if !r.message.starts_with("skipped") => format!("skipped: {}", r.message),
        _ => r.message.clone(),
    }
}

/// Shows each check as a progress step (spinner on a terminal, a timestamped line otherwise);
/// warnings and errors keep their detail and hint on screen.
pub struct ProgressObserver<'a> {
    progress: &'a Progress,
    current: Option<Step>,
}

impl<'a> ProgressObserver<'a> {
    pub fn new(progress: &'a Progress) -> Self {
        ProgressObserver {
            progress,
            current: None,
        }
    }
}

impl Observer for ProgressObserver<'_> {
    fn started(&mut self, check: &str, long: bool) {
        self.current = Some(if long {
            self.progress.long_step(check)
        } else {
            self.progress.step(check)
        });
    }

    fn finished(&mut self, r: &CheckResult) {
        let step = self
            .current
            .take()
            .unwrap_or_else(|| self.progress.step(r.description));
        if r.result != Status::Ok {
            for line in &r.detail {
                step.sub(" ", line);
            }
        }
        match r.result {
            Status::Ok => step.ok(&r.message),
            Status::Warning => step.warn(&r.message),
            Status::Error => step.fail(&r.message),
            Status::Skipped => step.skip(&message(r)),
        }
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

    fn result(id: &'static str, result: Status, message: &str) -> CheckResult {
        CheckResult {
            id,
            description: id,
            result,
            message: message.into(),
            detail: Vec::new(),
            hint: None,
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
