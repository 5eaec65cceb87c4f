//! Fault injection: error rates per verb and resource, 429 with Retry-After, latency, dropped
//! connections. Decisions come from a seeded PRNG, so a run with the same seed and the same
//! request sequence repeats.

use std::time::Duration;

use crate::store::ApiError;
use crate::util::Rng;

/// What a matching rule does to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this HTTP status (500 InternalError, 503 ServiceUnavailable, 409 Conflict,
    /// 504 Timeout, 404, 403, ...), as a `Status` object. The request is not executed.
    Status(u16),
    /// 429 TooManyRequests with a `Retry-After` header.
    TooManyRequests { retry_after_secs: u32 },
    /// Close the connection without answering. The request is not executed.
    DropConnection,
    /// One of 500, 503 and 429 (Retry-After: 1), chosen at random (what `--error-rate` uses).
    AnyError,
    /// Delay the answer (on top of the global latency), then execute normally.
    Delay(Duration),
}

/// One fault rule. `verb` is a Kubernetes verb (`get`, `list`, `watch`, `create`, `update`,
/// `patch`, `delete`, `deletecollection`); `resource` a plural (`pods`, `deployments`). `None`
/// matches any. Rules only apply to resource requests, never to discovery or `/version`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub verb: Option<String>,
    pub resource: Option<String>,
    /// Probability in [0, 1] that a matching request is hit.
    pub rate: f64,
    pub fault: Fault,
    /// Stop after firing this many times (`Some(1)` with `rate: 1.0` = "fail the next one").
    pub max_times: Option<u32>,
    /// Only requests whose `User-Agent` starts with this (`kyma-mesh/`); `None` matches any.
    /// Lets a test fault one client (kyma-mesh) and spare another (fake-istioctl).
    pub agent: Option<String>,
}

impl FaultRule {
    pub fn new(verb: Option<&str>, resource: Option<&str>, rate: f64, fault: Fault) -> Self {
        FaultRule {
            verb: verb.map(String::from),
            resource: resource.map(String::from),
            rate,
            fault,
            max_times: None,
            agent: None,
        }
    }

    /// Fires only for requests whose `User-Agent` starts with `prefix`.
    pub fn agent(mut self, prefix: &str) -> Self {
        self.agent = Some(prefix.to_string());
        self
    }

    /// Fires only for the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.max_times = Some(n);
        self
    }
}

/// The fault configuration of a simulator.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    pub seed: u64,
    /// Added to every request (discovery included).
    pub latency: Duration,
    /// Plus a uniform random extra in [0, jitter).
    pub latency_jitter: Duration,
    pub rules: Vec<FaultRule>,
}

impl Faults {
    pub fn none() -> Self {
        Faults::default()
    }

    /// Random 500/503/429 on `rate` of all resource requests (the binary's `--error-rate`).
    pub fn error_rate(rate: f64, seed: u64) -> Self {
        Faults {
            seed,
            rules: vec![FaultRule::new(None, None, rate, Fault::AnyError)],
            ..Default::default()
        }
    }

    pub fn with_latency(mut self, latency: Duration, jitter: Duration) -> Self {
        self.latency = latency;
        self.latency_jitter = jitter;
        self
    }

    pub fn with_rule(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }
}

pub(crate) enum Decision {
    Pass,
    Fail(ApiError),
    Drop,
}

pub(crate) struct FaultState {
    pub faults: Faults,
    rng: Rng,
    fired: Vec<u32>,
}

pub(crate) fn status_error(code: u16, retry_after: Option<u32>) -> ApiError {
    let (reason, msg) = match code {
        400 => ("BadRequest", "injected fault: bad request"),
        403 => ("Forbidden", "injected fault: forbidden"),
        404 => ("NotFound", "injected fault: not found"),
        409 => (
            "Conflict",
            "injected fault: the object has been modified; please apply your changes to the latest version and try again",
        ),
        410 => ("Expired", "injected fault: too old resource version"),
        422 => ("Invalid", "injected fault: invalid"),
        429 => (
            "TooManyRequests",
            "injected fault: the server has received too many requests and has asked us to try again later",
        ),
        500 => ("InternalError", "Internal error occurred: injected fault"),
        503 => (
            "ServiceUnavailable",
            "injected fault: the server is currently unable to handle the request",
        ),
        504 => (
            "Timeout",
            "injected fault: the server was unable to return a response in the time allotted",
        ),
        _ => ("InternalError", "injected fault"),
    };
    let mut e = ApiError::new(code, reason, msg);
    if code == 429 {
        e.retry_after = Some(retry_after.unwrap_or(1));
    }
    e
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        let n = faults.rules.len();
        FaultState {
            rng: Rng::new(faults.seed),
            faults,
            fired: vec![0; n],
        }
    }

    /// Latency to add, and what to do with a request.
    #[cfg(test)]
    pub fn decide(&mut self, verb: &str, resource: Option<&str>) -> (Duration, Decision) {
        self.decide_for(verb, resource, "")
    }

    /// As `decide`, for a client that sent this `User-Agent`.
    pub fn decide_for(
        &mut self,
        verb: &str,
        resource: Option<&str>,
        agent: &str,
    ) -> (Duration, Decision) {
        let mut delay = self.faults.latency;
        let jitter = self.faults.latency_jitter.as_millis() as u64;
        if jitter > 0 {
            delay += Duration::from_millis(self.rng.below(jitter));
        }
        let Some(resource) = resource else {
            return (delay, Decision::Pass);
        };
        for (i, rule) in self.faults.rules.iter().enumerate() {
            if rule.verb.as_deref().is_some_and(|v| v != verb)
                || rule.resource.as_deref().is_some_and(|r| r != resource)
                || rule.max_times.is_some_and(|m| self.fired[i] >= m)
                || rule.agent.as_deref().is_some_and(|a| !agent.starts_with(a))
            {
                continue;
            }
            if !self.rng.chance(rule.rate) && rule.rate < 1.0 {
                continue;
            }
            self.fired[i] += 1;
            let d = match &rule.fault {
                Fault::Status(code) => Decision::Fail(status_error(*code, None)),
                Fault::TooManyRequests { retry_after_secs } => {
                    Decision::Fail(status_error(429, Some(*retry_after_secs)))
                }
                Fault::DropConnection => Decision::Drop,
                Fault::AnyError => {
                    let code = [500, 503, 429][self.rng.below(3) as usize];
                    Decision::Fail(status_error(code, Some(1)))
                }
                Fault::Delay(d) => {
                    delay += *d;
                    continue;
                }
            };
            return (delay, d);
        }
        (delay, Decision::Pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(state: &mut FaultState, n: usize, verb: &str, res: &str) -> Vec<u16> {
        (0..n)
            .map(|_| match state.decide(verb, Some(res)).1 {
                Decision::Pass => 200,
                Decision::Fail(e) => e.code,
                Decision::Drop => 0,
            })
            .collect()
    }

    #[test]
    fn seeded_and_repeatable() {
        let a = codes(
            &mut FaultState::new(Faults::error_rate(0.3, 42)),
            200,
            "list",
            "pods",
        );
        let b = codes(
            &mut FaultState::new(Faults::error_rate(0.3, 42)),
            200,
            "list",
            "pods",
        );
        assert_eq!(a, b);
        let errors = a.iter().filter(|c| **c != 200).count();
        assert!((30..90).contains(&errors), "about 30% errors, got {errors}");
        assert!(a.contains(&429) && a.contains(&500) && a.contains(&503));
    }

    #[test]
    fn rules_match_verb_resource_and_count() {
        let f = Faults::none()
            .with_rule(
                FaultRule::new(Some("patch"), Some("deployments"), 1.0, Fault::Status(409))
                    .times(2),
            )
            .with_rule(FaultRule::new(
                Some("list"),
                None,
                1.0,
                Fault::TooManyRequests {
                    retry_after_secs: 3,
                },
            ));
        let mut s = FaultState::new(f);
        assert_eq!(codes(&mut s, 3, "patch", "deployments"), [409, 409, 200]);
        assert_eq!(codes(&mut s, 1, "patch", "pods"), [200]);
        match s.decide("list", Some("pods")).1 {
            Decision::Fail(e) => assert_eq!((e.code, e.retry_after), (429, Some(3))),
            _ => panic!("expected 429"),
        }
        assert!(
            matches!(s.decide("list", None).1, Decision::Pass),
            "discovery is never faulted"
        );
        let mut d = FaultState::new(Faults::none().with_rule(FaultRule::new(
            None,
            None,
            1.0,
            Fault::DropConnection,
        )));
        assert!(matches!(d.decide("get", Some("pods")).1, Decision::Drop));
    }

    #[test]
    fn rules_can_spare_a_client() {
        let mut s = FaultState::new(
            Faults::none()
                .with_rule(FaultRule::new(None, None, 1.0, Fault::Status(500)).agent("kyma-mesh/")),
        );
        assert!(matches!(
            s.decide_for("get", Some("pods"), "kyma-mesh/0.1.0").1,
            Decision::Fail(_)
        ));
        assert!(matches!(
            s.decide_for("get", Some("pods"), "").1,
            Decision::Pass
        ));
    }

    #[test]
    fn latency() {
        let mut s = FaultState::new(
            Faults::none().with_latency(Duration::from_millis(5), Duration::from_millis(10)),
        );
        for _ in 0..20 {
            let (d, _) = s.decide("get", Some("pods"));
            assert!(d >= Duration::from_millis(5) && d < Duration::from_millis(15));
        }
    }
}
