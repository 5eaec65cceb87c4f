//! The one retry policy, applied in one place: a tower layer around the `kube::Client` that
//! `Cluster::connect` builds. Nothing else in kyma-mesh loops on API errors.
//!
//! kube 5's own `client::retry::RetryPolicy` retries 429, 503 and 504 for every method (POST
//! creates included) and gives up silently; it is switched off (`Config::default_retry`) and
//! replaced by this layer, which:
//!
//! * retries only idempotent requests: GET (get, list, watch set-up), HEAD, access reviews
//!   (POST of a `*reviews` object, which the server never stores), PATCH as server-side apply,
//!   merge or strategic merge (they set fixed values: applying one twice equals applying it
//!   once), and DELETE of a named object (callers treat the 404 a repeated delete may get as
//!   done). kyma-mesh sends no other POST: it creates nothing by POST (every write is a
//!   server-side apply), so no create needs AlreadyExists handling. JSON patches and PUT
//!   updates are never retried;
//! * on 429 (honouring `Retry-After`), 500, 502, 503, 504, on 409 for a PATCH (a patch without
//!   a resourceVersion is re-applied to the latest version, as the message asks), and on
//!   connections dropped before the answer (reset, closed, incomplete message, timed out, and
//!   refused once the server has answered before: a server that never answered is down, and
//!   waiting would only delay saying so);
//! * waits a capped exponential backoff with full jitter, for at most `max_attempts` attempts
//!   and `max_total` in all;
//! * says every retry at `-v` and every request (method, path, status, duration) at `-vv`. It
//!   sits outside kube's auth layer, so it never sees a token or a client key.
//!
//! A request that still fails is returned as it came (kube turns the status into its API
//! error), or, for a transport failure, as a [`TransportError`] that names the server as
//! kubectl does.

use std::error::Error as StdError;
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{HeaderValue, Method, Request, Response, header};
use kube::client::Body;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tower::{BoxError, Layer, Service};

use crate::util::fmt_duration;

/// The bounds of the policy. `Default` is what kyma-mesh uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// No retry starts after this much time since the first attempt.
    pub max_total: Duration,
    /// The backoff before the first retry, doubled for each further one...
    pub base: Duration,
    /// ...up to this cap.
    pub cap: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 6,
            max_total: Duration::from_secs(30),
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
        }
    }
}

/// Why an attempt failed, as far as retrying cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server answered this status; `retry_after` is its `Retry-After`, if any.
    Status {
        code: u16,
        retry_after: Option<Duration>,
    },
    Transport(TransportKind),
}

/// A request that got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Refused,
    /// Reset, closed, or the answer ended early.
    Dropped,
    TimedOut,
    NotFound,
    Tls,
}

impl Policy {
    /// Whether sending `method` to `path` twice does what sending it once does.
    pub fn is_idempotent(method: &Method, path: &str, content_type: Option<&str>) -> bool {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS => true,
            // SelfSubjectAccessReviews and their kin are answered, never stored.
            Method::POST => path.ends_with("reviews"),
            Method::PATCH => content_type.is_some_and(|ct| {
                ct.starts_with("application/apply-patch")
                    || ct.starts_with("application/merge-patch+json")
                    || ct.starts_with("application/strategic-merge-patch+json")
            }),
            Method::DELETE => names_an_object(path),
            _ => false,
        }
    }

    /// Whether this failure of an idempotent request is worth another attempt.
    /// `answered_before`: the server has answered some earlier request of this run.
    pub fn is_transient(failure: Failure, method: &Method, answered_before: bool) -> bool {
        match failure {
            Failure::Status { code, .. } => {
                matches!(code, 429 | 500 | 502 | 503 | 504)
                    || (code == 409 && *method == Method::PATCH)
            }
            Failure::Transport(TransportKind::Dropped) => true,
            Failure::Transport(TransportKind::Refused | TransportKind::TimedOut) => answered_before,
            Failure::Transport(TransportKind::NotFound | TransportKind::Tls) => false,
        }
    }

    /// Full jitter: a uniform wait in [0, min(cap, base * 2^(retry-1))). `retry` counts from 1;
    /// `unit` is a random number in [0, 1).
    pub fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        exp.min(self.cap).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// The wait before the next attempt, or `None` to give up: after `attempts` attempts and
    /// `elapsed` since the first. A `Retry-After` is honoured as given (it is the server's
    /// word), as long as it fits in the time left.
    pub fn next_delay(
        &self,
        attempts: u32,
        elapsed: Duration,
        failure: Failure,
        unit: f64,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let delay = match failure {
            Failure::Status {
                retry_after: Some(d),
                ..
            } => d,
            _ => self.backoff(attempts, unit),
        };
        (elapsed + delay <= self.max_total).then_some(delay)
    }
}

/// `Retry-After`: delay-seconds or an HTTP date (RFC 9110). A date in the past means now.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let secs = when.duration_since(now).as_secs_f64();
    Some(Duration::from_secs_f64(secs.max(0.0)))
}

/// `/api/v1/namespaces/x` and `/apis/g/v/namespaces/x/kind/name` name an object;
/// `/api/v1/namespaces/x/pods` is a collection.
fn names_an_object(path: &str) -> bool {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let rest = match segs.as_slice() {
        ["api", _v, rest @ ..] => rest,
        ["apis", _g, _v, rest @ ..] => rest,
        _ => return false,
    };
    let rest = match rest {
        ["namespaces", _ns, more @ ..] if !more.is_empty() => more,
        other => other,
    };
    rest.len() >= 2
}

/// A request that got no answer, said as kubectl says it, with the server's address.
#[derive(Debug, thiserror::Error)]
#[error("{}{}", describe(.kind, .server, .detail), attempts_note(*.attempts))]
pub struct TransportError {
    pub server: String,
    pub kind: TransportKind,
    pub attempts: u32,
    /// The innermost cause, for TLS failures.
    pub detail: String,
}

fn describe(kind: &TransportKind, server: &str, detail: &str) -> String {
    let advice = "is the cluster running, and is this the right context?";
    match kind {
        TransportKind::Refused => {
            format!("the connection to the server {server} was refused: {advice}")
        }
        TransportKind::TimedOut => format!("the server {server} did not answer in time: {advice}"),
        TransportKind::Dropped => {
            format!("the connection to the server {server} was closed before it answered")
        }
        TransportKind::NotFound => {
            format!(
                "the server {server} cannot be found (no such host): is this the right context?"
            )
        }
        TransportKind::Tls => {
            format!("the TLS handshake with the server {server} failed: {detail}")
        }
    }
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" ({attempts} attempts)")
    } else {
        String::new()
    }
}

/// What kind of transport failure `e` is, if it is one.
pub fn transport_kind(e: &(dyn StdError + 'static)) -> Option<TransportKind> {
    let mut cur = Some(e);
    let mut text = String::new();
    while let Some(x) = cur {
        if let Some(io) = x.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => return Some(TransportKind::Refused),
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                    return Some(TransportKind::Dropped);
                }
                K::TimedOut => return Some(TransportKind::TimedOut),
                _ => {}
            }
        }
        if let Some(h) = x.downcast_ref::<hyper::Error>() {
            if h.is_timeout() {
                return Some(TransportKind::TimedOut);
            }
            if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
                return Some(TransportKind::Dropped);
            }
        }
        text.push_str(&x.to_string().to_ascii_lowercase());
        text.push('\n');
        cur = x.source();
    }
    if text.contains("dns error") || text.contains("failed to lookup address") {
        Some(TransportKind::NotFound)
    } else if text.contains("certificate") || text.contains("tls") {
        Some(TransportKind::Tls)
    } else {
        None
    }
}

/// Where retries and request lines go. Built by the caller from its `Ui` (this module prints
/// nothing itself): `-v` shows retries, `-vv` every request.
#[derive(Clone)]
pub struct Log {
    verbosity: i8,
    sink: Arc<dyn Fn(&str) + Send + Sync>,
}

impl Log {
    pub fn new(verbosity: i8, sink: impl Fn(&str) + Send + Sync + 'static) -> Log {
        Log {
            verbosity,
            sink: Arc::new(sink),
        }
    }

    #[cfg(test)]
    pub fn silent() -> Log {
        Log::new(-1, |_| {})
    }

    fn debug(&self, msg: &str) {
        if self.verbosity >= 1 {
            (self.sink)(msg);
        }
    }

    fn trace(&self, msg: &str) {
        if self.verbosity >= 2 {
            (self.sink)(msg);
        }
    }
}

/// The layer `Cluster::connect` puts around kube's stack.
#[derive(Clone)]
pub struct RetryLayer {
    policy: Policy,
    log: Log,
    server: String,
    answered: Arc<AtomicBool>,
}

impl RetryLayer {
    /// `server`: the API server's address (`127.0.0.1:6443`), for messages.
    pub fn new(policy: Policy, log: Log, server: String) -> RetryLayer {
        RetryLayer {
            policy,
            log,
            server,
            answered: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Retry<S> {
        Retry {
            layer: self.clone(),
            // kube's stack is a `BoxService` (not `Clone`): attempts take turns calling it.
            // The lock is held only while handing the request over, not while it runs.
            inner: Arc::new(Mutex::new(inner)),
        }
    }
}

pub struct Retry<S> {
    layer: RetryLayer,
    inner: Arc<Mutex<S>>,
}

impl<S> Clone for Retry<S> {
    fn clone(&self) -> Self {
        Retry {
            layer: self.layer.clone(),
            inner: self.inner.clone(),
        }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, B> Service<Request<Body>> for Retry<S>
where
    S: Service<Request<Body>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Send + 'static,
{
    type Response = Response<B>;
    type Error = BoxError;
    type Future = BoxFuture<Result<Response<B>, BoxError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Readiness is awaited per attempt, under the lock.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.run(req).await })
    }
}

impl<S, B> Retry<S>
where
    S: Service<Request<Body>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
{
    async fn run(self, req: Request<Body>) -> Result<Response<B>, BoxError> {
        let RetryLayer {
            policy,
            log,
            server,
            answered,
        } = &self.layer;
        let (parts, body) = req.into_parts();
        // Buffered once, so every attempt sends the same bytes.
        let bytes = body.collect_bytes().await.map_err(BoxError::from)?;
        let path = parts.uri.path().to_string();
        let shown = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| path.clone());
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let idempotent = Policy::is_idempotent(&parts.method, &path, content_type);
        let first = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let mut attempt = Request::new(Body::from(bytes.clone()));
            *attempt.method_mut() = parts.method.clone();
            *attempt.uri_mut() = parts.uri.clone();
            *attempt.version_mut() = parts.version;
            *attempt.headers_mut() = parts.headers.clone();
            *attempt.extensions_mut() = parts.extensions.clone();
            attempt
                .headers_mut()
                .entry(header::USER_AGENT)
                .or_insert(HeaderValue::from_static(USER_AGENT));

            let sent = Instant::now();
            let pending = {
                let mut svc = self.inner.lock().await;
                std::future::poll_fn(|cx| svc.poll_ready(cx))
                    .await
                    .map_err(Into::into)?;
                svc.call(attempt)
            };
            let result = pending.await.map_err(Into::into);
            let took = fmt_duration(sent.elapsed());

            let failure = match &result {
                Ok(resp) => {
                    answered.store(true, Ordering::Relaxed);
                    let code = resp.status().as_u16();
                    log.trace(&format!("{} {shown} {code} ({took})", parts.method));
                    (code >= 400).then(|| Failure::Status {
                        code,
                        retry_after: resp
                            .headers()
                            .get(header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, jiff::Timestamp::now())),
                    })
                }
                Err(e) => {
                    let kind = transport_kind(e.as_ref());
                    log.trace(&format!(
                        "{} {shown} no answer: {} ({took})",
                        parts.method,
                        kind.map(|k| describe(&k, server, ""))
                            .unwrap_or_else(|| "failed".into())
                    ));
                    kind.map(Failure::Transport)
                }
            };
            let Some(failure) = failure else {
                return result;
            };
            let delay = (idempotent
                && Policy::is_transient(failure, &parts.method, answered.load(Ordering::Relaxed)))
            .then(|| policy.next_delay(attempts, first.elapsed(), failure, random_unit()))
            .flatten();
            let Some(delay) = delay else {
                return result.map_err(|e| match failure {
                    Failure::Transport(kind) => Box::new(TransportError {
                        server: server.clone(),
                        kind,
                        attempts,
                        detail: crate::cluster::innermost(e.as_ref()),
                    }) as BoxError,
                    Failure::Status { .. } => e,
                });
            };
            let why = match failure {
                Failure::Status { code, .. } => format!("the API server answered {code}"),
                Failure::Transport(kind) => describe(&kind, server, ""),
            };
            log.debug(&format!(
                "retrying {} {path} in {} (attempt {} of {}): {why}",
                parts.method,
                fmt_duration(delay),
                attempts + 1,
                policy.max_attempts,
            ));
            tokio::time::sleep(delay).await;
        }
    }
}

/// kubectl sends `kubectl/<version>`; so does kyma-mesh (API server audit logs name it).
pub const USER_AGENT: &str = concat!("kyma-mesh/", env!("CARGO_PKG_VERSION"));

/// A random number in [0, 1) for the jitter (std's per-process random hash keys).
fn random_unit() -> f64 {
    let n = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    (n >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Failure {
        Failure::Status {
            code,
            retry_after: None,
        }
    }

    #[test]
    fn which_requests_are_idempotent() {
        let apply = Some("application/apply-patch+yaml");
        let cases = [
            (Method::GET, "/api/v1/namespaces/x/pods", None, true),
            (
                Method::GET,
                "/apis/apps/v1/deployments?watch=true",
                None,
                true,
            ),
            (
                Method::POST,
                "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                None,
                true,
            ),
            (Method::POST, "/api/v1/namespaces/x/configmaps", None, false),
            (
                Method::PATCH,
                "/api/v1/namespaces/x/configmaps/c",
                apply,
                true,
            ),
            (
                Method::PATCH,
                "/api/v1/namespaces/x",
                Some("application/merge-patch+json"),
                true,
            ),
            (
                Method::PATCH,
                "/apis/apps/v1/namespaces/x/deployments/d",
                Some("application/strategic-merge-patch+json"),
                true,
            ),
            (
                Method::PATCH,
                "/api/v1/namespaces/x/configmaps/c",
                Some("application/json-patch+json"),
                false,
            ),
            (
                Method::PUT,
                "/api/v1/namespaces/x/configmaps/c",
                None,
                false,
            ),
            (
                Method::DELETE,
                "/api/v1/namespaces/x/configmaps/c",
                None,
                true,
            ),
            (Method::DELETE, "/api/v1/namespaces/x", None, true),
            (
                Method::DELETE,
                "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/w",
                None,
                true,
            ),
            (
                Method::DELETE,
                "/api/v1/namespaces/x/configmaps",
                None,
                false,
            ),
            (
                Method::DELETE,
                "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
                None,
                false,
            ),
        ];
        for (method, path, ct, want) in cases {
            let path_only = path.split('?').next().unwrap();
            assert_eq!(
                Policy::is_idempotent(&method, path_only, ct),
                want,
                "{method} {path} {ct:?}"
            );
        }
    }

    #[test]
    fn which_failures_are_transient() {
        for code in [429, 500, 502, 503, 504] {
            assert!(
                Policy::is_transient(status(code), &Method::GET, false),
                "{code}"
            );
        }
        for code in [400, 401, 403, 404, 410, 422, 501] {
            assert!(
                !Policy::is_transient(status(code), &Method::GET, true),
                "{code}"
            );
        }
        assert!(Policy::is_transient(status(409), &Method::PATCH, true));
        assert!(!Policy::is_transient(status(409), &Method::DELETE, true));
        let t = |k| Failure::Transport(k);
        assert!(Policy::is_transient(
            t(TransportKind::Dropped),
            &Method::GET,
            false
        ));
        assert!(
            !Policy::is_transient(t(TransportKind::Refused), &Method::GET, false),
            "a server that never answered is down: say so at once"
        );
        assert!(Policy::is_transient(
            t(TransportKind::Refused),
            &Method::GET,
            true
        ));
        assert!(Policy::is_transient(
            t(TransportKind::TimedOut),
            &Method::GET,
            true
        ));
        assert!(!Policy::is_transient(
            t(TransportKind::Tls),
            &Method::GET,
            true
        ));
        assert!(!Policy::is_transient(
            t(TransportKind::NotFound),
            &Method::GET,
            true
        ));
    }

    #[test]
    fn backoff_is_capped_exponential_with_full_jitter() {
        let p = Policy::default();
        assert_eq!(
            p.backoff(1, 0.0),
            Duration::ZERO,
            "full jitter reaches zero"
        );
        let top = |n| p.backoff(n, 0.999_999);
        assert!(top(1) <= p.base && top(1) > p.base.mul_f64(0.99));
        assert!(top(2) <= p.base * 2 && top(2) > p.base.mul_f64(1.99));
        assert!(top(3) <= p.base * 4);
        assert!(top(10) <= p.cap && top(10) > p.cap.mul_f64(0.99), "capped");
        assert!(top(u32::MAX) <= p.cap, "no overflow");
        for i in 0..100 {
            let d = p.backoff(4, i as f64 / 100.0);
            assert!(d <= p.base * 8);
        }
    }

    #[test]
    fn attempts_and_total_time_are_bounded() {
        let p = Policy::default();
        let s = status(503);
        assert!(p.next_delay(1, Duration::ZERO, s, 0.5).is_some());
        assert!(p.next_delay(5, Duration::ZERO, s, 0.5).is_some());
        assert_eq!(
            p.next_delay(6, Duration::ZERO, s, 0.5),
            None,
            "6 attempts at most"
        );
        assert_eq!(
            p.next_delay(2, Duration::from_secs(30), s, 0.5),
            None,
            "30 s at most"
        );
        let ra = |secs| Failure::Status {
            code: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            p.next_delay(1, Duration::ZERO, ra(3), 0.0),
            Some(Duration::from_secs(3)),
            "Retry-After is honoured, not jittered away"
        );
        assert_eq!(
            p.next_delay(1, Duration::from_secs(28), ra(3), 0.0),
            None,
            "a Retry-After beyond the budget ends the retries"
        );
        // The worst case of the default policy stays inside its budget.
        let worst: Duration = (1..p.max_attempts).map(|n| p.backoff(n, 0.999_999)).sum();
        assert!(worst < p.max_total, "{worst:?}");
    }

    #[test]
    fn retry_after_forms() {
        let now: jiff::Timestamp = "2015-10-21T07:28:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        for bad in ["", "soon", "-1", "1.5"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn transport_errors_say_the_server() {
        let e = TransportError {
            server: "127.0.0.1:1".into(),
            kind: TransportKind::Refused,
            attempts: 1,
            detail: String::new(),
        };
        assert_eq!(
            e.to_string(),
            "the connection to the server 127.0.0.1:1 was refused: is the cluster running, and is this the right context?"
        );
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(transport_kind(&io), Some(TransportKind::Refused));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(transport_kind(&io), Some(TransportKind::Dropped));
        let other = std::io::Error::other("something else");
        assert_eq!(transport_kind(&other), None);
    }

    // Against kube-sim's fault injection: the layer as the product uses it.
    mod against_kube_sim {
        use std::sync::Mutex as StdMutex;

        use serde_json::json;
        use testkit::{Fault, FaultRule, Faults, KubeSim};

        use super::super::*;
        use crate::cluster::{Cluster, kinds};

        fn sim() -> KubeSim {
            let sim = KubeSim::builder().start().unwrap();
            sim.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "istio-system"}}))
                .unwrap();
            sim.put(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "istio-system"}, "data": {"k": "v"}}))
                .unwrap();
            sim
        }

        /// Runs `f` against `sim` with a -v (or -vv) log; returns its result and the log.
        fn run<T>(
            sim: &KubeSim,
            verbosity: i8,
            f: impl AsyncFnOnce(Cluster) -> T,
        ) -> (T, Vec<String>) {
            let lines = Arc::new(StdMutex::new(Vec::new()));
            let sink = lines.clone();
            let log = Log::new(verbosity, move |l| sink.lock().unwrap().push(l.to_string()));
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let out = rt.block_on(async {
                let c = Cluster::connect(Some(sim.kubeconfig_path()), None, log)
                    .await
                    .unwrap();
                f(c).await
            });
            let lines = lines.lock().unwrap().clone();
            (out, lines)
        }

        async fn get(
            c: Cluster,
        ) -> Result<Option<kube::api::DynamicObject>, crate::cluster::ClusterError> {
            c.get_opt(&kinds::CONFIG_MAP, Some("istio-system"), "c")
                .await
        }

        #[test]
        fn transient_errors_on_a_read_are_retried_and_said_at_v() {
            let sim = sim();
            for fault in [
                Fault::Status(500),
                Fault::Status(503),
                Fault::Status(504),
                Fault::Status(502),
                Fault::DropConnection,
            ] {
                sim.set_faults(Faults::none().with_rule(
                    FaultRule::new(Some("get"), Some("configmaps"), 1.0, fault.clone()).times(2),
                ));
                let (got, log) = run(&sim, 1, get);
                assert!(got.unwrap().is_some(), "{fault:?}");
                let retries: Vec<_> = log
                    .iter()
                    .filter(|l| l.starts_with("retrying GET"))
                    .collect();
                assert_eq!(retries.len(), 2, "{fault:?}: {log:?}");
                assert!(retries[1].contains("attempt 3 of 6"), "{log:?}");
            }
        }

        #[test]
        fn retry_after_is_honoured() {
            let sim = sim();
            sim.set_faults(
                Faults::none().with_rule(
                    FaultRule::new(
                        Some("get"),
                        None,
                        1.0,
                        Fault::TooManyRequests {
                            retry_after_secs: 1,
                        },
                    )
                    .times(1),
                ),
            );
            let started = std::time::Instant::now();
            let (got, log) = run(&sim, 1, get);
            assert!(got.unwrap().is_some());
            assert!(
                started.elapsed() >= Duration::from_secs(1),
                "waited as the server asked"
            );
            assert!(
                log.iter().any(|l| l.contains("in 1s") && l.contains("429")),
                "{log:?}"
            );
        }

        #[test]
        fn attempts_are_bounded_and_the_last_answer_is_kept() {
            let sim = sim();
            sim.set_faults(Faults::none().with_rule(FaultRule::new(
                Some("get"),
                Some("configmaps"),
                1.0,
                Fault::Status(503),
            )));
            let before = sim.request_count();
            let (got, log) = run(&sim, 1, get);
            let err = got.unwrap_err();
            assert_eq!(err.status_code(), Some(503));
            let msg = err.to_string();
            assert!(
                msg.contains("ConfigMap istio-system/c") && msg.contains("503"),
                "{msg}"
            );
            assert_eq!(log.iter().filter(|l| l.starts_with("retrying")).count(), 5);
            assert_eq!(sim.request_count() - before, 6, "6 attempts in all");
        }

        #[test]
        fn dropped_connections_are_said_with_the_server() {
            let sim = sim();
            sim.set_faults(Faults::none().with_rule(FaultRule::new(
                Some("get"),
                Some("configmaps"),
                1.0,
                Fault::DropConnection,
            )));
            let (got, _) = run(&sim, 0, get);
            let msg = got.unwrap_err().to_string();
            let addr = format!("127.0.0.1:{}", sim.port());
            assert!(
                msg.contains(&format!(
                    "the connection to the server {addr} was closed before it answered (6 attempts)"
                )),
                "{msg}"
            );
        }

        #[test]
        fn creates_and_json_patches_are_not_retried() {
            let sim = sim();
            sim.set_faults(Faults::none().with_rule(
                FaultRule::new(None, Some("configmaps"), 1.0, Fault::Status(500)).times(1),
            ));
            let (got, log) = run(&sim, 1, async |c: Cluster| {
                let api = c.dynamic(&kinds::CONFIG_MAP, Some("istio-system"));
                let obj: kube::api::DynamicObject = serde_json::from_value(json!({
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "new"}}))
                .unwrap();
                api.create(&Default::default(), &obj).await
            });
            assert!(got.is_err(), "a POST create is sent once");
            assert!(log.is_empty(), "{log:?}");
            sim.set_faults(Faults::none().with_rule(
                FaultRule::new(None, Some("configmaps"), 1.0, Fault::Status(500)).times(1),
            ));
            let (got, _) = run(&sim, 1, async |c: Cluster| {
                let api = c.dynamic(&kinds::CONFIG_MAP, Some("istio-system"));
                let p = json!([{"op": "add", "path": "/data/x", "value": "1"}]);
                api.patch(
                    "c",
                    &Default::default(),
                    &kube::api::Patch::<()>::Json(serde_json::from_value(p).unwrap()),
                )
                .await
            });
            assert!(got.is_err(), "a JSON patch is sent once");
        }

        #[test]
        fn server_side_apply_is_retried_with_the_same_body() {
            let sim = sim();
            sim.set_faults(
                Faults::none()
                    .with_rule(
                        FaultRule::new(Some("patch"), None, 1.0, Fault::Status(500)).times(1),
                    )
                    .with_rule(
                        FaultRule::new(Some("patch"), None, 1.0, Fault::Status(409)).times(1),
                    ),
            );
            let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "istio-system"}, "data": {"k": "applied"}});
            let (got, _) = run(&sim, 1, async |c: Cluster| {
                c.apply(&kinds::CONFIG_MAP, Some("istio-system"), "c", &obj)
                    .await
            });
            got.unwrap();
            let writes: Vec<_> = sim
                .writes()
                .into_iter()
                .filter(|w| w.verb == "patch")
                .collect();
            assert_eq!(
                writes.iter().map(|w| w.status).collect::<Vec<_>>(),
                [500, 409, 200]
            );
            assert!(
                writes.windows(2).all(|w| w[0].body == w[1].body),
                "replayed as sent"
            );
            assert!(!writes[2].body.is_empty());
            assert_eq!(
                sim.get("configmaps", Some("istio-system"), "c").unwrap()["data"]["k"],
                "applied"
            );
        }

        #[test]
        fn every_request_is_logged_at_vv_only() {
            let sim = sim();
            let (_, v) = run(&sim, 1, get);
            assert!(v.is_empty(), "-v says retries only: {v:?}");
            let (_, vv) = run(&sim, 2, get);
            assert_eq!(vv.len(), 1, "{vv:?}");
            let line = &vv[0];
            assert!(
                line.starts_with("GET /api/v1/namespaces/istio-system/configmaps/c 200 ("),
                "{line}"
            );
        }

        #[test]
        fn refused_at_the_first_request_is_said_at_once() {
            let sim = sim();
            let dir = tempfile::tempdir().unwrap();
            let kc = dir.path().join("kc");
            sim.write_kubeconfig(&kc, "unreachable").unwrap();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let started = std::time::Instant::now();
            let err = rt.block_on(async {
                let c = Cluster::connect(Some(&kc), None, Log::silent())
                    .await
                    .unwrap();
                c.server_version().await.unwrap_err()
            });
            assert!(started.elapsed() < Duration::from_secs(2));
            assert_eq!(
                err.to_string(),
                "reading the server version: the connection to the server 127.0.0.1:1 was refused: is the cluster running, and is this the right context?"
            );
        }
    }
}
