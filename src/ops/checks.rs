//! Steps as data, one runner (the model is linkerd's `pkg/healthcheck`): a check is an id, a
//! description and a function over a shared context; categories group them; [`run`] executes
//! them in order and reports every result to an observer. `install`'s preflight, `upgrade` and
//! `check` all go through this one loop, and `ui::checks` renders its results as a table or
//! as JSON.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::ops::events::{Events, Mark, Step};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warning,
    Error,
    /// Not run: a check it needs failed.
    Skipped,
}

impl Status {
    pub fn mark(self) -> Mark {
        match self {
            Status::Ok => Mark::Ok,
            Status::Warning => Mark::Warn,
            Status::Error => Mark::Fail,
            Status::Skipped => Mark::Skip,
        }
    }
}

/// A check's verdict: a status, one line of message, optional detail lines and a hint (the
/// command or change that fixes it).
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub status: Status,
    pub message: String,
    pub detail: Vec<String>,
    pub hint: Option<String>,
    /// What a script needs beyond the message (the certificates and their expiry, the stuck
    /// pods), as `data` in `--output json`.
    pub data: Option<serde_json::Value>,
}

impl Finding {
    pub fn ok(message: impl Into<String>) -> Finding {
        Finding::new(Status::Ok, message)
    }
    pub fn warning(message: impl Into<String>) -> Finding {
        Finding::new(Status::Warning, message)
    }
    pub fn error(message: impl Into<String>) -> Finding {
        Finding::new(Status::Error, message)
    }
    /// Not applicable here (a check that learns at run time it has nothing to compare).
    pub fn skipped(message: impl Into<String>) -> Finding {
        Finding::new(Status::Skipped, message)
    }
    fn new(status: Status, message: impl Into<String>) -> Finding {
        Finding {
            status,
            message: message.into(),
            detail: Vec::new(),
            hint: None,
            data: None,
        }
    }
    pub fn data(mut self, data: serde_json::Value) -> Finding {
        self.data = Some(data);
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Finding {
        self.hint = Some(hint.into());
        self
    }
    pub fn detail(mut self, lines: impl IntoIterator<Item = String>) -> Finding {
        self.detail.extend(lines);
        self
    }
}

type CheckFn<C> = for<'a> fn(&'a mut C) -> BoxFuture<'a, Finding>;

/// One check over the context `C`.
pub struct Check<C> {
    /// Stable, for `--output json` and for `needs`.
    pub id: &'static str,
    pub description: &'static str,
    /// Ids of checks that must not have failed for this one to run.
    pub needs: &'static [&'static str],
    /// Long checks are announced in plain logs before they finish.
    pub long: bool,
    pub run: CheckFn<C>,
}

impl<C> Check<C> {
    pub const fn new(id: &'static str, description: &'static str, run: CheckFn<C>) -> Check<C> {
        Check {
            id,
            description,
            needs: &[],
            long: false,
            run,
        }
    }
    pub const fn needs(mut self, ids: &'static [&'static str]) -> Check<C> {
        self.needs = ids;
        self
    }
}

pub struct Category<C> {
    pub id: &'static str,
    pub title: &'static str,
    pub checks: Vec<Check<C>>,
}

/// One check's result, as renderers see it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: &'static str,
    pub description: &'static str,
    pub result: Status,
    pub message: String,
    /// Always present (empty, null) so scripts can rely on the shape.
    pub detail: Vec<String>,
    pub hint: Option<String>,
    /// Only on the checks that have facts for scripts (README "check").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryResult {
    pub id: &'static str,
    pub title: &'static str,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub success: bool,
    pub categories: Vec<CategoryResult>,
}

impl Report {
    pub fn results(&self) -> impl Iterator<Item = &CheckResult> {
        self.categories.iter().flat_map(|c| c.checks.iter())
    }
    pub fn errors(&self) -> impl Iterator<Item = &CheckResult> {
        self.results().filter(|r| r.result == Status::Error)
    }
    pub fn count(&self, status: Status) -> usize {
        self.results().filter(|r| r.result == status).count()
    }
}

/// Sees the run as it happens (progress lines, a check's heading).
pub trait Observer {
    fn category(&mut self, _category: &str) {}
    fn started(&mut self, _check: &str, _long: bool) {}
    fn finished(&mut self, result: &CheckResult);
}

/// Shows each check as a step of the events receiver; warnings and errors keep their detail
/// on screen.
pub struct EventsObserver<'a> {
    events: &'a dyn Events,
    current: Option<Step>,
}

impl<'a> EventsObserver<'a> {
    pub fn new(events: &'a dyn Events) -> Self {
        EventsObserver {
            events,
            current: None,
        }
    }
}

impl Observer for EventsObserver<'_> {
    fn started(&mut self, check: &str, long: bool) {
        self.current = Some(if long {
            self.events.long_step(check)
        } else {
            self.events.step(check)
        });
    }

    fn finished(&mut self, r: &CheckResult) {
        let step = self
            .current
            .take()
            .unwrap_or_else(|| self.events.step(r.description));
        if r.result != Status::Ok {
            for line in &r.detail {
                step.sub(Mark::Plain, line);
            }
        }
        step.finish(r.result.mark(), &r.message);
    }
}

/// Runs every check in order. A check whose `needs` failed (error or skipped) is skipped with
/// a message naming what it waited for; everything else runs, so one run reports every failure.
pub async fn run<C: Send>(
    categories: &[Category<C>],
    ctx: &mut C,
    observer: &mut dyn Observer,
) -> Report {
    let mut failed: Vec<&'static str> = Vec::new();
    let mut out = Vec::new();
    for cat in categories {
        observer.category(cat.title);
        let mut results = Vec::new();
        for check in &cat.checks {
            let blocked = check.needs.iter().find(|n| failed.contains(n));
            let finding = match blocked {
                Some(need) => Finding {
                    status: Status::Skipped,
                    message: format!("skipped: needs {need}"),
                    detail: Vec::new(),
                    hint: None,
                    data: None,
                },
                None => {
                    observer.started(check.description, check.long);
                    (check.run)(ctx).await
                }
            };
            if matches!(finding.status, Status::Error | Status::Skipped) {
                failed.push(check.id);
            }
            let result = CheckResult {
                id: check.id,
                description: check.description,
                result: finding.status,
                message: finding.message,
                detail: finding.detail,
                hint: finding.hint,
                data: finding.data,
            };
            observer.finished(&result);
            results.push(result);
        }
        out.push(CategoryResult {
            id: cat.id,
            title: cat.title,
            checks: results,
        });
    }
    let success = out
        .iter()
        .flat_map(|c| c.checks.iter())
        .all(|r| r.result != Status::Error);
    Report {
        success,
        categories: out,
    }
}

/// What is wrong with the ids of a list of checks: a `needs` that names no check run before it
/// (a typo would mean "never skipped"; the runner knows only earlier failures) and an id used
/// twice. Empty when the list is sound; the tests run it over every list the commands run.
#[cfg(test)]
pub fn id_problems<C>(categories: &[Category<C>]) -> Vec<String> {
    let mut before: Vec<&str> = Vec::new();
    let mut problems = Vec::new();
    for check in categories.iter().flat_map(|c| &c.checks) {
        for need in check.needs {
            if !before.contains(need) {
                problems.push(format!(
                    "{} needs {need}, which does not run before it",
                    check.id
                ));
            }
        }
        if before.contains(&check.id) {
            problems.push(format!("{} is used twice", check.id));
        }
        before.push(check.id);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_problems_finds_a_misspelt_need_and_a_repeated_id() {
        let cats = vec![Category {
            id: "a",
            title: "A",
            checks: vec![
                Check::new("one", "first", ok),
                Check::new("two", "needs one", ok).needs(&["one"]),
                Check::new("three", "misspelt", ok).needs(&["onee"]),
                Check::new("four", "needs a later one", ok).needs(&["five"]),
                Check::new("five", "last", ok),
                Check::new("one", "again", ok),
            ],
        }];
        assert_eq!(
            id_problems(&cats),
            [
                "three needs onee, which does not run before it",
                "four needs five, which does not run before it",
                "one is used twice",
            ]
        );
    }

    #[derive(Default)]
    struct Ctx {
        calls: Vec<&'static str>,
    }

    fn ok(c: &mut Ctx) -> BoxFuture<'_, Finding> {
        Box::pin(async move {
            c.calls.push("ok");
            Finding::ok("fine")
        })
    }
    fn bad(c: &mut Ctx) -> BoxFuture<'_, Finding> {
        Box::pin(async move {
            c.calls.push("bad");
            Finding::error("broken").hint("fix it")
        })
    }

    struct Seen(Vec<(String, Status)>);
    impl Observer for Seen {
        fn finished(&mut self, r: &CheckResult) {
            self.0.push((r.id.to_string(), r.result));
        }
    }

    #[tokio::test]
    async fn every_independent_check_runs_and_dependents_are_skipped() {
        let cats = vec![
            Category {
                id: "a",
                title: "A",
                checks: vec![
                    Check::new("one", "first", bad),
                    Check::new("two", "needs one", ok).needs(&["one"]),
                    Check::new("three", "independent", ok),
                ],
            },
            Category {
                id: "b",
                title: "B",
                checks: vec![Check::new("four", "needs two", ok).needs(&["two"])],
            },
        ];
        let mut ctx = Ctx::default();
        let mut seen = Seen(Vec::new());
        let report = run(&cats, &mut ctx, &mut seen).await;
        assert!(!report.success);
        assert_eq!(ctx.calls, ["bad", "ok"], "two and four never ran");
        assert_eq!(
            seen.0,
            [
                ("one".into(), Status::Error),
                ("two".into(), Status::Skipped),
                ("three".into(), Status::Ok),
                ("four".into(), Status::Skipped),
            ]
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["categories"][0]["checks"][0]["result"], "error");
        assert_eq!(json["categories"][0]["checks"][0]["hint"], "fix it");
        assert_eq!(
            json["categories"][1]["checks"][0]["message"],
            "skipped: needs two"
        );
    }

    #[tokio::test]
    async fn warnings_are_success() {
        fn warn(_: &mut Ctx) -> BoxFuture<'_, Finding> {
            Box::pin(async { Finding::warning("hmm") })
        }
        let cats = vec![Category {
            id: "a",
            title: "A",
            checks: vec![Check::new("w", "warns", warn)],
        }];
        let report = run(&cats, &mut Ctx::default(), &mut Seen(Vec::new())).await;
        assert!(report.success);
        assert_eq!(report.count(Status::Warning), 1);
    }
}
