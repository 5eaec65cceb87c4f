//! The Kyma Istio module's `Istio` resource (`operator.kyma-project.io/v1alpha2`, github
//! kyma-project/istio) as an override form, and back.
//!
//! In: validated as the module's CRD validates it (`config/crd/bases/
//! operator.kyma-project.io_istios.yaml`: types, enums, minimums and maximums, patterns,
//! required fields), then mapped field by field to the IstioOperator paths the module's
//! `api/v1alpha2/istio_merge.go` (`MergeInto`), `compatibility_mode.go` and
//! `internal/istiooperator/merge.go` (experimental pilot features) write. The result is an
//! IstioOperator overlay merged like any other override, every node attributed to the `Istio`
//! field that set it (`--explain`).
//!
//! Out: [`export`] turns the difference between a render and its defaults back into an `Istio`
//! resource, naming every changed path the resource cannot express.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use regex::Regex;
use serde_json::{Map, Value, json};

use super::ConfigError;
use super::merge;
use super::path::{Path, Step};
use super::schema::did_you_mean;
use super::tree::{Kind, Node, Origin, SourceKind};
use super::validate::{Problem, Severity};

pub const API_VERSION: &str = "operator.kyma-project.io/v1alpha2";
pub const KIND: &str = "Istio";

/// The ingress and egress gateways the module's `IngressGateways[0]` / `EgressGateways[0]`
/// are in its default IstioOperator (and in every kyma-mesh profile).
pub const INGRESS: &str = "istio-ingressgateway";
pub const EGRESS: &str = "istio-egressgateway";

// ---------------------------------------------------------------------------------------------
// The CRD's schema, as data.

/// One field's type and constraints, as the CRD declares them.
#[derive(Clone, Copy)]
enum Ty {
    Bool,
    /// `type: integer` with `minimum`/`maximum`.
    Int {
        min: i64,
        max: i64,
    },
    Str,
    /// `enum:`.
    Enum(&'static [&'static str]),
    /// `pattern:` (with `minLength`/`maxLength` where the CRD has them).
    Pattern {
        re: &'static LazyLock<Regex>,
        text: &'static str,
        max_len: usize,
    },
    /// `x-kubernetes-int-or-string` with a pattern for the string form.
    IntOrString {
        re: &'static LazyLock<Regex>,
        text: &'static str,
    },
    /// metav1.Duration: a Go duration string (`5s`, `1m30s`).
    Duration,
    List(&'static Ty),
    /// `additionalProperties: {type: string}`.
    StrMap,
    Obj(&'static [Field]),
    /// A Kubernetes type the CRD copies whole (corev1.Affinity): kept as written, checked to
    /// be a map; the API server's deeper checks are not repeated here.
    AnyMap,
}

#[derive(Clone, Copy)]
struct Field {
    name: &'static str,
    ty: Ty,
    required: bool,
}

const fn f(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
    }
}

const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
    }
}

static CPU_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]+m?|[0-9]\.[0-9]{1,3})$").expect("static regex"));
static MEMORY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9]+(((\.[0-9]+)?(E|P|T|G|M|k|Ei|Pi|Ti|Gi|Mi|Ki|m)?)|(e[0-9]+))$")
        .expect("static regex")
});
static TRUST_DOMAIN_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]*([a-z0-9-_]*)?(\.[a-z0-9]*([a-z0-9-_]*[a-z0-9]*)?)*$")
        .expect("static regex")
});
static MAX_SURGE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9]+%?$").expect("static regex"));
static MAX_UNAVAILABLE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^((100|[0-9]{1,2})%|[0-9]+)$").expect("static regex"));

const INT32: Ty = Ty::Int {
    min: 0,
    max: 2_147_483_647,
};
const CLAIMS: Ty = Ty::Obj(&[
    f(
        "cpu",
        Ty::Pattern {
            re: &CPU_RE,
            text: r"^([0-9]+m?|[0-9]\.[0-9]{1,3})$",
            max_len: usize::MAX,
        },
    ),
    f(
        "memory",
        Ty::Pattern {
            re: &MEMORY_RE,
            text: r"^[0-9]+(((\.[0-9]+)?(E|P|T|G|M|k|Ei|Pi|Ti|Gi|Mi|Ki|m)?)|(e[0-9]+))$",
            max_len: usize::MAX,
        },
    ),
]);
const RESOURCES: Ty = Ty::Obj(&[f("limits", CLAIMS), f("requests", CLAIMS)]);
const ROLLING_UPDATE: Ty = Ty::Obj(&[
    f(
        "maxSurge",
        Ty::IntOrString {
            re: &MAX_SURGE_RE,
            text: r"^[0-9]+%?$",
        },
    ),
    f(
        "maxUnavailable",
        Ty::IntOrString {
            re: &MAX_UNAVAILABLE_RE,
            text: r"^((100|[0-9]{1,2})%|[0-9]+)$",
        },
    ),
]);
const K8S: Ty = Ty::Obj(&[
    f(
        "hpaSpec",
        Ty::Obj(&[f("maxReplicas", INT32), f("minReplicas", INT32)]),
    ),
    f("strategy", Ty::Obj(&[req("rollingUpdate", ROLLING_UPDATE)])),
    f("resources", RESOURCES),
]);
const STRINGS: Ty = Ty::List(&Ty::Str);
const AUTHORIZER: Ty = Ty::Obj(&[
    req("name", Ty::Str),
    f("service", Ty::Str),
    req(
        "port",
        Ty::Int {
            min: 0,
            max: 4_294_967_295,
        },
    ),
    f(
        "headers",
        Ty::Obj(&[
            f(
                "inCheck",
                Ty::Obj(&[f("include", STRINGS), f("add", Ty::StrMap)]),
            ),
            f("toUpstream", Ty::Obj(&[f("onAllow", STRINGS)])),
            f(
                "toDownstream",
                Ty::Obj(&[f("onAllow", STRINGS), f("onDeny", STRINGS)]),
            ),
        ]),
    ),
    f("pathPrefix", Ty::Str),
    f("timeout", Ty::Duration),
]);
const XFCC: &[&str] = &[
    "APPEND_FORWARD",
    "SANITIZE_SET",
    "SANITIZE",
    "ALWAYS_FORWARD_ONLY",
    "FORWARD_ONLY",
];
const CONFIG: Ty = Ty::Obj(&[
    f(
        "numTrustedProxies",
        Ty::Int {
            min: 0,
            max: 4_294_967_295,
        },
    ),
    f("forwardClientCertDetails", Ty::Enum(XFCC)),
    f("authorizers", Ty::List(&AUTHORIZER)),
    f(
        "gatewayExternalTrafficPolicy",
        Ty::Enum(&["Local", "Cluster"]),
    ),
    f(
        "telemetry",
        Ty::Obj(&[f("metrics", Ty::Obj(&[f("prometheusMerge", Ty::Bool)]))]),
    ),
    f(
        "trustDomain",
        Ty::Pattern {
            re: &TRUST_DOMAIN_RE,
            text: r"^[a-z0-9]*([a-z0-9-_]*)?(\.[a-z0-9]*([a-z0-9-_]*[a-z0-9]*)?)*$",
            max_len: 255,
        },
    ),
    f("enableDNSProxying", Ty::Bool),
    f(
        "proxyStatsMatcher",
        Ty::Obj(&[f("inclusionRegexps", STRINGS)]),
    ),
]);
const COMPONENTS: Ty = Ty::Obj(&[
    f("pilot", Ty::Obj(&[req("k8s", K8S)])),
    f("ingressGateway", Ty::Obj(&[req("k8s", K8S)])),
    f(
        "cni",
        Ty::Obj(&[req(
            "k8s",
            Ty::Obj(&[f("affinity", Ty::AnyMap), f("resources", RESOURCES)]),
        )]),
    ),
    f(
        "proxy",
        Ty::Obj(&[req("k8s", Ty::Obj(&[f("resources", RESOURCES)]))]),
    ),
    f(
        "egressGateway",
        Ty::Obj(&[f("k8s", K8S), f("enabled", Ty::Bool)]),
    ),
]);
const SPEC: Ty = Ty::Obj(&[
    f("config", CONFIG),
    f("components", COMPONENTS),
    f(
        "experimental",
        Ty::Obj(&[
            f(
                "pilot",
                Ty::Obj(&[
                    f("enableAlphaGatewayAPI", Ty::Bool),
                    f("enableMultiNetworkDiscoverGatewayAPI", Ty::Bool),
                ]),
            ),
            f("enableAmbient", Ty::Bool),
        ]),
    ),
    f("compatibilityMode", Ty::Bool),
    f("networkPoliciesEnabled", Ty::Bool),
]);
const ROOT: Ty = Ty::Obj(&[
    f("apiVersion", Ty::Str),
    f("kind", Ty::Str),
    f("metadata", Ty::AnyMap),
    f("spec", SPEC),
    // Written by the module's operator; read back from a cluster, never mapped.
    f("status", Ty::AnyMap),
]);

// ---------------------------------------------------------------------------------------------
// Validation.

struct Checker<'a> {
    out: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    fn error(&mut self, origin: &Origin, path: &Path, message: String) {
        self.out.push(Problem::error(origin, path.clone(), message));
    }

    fn check(&mut self, node: &Node, ty: &Ty, path: &mut Path) {
        let found = node.type_name();
        match (ty, &node.kind) {
            (Ty::Bool, Kind::Bool(_)) | (Ty::Str, Kind::Str(_)) | (Ty::AnyMap, Kind::Map(_)) => {}
            (Ty::Int { min, max }, Kind::Number(n)) => match n.as_i64() {
                Some(v) if v < *min => self.error(
                    &node.origin,
                    path,
                    format!("must be at least {min}, found {v}"),
                ),
                Some(v) if v > *max => self.error(
                    &node.origin,
                    path,
                    format!("must be at most {max}, found {v}"),
                ),
                Some(_) => {}
                None => self.error(
                    &node.origin,
                    path,
                    format!("must be a whole number, found {n}"),
                ),
            },
            (Ty::Enum(allowed), Kind::Str(s)) => {
                if !allowed.contains(&s.as_str()) {
                    self.error(
                        &node.origin,
                        path,
                        format!(
                            "must be one of {}, found {s:?}{}",
                            allowed.join(", "),
                            hint(s, allowed)
                        ),
                    );
                }
            }
            (Ty::Pattern { re, text, max_len }, Kind::Str(s)) => {
                if s.is_empty() && *max_len != usize::MAX {
                    self.error(&node.origin, path, "must not be empty".into());
                } else if s.len() > *max_len {
                    self.error(
                        &node.origin,
                        path,
                        format!("must be at most {max_len} characters, found {}", s.len()),
                    );
                } else if !re.is_match(s) {
                    self.error(
                        &node.origin,
                        path,
                        format!("{s:?} does not match the pattern {text}"),
                    );
                }
            }
            (Ty::IntOrString { .. }, Kind::Number(n)) => match n.as_i64() {
                Some(v) if (0..=2_147_483_647).contains(&v) => {}
                _ => self.error(
                    &node.origin,
                    path,
                    format!("must not be negative or more than 2147483647, found {n}"),
                ),
            },
            (Ty::IntOrString { re, text }, Kind::Str(s)) => {
                if !re.is_match(s) {
                    self.error(
                        &node.origin,
                        path,
                        format!("{s:?} does not match the pattern {text} (e.g. 1, 25%)"),
                    );
                }
            }
            (Ty::Duration, Kind::Str(s)) => {
                if let Err(m) = parse_go_duration(s) {
                    self.error(&node.origin, path, m);
                }
            }
            (Ty::List(item), Kind::Seq(items)) => {
                for (i, it) in items.iter().enumerate() {
                    path.push(i);
                    self.check(it, item, path);
                    path.pop();
                }
            }
            (Ty::StrMap, Kind::Map(entries)) => {
                for e in entries {
                    if !matches!(e.value.kind, Kind::Str(_)) {
                        let at = path.join(e.key.as_str());
                        let found = e.value.type_name();
                        self.error(
                            &e.value.origin,
                            &at,
                            format!("must be a string, found a {found}"),
                        );
                    }
                }
            }
            (Ty::Obj(fields), Kind::Map(entries)) => {
                for e in entries {
                    path.push(e.key.as_str());
                    match fields.iter().find(|fd| fd.name == e.key) {
                        Some(fd) => self.check(&e.value, &fd.ty, path),
                        None => {
                            let names: Vec<&str> = fields.iter().map(|fd| fd.name).collect();
                            let mut message = "unknown field in the Istio resource".to_string();
                            let near = did_you_mean(&e.key, &names);
                            if let Some(best) = near.first() {
                                message.push_str(&format!(" (did you mean {best}?)"));
                            } else {
                                message.push_str(&format!("; known here: {}", names.join(", ")));
                            }
                            self.error(&e.key_origin, path, message);
                        }
                    }
                    path.pop();
                }
                for fd in fields.iter().filter(|fd| fd.required) {
                    if node.get(fd.name).is_none() {
                        let message = match fd.name {
                            "k8s" => {
                                "`k8s` is required here (the module's CRD): write the settings under k8s:".to_string()
                            }
                            _ => format!("`{}` is required (the module's CRD)", fd.name),
                        };
                        let at = path.join(fd.name);
                        self.error(&node.origin, &at, message);
                    }
                }
            }
            // The API server drops nulls of optional fields; so does the module.
            (_, Kind::Null) => {}
            (ty, _) => {
                let want = match ty {
                    Ty::Bool => "a boolean (true or false)",
                    Ty::Int { .. } => "a whole number",
                    Ty::Str | Ty::Enum(_) | Ty::Pattern { .. } | Ty::Duration => "a string",
                    Ty::IntOrString { .. } => "a number or a string such as 25%",
                    Ty::List(_) => "a list",
                    Ty::StrMap | Ty::Obj(_) | Ty::AnyMap => "a map",
                };
                let quote = match (&node.kind, want) {
                    (Kind::Number(_) | Kind::Bool(_), "a string") => {
                        format!("; quote it: \"{}\"", node.to_json())
                    }
                    _ => String::new(),
                };
                self.error(
                    &node.origin,
                    path,
                    format!("must be {want}, found a {found}{quote}"),
                );
            }
        }
    }
}

fn hint(s: &str, allowed: &[&str]) -> String {
    match did_you_mean(s, allowed).first() {
        Some(best) => format!(" (did you mean {best}?)"),
        None => String::new(),
    }
}

/// A Go duration (`metav1.Duration`): `300ms`, `5s`, `1m30s`, `1.5h`. Returns seconds.
fn parse_go_duration(s: &str) -> Result<f64, String> {
    let bad = || format!("{s:?} is not a duration: write e.g. 500ms, 5s or 1m30s");
    let mut rest = s.trim();
    if rest == "0" {
        return Ok(0.0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (num, tail) = rest.split_at(num_end);
        let value: f64 = num.parse().map_err(|_| bad())?;
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += value * scale;
        rest = tail;
    }
    Ok(total)
}

/// A protobuf JSON Duration (`5s`, `0.500s`) for `seconds`.
fn proto_duration(seconds: f64) -> String {
    let millis = (seconds * 1000.0).round() as i64;
    if millis % 1000 == 0 {
        format!("{}s", millis / 1000)
    } else {
        format!("{}.{:03}s", millis / 1000, millis % 1000)
    }
}

// ---------------------------------------------------------------------------------------------
// In: Istio -> IstioOperator overlay.

/// What one `Istio` resource contributes.
pub struct Mapped {
    /// An IstioOperator overlay; every node is attributed to the `Istio` field that set it.
    pub doc: Node,
    /// Fields with no IstioOperator counterpart (said as warnings).
    pub notes: Vec<Problem>,
}

/// Validates `doc` (an `Istio` resource) as the module's CRD does and maps it.
pub fn to_operator(doc: &Node) -> Result<Mapped, ConfigError> {
    let mut problems = Vec::new();
    let api = doc.get("apiVersion");
    if api.is_none() {
        problems.push(Problem::error(
            &doc.origin,
            Path::from_iter(["apiVersion"]),
            format!("missing; it must be {API_VERSION:?}"),
        ));
    }
    if let Some(v) = api.and_then(Node::as_str)
        && v != API_VERSION
    {
        problems.push(Problem::error(
            api.map_or(&doc.origin, |a| &a.origin),
            Path::from_iter(["apiVersion"]),
            format!(
                "the Istio resource's apiVersion must be {API_VERSION:?} (the module's only served version), found {v:?}"
            ),
        ));
    }
    Checker { out: &mut problems }.check(doc, &ROOT, &mut Path::new());
    if !problems.is_empty() {
        problems.sort_by(|a, b| a.origin.sort_key().cmp(&b.origin.sort_key()));
        return Err(ConfigError::InvalidIstio(problems));
    }
    Ok(map(doc))
}

/// Builds the overlay one fragment at a time, each merged with its own origin.
struct Builder {
    doc: Node,
    outer: String,
}

impl Builder {
    /// Merges `fragment` (a value under the IstioOperator's `spec`) as set by `field`.
    fn put(&mut self, fragment: Value, from: &Node, field: &Path) {
        let origin = Origin::new(
            Arc::new(SourceKind::IstioField {
                outer: self.outer.clone(),
                field: field.to_string(),
            }),
            from.origin.line,
            from.origin.col,
        );
        let overlay = Node::from_json(&json!({ "spec": fragment }), &origin);
        // Fragments carry no `$patch` directives, so the merge cannot fail.
        let _ = merge::merge(&mut self.doc, &overlay);
    }
}

fn at<'a>(node: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter().try_fold(node, |n, k| n.get(k))
}

fn field_path(keys: &[&str]) -> Path {
    keys.iter().copied().collect()
}

fn map(doc: &Node) -> Mapped {
    let outer = doc.origin.source.to_string();
    let top = Origin::new(doc.origin.source.clone(), doc.origin.line, doc.origin.col);
    let base = json!({"apiVersion": super::validate::API_VERSION, "kind": super::validate::KIND, "spec": {}});
    let mut b = Builder {
        doc: Node::from_json(&base, &top),
        outer,
    };
    let mut notes = Vec::new();
    let spec = doc.get("spec");
    let get = |keys: &[&str]| spec.and_then(|s| at(s, keys));
    let fp = |keys: &[&str]| {
        let mut p = field_path(&["spec"]);
        for k in keys {
            p.push(*k);
        }
        p
    };

    // spec.config: meshConfig, as meshConfigBuilder writes it.
    if let Some(n) = get(&["config", "numTrustedProxies"]).filter(|n| !is_null(n)) {
        b.put(
            json!({"meshConfig": {"defaultConfig": {"gatewayTopology": {"numTrustedProxies": n.to_json()}}}}),
            n,
            &fp(&["config", "numTrustedProxies"]),
        );
    }
    if let Some(auths) = get(&["config", "authorizers"])
        && let Kind::Seq(items) = &auths.kind
    {
        for (i, a) in items.iter().enumerate() {
            let path = fp(&["config", "authorizers"]).join(i);
            let name = a.get("name").map(Node::to_json).unwrap_or(Value::Null);
            // Appended after the default providers (kyma-traces, envoy, ...), as the module
            // appends; merged by name, so an authorizer named like an existing provider
            // changes that provider instead of adding a duplicate istiod would reject.
            for (key, value, node, field) in authorizer(a) {
                let mut p = path.clone();
                for k in field.split('.') {
                    p.push(k);
                }
                b.put(
                    json!({"meshConfig": {"extensionProviders": [{"name": name, "envoyExtAuthzHttp": {key: value}}]}}),
                    node,
                    &p,
                );
            }
            // Last, so the provider's name is the authorizer's name field's.
            b.put(
                json!({"meshConfig": {"extensionProviders": [{"name": name, "envoyExtAuthzHttp": {}}]}}),
                a.get("name").unwrap_or(a),
                &path.join("name"),
            );
        }
    }
    // Always written by the module (false when unset), so an Istio resource without it turns
    // Prometheus merge off, as on the module's clusters.
    let pm = get(&["config", "telemetry", "metrics", "prometheusMerge"]);
    b.put(
        json!({"meshConfig": {"enablePrometheusMerge": pm.and_then(|n| match n.kind { Kind::Bool(v) => Some(v), _ => None }).unwrap_or(false)}}),
        pm.unwrap_or(doc),
        &fp(&["config", "telemetry", "metrics", "prometheusMerge"]),
    );
    if let Some(n) = get(&["config", "forwardClientCertDetails"]).filter(|n| !is_null(n)) {
        b.put(
            json!({"meshConfig": {"defaultConfig": {"gatewayTopology": {"forwardClientCertDetails": n.to_json()}}}}),
            n,
            &fp(&["config", "forwardClientCertDetails"]),
        );
    }
    let ambient = get(&["experimental", "enableAmbient"]);
    let ambient_on = ambient.is_some_and(|n| matches!(n.kind, Kind::Bool(true)));
    if let (true, Some(n)) = (ambient_on, ambient) {
        b.put(
            json!({
                "meshConfig": {"defaultConfig": {"proxyMetadata": {"ISTIO_META_ENABLE_HBONE": "true"}}},
                "components": {"ztunnel": {"enabled": true}},
                "values": {"pilot": {"env": {"PILOT_ENABLE_AMBIENT": "true"}}, "cni": {"ambient": {"enabled": true}}}
            }),
            n,
            &fp(&["experimental", "enableAmbient"]),
        );
    }
    if let Some(n) = get(&["config", "trustDomain"]).filter(|n| !is_null(n)) {
        b.put(
            json!({"meshConfig": {"trustDomain": n.to_json()}}),
            n,
            &fp(&["config", "trustDomain"]),
        );
    }
    if let Some(n) = get(&["config", "enableDNSProxying"])
        && let Kind::Bool(v) = n.kind
    {
        b.put(
            json!({"meshConfig": {"defaultConfig": {"proxyMetadata": {"ISTIO_META_DNS_CAPTURE": v.to_string()}}}}),
            n,
            &fp(&["config", "enableDNSProxying"]),
        );
    }
    if let Some(n) = get(&["config", "proxyStatsMatcher", "inclusionRegexps"])
        && matches!(&n.kind, Kind::Seq(items) if !items.is_empty())
    {
        b.put(
            json!({"meshConfig": {"defaultConfig": {"proxyStatsMatcher": {"inclusionRegexps": n.to_json()}}}}),
            n,
            &fp(&["config", "proxyStatsMatcher", "inclusionRegexps"]),
        );
    }
    if let Some(n) = get(&["config", "gatewayExternalTrafficPolicy"]).filter(|n| !is_null(n)) {
        b.put(
            json!({"components": {"ingressGateways": [{"name": INGRESS, "k8s": {"overlays": [{
                "apiVersion": "v1", "kind": "Service", "name": INGRESS,
                "patches": [{"path": "spec.externalTrafficPolicy", "value": n.to_json()}]
            }]}}]}}),
            n,
            &fp(&["config", "gatewayExternalTrafficPolicy"]),
        );
    }

    // spec.components: mergeResources.
    for (cr, target) in [
        ("pilot", Target::Pilot),
        (
            "ingressGateway",
            Target::Gateway("ingressGateways", INGRESS),
        ),
        ("egressGateway", Target::Gateway("egressGateways", EGRESS)),
    ] {
        if let Some(k8s) = get(&["components", cr, "k8s"]) {
            k8s_settings(&mut b, k8s, &fp(&["components", cr, "k8s"]), &target);
        }
    }
    if let Some(n) = get(&["components", "egressGateway", "enabled"])
        && let Kind::Bool(v) = n.kind
    {
        b.put(
            json!({"components": {"egressGateways": [{"name": EGRESS, "enabled": v}]}}),
            n,
            &fp(&["components", "egressGateway", "enabled"]),
        );
    }
    // The gateways' names come from the component the resource names.
    for (cr, list, name) in [
        ("ingressGateway", "ingressGateways", INGRESS),
        ("egressGateway", "egressGateways", EGRESS),
    ] {
        if let Some(n) = get(&["components", cr]) {
            b.put(
                json!({"components": {list: [{"name": name}]}}),
                n,
                &fp(&["components", cr]),
            );
        }
    }
    if let Some(res) = get(&["components", "proxy", "k8s", "resources"]) {
        for_each_claim(res, |group, res_name, n| {
            b.put(
                json!({"values": {"global": {"proxy": {"resources": {group: {res_name: n.to_json()}}}}}}),
                n,
                &fp(&["components", "proxy", "k8s", "resources", group, res_name]),
            );
        });
    }
    if let Some(cni) = get(&["components", "cni"]) {
        // The module replaces components.cni whole with {enabled: true} before it copies the
        // resource's affinity and resources, so the default's namespace, overlays and the
        // settings the resource leaves out are lost there. kyma-mesh merges instead: what the
        // resource says wins, the rest of the chosen defaults stays.
        b.put(
            json!({"components": {"cni": {"enabled": true}}}),
            cni,
            &fp(&["components", "cni"]),
        );
        if let Some(aff) = at(cni, &["k8s", "affinity"]).filter(|n| !is_null(n)) {
            b.put(
                json!({"components": {"cni": {"k8s": {"affinity": aff.to_json()}}}}),
                aff,
                &fp(&["components", "cni", "k8s", "affinity"]),
            );
        }
        if let Some(res) = at(cni, &["k8s", "resources"]) {
            for_each_claim(res, |group, res_name, n| {
                b.put(
                    json!({"components": {"cni": {"k8s": {"resources": {group: {res_name: n.to_json()}}}}}}),
                    n,
                    &fp(&["components", "cni", "k8s", "resources", group, res_name]),
                );
            });
        }
    } else if let (true, Some(n)) = (ambient_on, ambient) {
        // Ambient needs the CNI node agent (values.cni.ambient above).
        b.put(
            json!({"components": {"cni": {"enabled": true}}}),
            n,
            &fp(&["experimental", "enableAmbient"]),
        );
    }

    // spec.experimental.pilot: internal/istiooperator/merge.go (the module's experimental
    // build), istiod environment variables.
    for (key, env) in [
        ("enableAlphaGatewayAPI", "PILOT_ENABLE_ALPHA_GATEWAY_API"),
        (
            "enableMultiNetworkDiscoverGatewayAPI",
            "PILOT_MULTI_NETWORK_DISCOVER_GATEWAY_API",
        ),
    ] {
        if let Some(n) = get(&["experimental", "pilot", key])
            && matches!(n.kind, Kind::Bool(true))
        {
            b.put(
                json!({"components": {"pilot": {"k8s": {"env": [{"name": env, "value": "true"}]}}}}),
                n,
                &fp(&["experimental", "pilot", key]),
            );
        }
    }
    // spec.compatibilityMode: compatibility_mode.go's PilotCompatibilityEnvVars (its proxy
    // metadata list is empty).
    if let Some(n) = get(&["compatibilityMode"])
        && matches!(n.kind, Kind::Bool(true))
    {
        for (name, value) in COMPATIBILITY_ENV {
            b.put(
                json!({"components": {"pilot": {"k8s": {"env": [{"name": name, "value": value}]}}}}),
                n,
                &fp(&["compatibilityMode"]),
            );
        }
    }
    if let Some(n) = get(&["networkPoliciesEnabled"])
        && matches!(n.kind, Kind::Bool(true))
    {
        notes.push(Problem {
            severity: Severity::Warning,
            origin: n.origin.clone(),
            path: fp(&["networkPoliciesEnabled"]),
            message: "the module installs its NetworkPolicies itself; nothing in the IstioOperator expresses them, so kyma-mesh ignores this field".into(),
        });
    }
    Mapped { doc: b.doc, notes }
}

/// `compatibility_mode.go`'s `PilotCompatibilityEnvVars`.
pub const COMPATIBILITY_ENV: &[(&str, &str)] =
    &[("PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE", "false")];

fn is_null(n: &Node) -> bool {
    matches!(n.kind, Kind::Null)
}

enum Target {
    Pilot,
    /// The list (`ingressGateways`) and the gateway's name.
    Gateway(&'static str, &'static str),
}

impl Target {
    fn wrap(&self, k8s: Value) -> Value {
        match self {
            Target::Pilot => json!({"components": {"pilot": {"k8s": k8s}}}),
            Target::Gateway(list, name) => {
                json!({"components": {*list: [{"name": name, "k8s": k8s}]}})
            }
        }
    }
}

/// `mergeK8sConfig`: resources, HPA bounds, rolling-update strategy.
fn k8s_settings(b: &mut Builder, k8s: &Node, path: &Path, target: &Target) {
    if let Some(res) = k8s.get("resources") {
        for_each_claim(res, |group, res_name, n| {
            let p = path.join("resources").join(group).join(res_name);
            b.put(
                target.wrap(json!({"resources": {group: {res_name: n.to_json()}}})),
                n,
                &p,
            );
        });
    }
    for key in ["minReplicas", "maxReplicas"] {
        if let Some(n) = at(k8s, &["hpaSpec", key]).filter(|n| !is_null(n)) {
            b.put(
                target.wrap(json!({"hpaSpec": {key: n.to_json()}})),
                n,
                &path.join("hpaSpec").join(key),
            );
        }
    }
    for key in ["maxSurge", "maxUnavailable"] {
        if let Some(n) = at(k8s, &["strategy", "rollingUpdate", key]).filter(|n| !is_null(n)) {
            b.put(
                target.wrap(json!({"strategy": {"rollingUpdate": {key: n.to_json()}}})),
                n,
                &path.join("strategy").join("rollingUpdate").join(key),
            );
        }
    }
}

fn for_each_claim(res: &Node, mut each: impl FnMut(&'static str, &'static str, &Node)) {
    for group in ["limits", "requests"] {
        for name in ["cpu", "memory"] {
            if let Some(n) = at(res, &[group, name]).filter(|n| !is_null(n)) {
                each(group, name, n);
            }
        }
    }
}

/// One authorizer as the module writes it: the `envoyExtAuthzHttp` fields of its extension
/// provider (protojson names; empty strings and zero ports left out, as proto3 does), each with
/// the node and the field (under the authorizer) that set it.
fn authorizer(a: &Node) -> Vec<(&'static str, Value, &Node, &'static str)> {
    let mut out = Vec::new();
    for (key, field) in [("service", "service"), ("pathPrefix", "pathPrefix")] {
        if let Some(n) = a.get(field)
            && n.as_str().is_some_and(|s| !s.is_empty())
        {
            out.push((key, n.to_json(), n, field));
        }
    }
    if let Some(n) = a.get("port").filter(|p| p.to_json() != json!(0)) {
        out.push(("port", n.to_json(), n, "port"));
    }
    if let Some(n) = a.get("timeout")
        && let Some(Ok(secs)) = n.as_str().map(parse_go_duration)
    {
        // The module keeps whole seconds only (Duration{Seconds: int64(...)}), turning 500ms
        // into 0s; kyma-mesh keeps the milliseconds the user wrote.
        out.push(("timeout", json!(proto_duration(secs)), n, "timeout"));
    }
    for (key, keys, field) in [
        (
            "includeRequestHeadersInCheck",
            &["inCheck", "include"],
            "headers.inCheck.include",
        ),
        (
            "includeAdditionalHeadersInCheck",
            &["inCheck", "add"],
            "headers.inCheck.add",
        ),
        (
            "headersToUpstreamOnAllow",
            &["toUpstream", "onAllow"],
            "headers.toUpstream.onAllow",
        ),
        (
            "headersToDownstreamOnAllow",
            &["toDownstream", "onAllow"],
            "headers.toDownstream.onAllow",
        ),
        (
            "headersToDownstreamOnDeny",
            &["toDownstream", "onDeny"],
            "headers.toDownstream.onDeny",
        ),
    ] {
        let Some(n) = a.get("headers").and_then(|h| at(h, keys)) else {
            continue;
        };
        let v = n.to_json();
        let empty = match &v {
            Value::Array(x) => x.is_empty(),
            Value::Object(x) => x.is_empty(),
            _ => true,
        };
        if !empty {
            out.push((key, v, n, field));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Out: the difference from the defaults -> Istio.

/// `render --output istio-cr`: the resource, and every changed path it cannot express.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub resource: Value,
    /// One line per changed IstioOperator path (in `--set` syntax) left out.
    pub unexpressed: Vec<String>,
}

/// The `Istio` resource expressing what `rendered` changes against `defaults` (both whole
/// IstioOperators). Values the CRD would refuse stay out, named in `unexpressed`.
pub fn export(defaults: &Value, rendered: &Value) -> Exported {
    let before = &defaults["spec"];
    let after = &rendered["spec"];
    let changed = changed_paths(before, after);
    let mut cr = Map::new();
    let mut consumed: Vec<String> = Vec::new();
    let differs = |p: &str| {
        changed
            .iter()
            .any(|c| c == p || c.starts_with(&format!("{p}.")) || c.starts_with(&format!("{p}[")))
    };
    let get = |v: &Value, p: &str| -> Option<Value> { lookup(v, p).cloned() };

    // Scalars with a one-to-one field.
    let scalar =
        |cr: &mut Map<String, Value>, io: &str, crp: &[&str], consumed: &mut Vec<String>| {
            if differs(io)
                && let Some(v) = get(after, io)
                && fits(crp, &v)
            {
                set_at(cr, crp, v);
                consumed.push(io.to_string());
            }
        };
    scalar(
        &mut cr,
        "meshConfig.defaultConfig.gatewayTopology.numTrustedProxies",
        &["config", "numTrustedProxies"],
        &mut consumed,
    );
    scalar(
        &mut cr,
        "meshConfig.defaultConfig.gatewayTopology.forwardClientCertDetails",
        &["config", "forwardClientCertDetails"],
        &mut consumed,
    );
    scalar(
        &mut cr,
        "meshConfig.trustDomain",
        &["config", "trustDomain"],
        &mut consumed,
    );
    scalar(
        &mut cr,
        "meshConfig.enablePrometheusMerge",
        &["config", "telemetry", "metrics", "prometheusMerge"],
        &mut consumed,
    );
    scalar(
        &mut cr,
        "meshConfig.defaultConfig.proxyStatsMatcher.inclusionRegexps",
        &["config", "proxyStatsMatcher", "inclusionRegexps"],
        &mut consumed,
    );
    let dns = "meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE";
    if differs(dns)
        && let Some(Value::String(s)) = get(after, dns)
        && (s == "true" || s == "false")
    {
        set_at(
            &mut cr,
            &["config", "enableDNSProxying"],
            json!(s == "true"),
        );
        consumed.push(dns.into());
    }
    // Authorizers: extension providers the defaults lack, holding only envoyExtAuthzHttp.
    if let Some(Value::Array(providers)) = get(after, "meshConfig.extensionProviders") {
        let old = get(before, "meshConfig.extensionProviders");
        let mut auths = Vec::new();
        for p in &providers {
            let name = p["name"].as_str().unwrap_or_default();
            let existed = old
                .as_ref()
                .and_then(Value::as_array)
                .is_some_and(|o| o.iter().any(|x| x["name"] == p["name"]));
            if existed {
                continue;
            }
            if let Some(a) = authorizer_back(p) {
                auths.push(a);
                consumed.push(format!("meshConfig.extensionProviders[name:{name}]"));
            }
        }
        if !auths.is_empty() {
            set_at(&mut cr, &["config", "authorizers"], Value::Array(auths));
        }
    }
    // gatewayExternalTrafficPolicy: the Service overlay the module writes.
    let overlays = format!("components.ingressGateways[name:{INGRESS}].k8s.overlays");
    if differs(&overlays)
        && let Some(Value::Array(items)) = get(after, &overlays)
    {
        let svc = items
            .iter()
            .find(|o| o["kind"] == "Service" && o["name"] == INGRESS);
        if let Some(policy) = svc.and_then(traffic_policy)
            && fits(&["config", "gatewayExternalTrafficPolicy"], &policy)
        {
            let others_same = items.iter().filter(|o| o["kind"] != "Service").count()
                == get(before, &overlays)
                    .and_then(|b| b.as_array().map(Vec::len))
                    .unwrap_or(0);
            if others_same {
                set_at(&mut cr, &["config", "gatewayExternalTrafficPolicy"], policy);
                consumed.push(format!("{overlays}[name:{INGRESS}]"));
                // With no overlays before, the diff names the new list as a whole.
                if get(before, &overlays).is_none() {
                    consumed.push(overlays.clone());
                }
            }
        }
    }
    // Components' Kubernetes settings.
    for (io, cr_name) in [
        ("components.pilot.k8s".to_string(), "pilot"),
        (
            format!("components.ingressGateways[name:{INGRESS}].k8s"),
            "ingressGateway",
        ),
        (
            format!("components.egressGateways[name:{EGRESS}].k8s"),
            "egressGateway",
        ),
    ] {
        for (sub, crp) in [
            ("resources.limits.cpu", &["resources", "limits", "cpu"][..]),
            (
                "resources.limits.memory",
                &["resources", "limits", "memory"],
            ),
            ("resources.requests.cpu", &["resources", "requests", "cpu"]),
            (
                "resources.requests.memory",
                &["resources", "requests", "memory"],
            ),
            ("hpaSpec.minReplicas", &["hpaSpec", "minReplicas"]),
            ("hpaSpec.maxReplicas", &["hpaSpec", "maxReplicas"]),
            (
                "strategy.rollingUpdate.maxSurge",
                &["strategy", "rollingUpdate", "maxSurge"],
            ),
            (
                "strategy.rollingUpdate.maxUnavailable",
                &["strategy", "rollingUpdate", "maxUnavailable"],
            ),
        ] {
            let mut full = vec!["components", cr_name, "k8s"];
            full.extend_from_slice(crp);
            scalar(&mut cr, &format!("{io}.{sub}"), &full, &mut consumed);
        }
    }
    let egress_enabled = format!("components.egressGateways[name:{EGRESS}].enabled");
    scalar(
        &mut cr,
        &egress_enabled,
        &["components", "egressGateway", "enabled"],
        &mut consumed,
    );
    if changed.contains(&format!("components.egressGateways[name:{EGRESS}].name")) {
        consumed.push(format!("components.egressGateways[name:{EGRESS}].name"));
    }
    let cni_on = get(after, "components.cni.enabled") == Some(json!(true));
    for group in ["limits", "requests"] {
        for res in ["cpu", "memory"] {
            scalar(
                &mut cr,
                &format!("values.global.proxy.resources.{group}.{res}"),
                &["components", "proxy", "k8s", "resources", group, res],
                &mut consumed,
            );
            // The resource turns CNI on whenever it names it: CNI settings of a disabled CNI
            // cannot be said.
            if cni_on {
                scalar(
                    &mut cr,
                    &format!("components.cni.k8s.resources.{group}.{res}"),
                    &["components", "cni", "k8s", "resources", group, res],
                    &mut consumed,
                );
            }
        }
    }
    if cni_on {
        scalar(
            &mut cr,
            "components.cni.k8s.affinity",
            &["components", "cni", "k8s", "affinity"],
            &mut consumed,
        );
    }
    if differs("components.cni.enabled")
        && get(after, "components.cni.enabled") == Some(json!(true))
    {
        consumed.push("components.cni.enabled".into());
    }
    // The Istio resource enables CNI whenever it names components.cni.
    if get(after, "components.cni.enabled") == Some(json!(true))
        && (differs("components.cni.enabled")
            || cr.get("components").and_then(|c| c.get("cni")).is_some())
    {
        let k8s = cr
            .get("components")
            .and_then(|c| c.get("cni"))
            .and_then(|c| c.get("k8s"))
            .cloned()
            .unwrap_or_else(|| json!({}));
        set_at(&mut cr, &["components", "cni", "k8s"], k8s);
    }
    // The components an IstioOperator writes as required `k8s` maps.
    for name in ["pilot", "ingressGateway", "proxy"] {
        if let Some(c) = cr.get("components").and_then(|c| c.get(name))
            && c.get("k8s").is_none()
        {
            set_at(&mut cr, &["components", name, "k8s"], json!({}));
        }
    }
    // Ambient: the four values the module writes for experimental.enableAmbient.
    let ambient = [
        ("components.ztunnel.enabled", json!(true)),
        ("values.pilot.env.PILOT_ENABLE_AMBIENT", json!("true")),
        ("values.cni.ambient.enabled", json!(true)),
        (
            "meshConfig.defaultConfig.proxyMetadata.ISTIO_META_ENABLE_HBONE",
            json!("true"),
        ),
    ];
    if ambient
        .iter()
        .all(|(p, v)| differs(p) && get(after, p).as_ref() == Some(v))
    {
        set_at(&mut cr, &["experimental", "enableAmbient"], json!(true));
        consumed.extend(ambient.iter().map(|(p, _)| p.to_string()));
        if differs("components.cni.enabled") {
            consumed.push("components.cni.enabled".into());
        }
    }
    // Pilot environment the module writes for experimental.pilot and compatibilityMode.
    let env_path = "components.pilot.k8s.env";
    let env_value = |name: &str| -> Option<Value> {
        get(after, env_path)?
            .as_array()?
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].clone())
    };
    for (name, value, crp) in [
        (
            "PILOT_ENABLE_ALPHA_GATEWAY_API",
            "true",
            &["experimental", "pilot", "enableAlphaGatewayAPI"][..],
        ),
        (
            "PILOT_MULTI_NETWORK_DISCOVER_GATEWAY_API",
            "true",
            &[
                "experimental",
                "pilot",
                "enableMultiNetworkDiscoverGatewayAPI",
            ],
        ),
    ] {
        let p = format!("{env_path}[name:{name}]");
        if differs(&p) && env_value(name) == Some(json!(value)) {
            set_at(&mut cr, crp, json!(true));
            consumed.push(p);
        }
    }
    let compat: Vec<String> = COMPATIBILITY_ENV
        .iter()
        .map(|(n, _)| format!("{env_path}[name:{n}]"))
        .collect();
    if COMPATIBILITY_ENV
        .iter()
        .zip(&compat)
        .all(|((n, v), p)| differs(p) && env_value(n) == Some(json!(v)))
    {
        set_at(&mut cr, &["compatibilityMode"], json!(true));
        consumed.extend(compat);
    }

    let left: Vec<&String> = changed
        .iter()
        .filter(|c| {
            !consumed.iter().any(|p| {
                *c == p || c.starts_with(&format!("{p}.")) || c.starts_with(&format!("{p}["))
            })
        })
        .collect();
    // A named item added or removed whole is one path, not one per leaf: its `name` changed.
    let whole: Vec<&str> = left
        .iter()
        .filter_map(|c| c.strip_suffix(".name"))
        .filter(|p| p.ends_with(']') && p.contains("[name:"))
        .collect();
    let mut unexpressed: Vec<String> = Vec::new();
    for c in left {
        let item = whole
            .iter()
            .find(|w| c.starts_with(&format!("{w}.")) || c.starts_with(&format!("{w}[")));
        let path = format!("spec.{}", item.map_or(c.as_str(), |w| *w));
        if !unexpressed.contains(&path) {
            unexpressed.push(path);
        }
    }
    let mut resource = json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": "default", "namespace": "kyma-system"},
    });
    if !cr.is_empty() {
        resource["spec"] = Value::Object(cr);
    }
    Exported {
        resource,
        unexpressed,
    }
}

/// The changed leaf paths under `spec` (diff.rs's syntax, without `spec.`), sorted: named
/// lists by name, other lists whole.
fn changed_paths(before: &Value, after: &Value) -> BTreeSet<String> {
    super::diff::leaf_changes(before, after)
        .into_iter()
        .map(|c| c.path)
        .collect()
}

/// Follows a diff-syntax path (`a.b[name:x].c`); keys holding dots are not used here.
fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = v;
    for part in split_path(path) {
        node = match part {
            Step::Key(k) => node.get(&k)?,
            Step::Select { key, value } => node
                .as_array()?
                .iter()
                .find(|i| i[&key] == value.as_str())?,
            Step::Index(i) => node.get(i)?,
        };
    }
    Some(node)
}

fn split_path(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for seg in path.split('.') {
        let (key, selects) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key.to_string()));
        }
        for sel in selects.split('[').filter(|s| !s.is_empty()) {
            let sel = sel.trim_end_matches(']');
            if let Some((k, v)) = sel.split_once(':') {
                out.push(Step::Select {
                    key: k.to_string(),
                    value: v.to_string(),
                });
            }
        }
    }
    out
}

/// Whether `value` passes the CRD's check for the field at `cr_path` (under `spec`).
fn fits(cr_path: &[&str], value: &Value) -> bool {
    let mut ty = &SPEC;
    for k in cr_path {
        let Ty::Obj(fields) = ty else { return false };
        let Some(fd) = fields.iter().find(|fd| fd.name == *k) else {
            return false;
        };
        ty = &fd.ty;
    }
    let origin = Origin::new(Arc::new(SourceKind::Flag("export".into())), 0, 0);
    let mut out = Vec::new();
    Checker { out: &mut out }.check(&Node::from_json(value, &origin), ty, &mut Path::new());
    out.is_empty() && !value.is_null()
}

fn traffic_policy(overlay: &Value) -> Option<Value> {
    let patches = overlay["patches"].as_array()?;
    if overlay["apiVersion"] != "v1" || patches.len() != 1 || overlay.as_object()?.len() != 4 {
        return None;
    }
    let p = &patches[0];
    (p["path"] == "spec.externalTrafficPolicy").then(|| p["value"].clone())
}

/// An `envoyExtAuthzHttp` provider as an authorizer; None when it holds anything the
/// resource cannot say.
fn authorizer_back(p: &Value) -> Option<Value> {
    let obj = p.as_object()?;
    if obj.len() != 2 {
        return None;
    }
    let http = p.get("envoyExtAuthzHttp")?.as_object()?;
    let mut a = Map::new();
    a.insert("name".into(), p["name"].clone());
    let mut headers = Map::new();
    for (k, v) in http {
        match k.as_str() {
            "service" | "pathPrefix" => {
                a.insert(k.clone(), v.clone());
            }
            "port" => {
                a.insert(k.clone(), v.clone());
            }
            "timeout" => {
                let s = v.as_str()?;
                let secs: f64 = s.strip_suffix('s')?.parse().ok()?;
                let ms = (secs * 1000.0).round() as i64;
                a.insert(
                    "timeout".into(),
                    json!(if ms % 1000 == 0 {
                        format!("{}s", ms / 1000)
                    } else {
                        format!("{ms}ms")
                    }),
                );
            }
            "includeRequestHeadersInCheck" => {
                insert_at(&mut headers, &["inCheck", "include"], v.clone())
            }
            "includeAdditionalHeadersInCheck" => {
                insert_at(&mut headers, &["inCheck", "add"], v.clone())
            }
            "headersToUpstreamOnAllow" => {
                insert_at(&mut headers, &["toUpstream", "onAllow"], v.clone())
            }
            "headersToDownstreamOnAllow" => {
                insert_at(&mut headers, &["toDownstream", "onAllow"], v.clone())
            }
            "headersToDownstreamOnDeny" => {
                insert_at(&mut headers, &["toDownstream", "onDeny"], v.clone())
            }
            _ => return None,
        }
    }
    if !a.contains_key("port") {
        return None;
    }
    if !headers.is_empty() {
        a.insert("headers".into(), Value::Object(headers));
    }
    let a = Value::Object(a);
    fits(&["config", "authorizers"], &json!([a])).then_some(a)
}

fn set_at(cr: &mut Map<String, Value>, cr_path: &[&str], value: Value) {
    let mut node = cr;
    for k in &cr_path[..cr_path.len() - 1] {
        node = node
            .entry(k.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("built as maps");
    }
    node.insert(cr_path[cr_path.len() - 1].to_string(), value);
}

fn insert_at(m: &mut Map<String, Value>, keys: &[&str], v: Value) {
    let inner = m
        .entry(keys[0].to_string())
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("built as maps");
    inner.insert(keys[1].to_string(), v);
}

#[cfg(test)]
mod tests {
    //! Cases from the module's own tests (api/v1alpha2/merge_test.go,
    //! internal/istiooperator/merge_test.go) and sample (config/samples), with the
    //! IstioOperator values the module's code writes for them.
    use super::*;
    use crate::config::tree::parse_documents;
    use crate::config::{OverrideInput, Profile, RenderRequest, render};

    const HEAD: &str = "apiVersion: operator.kyma-project.io/v1alpha2\nkind: Istio\nmetadata:\n  name: default\n  namespace: kyma-system\n";

    fn cr(spec: &str) -> String {
        let indented: String = spec.lines().map(|l| format!("  {l}\n")).collect();
        format!("{HEAD}spec:\n{indented}")
    }

    /// The IstioOperator `profile` renders with the resource merged.
    fn render_on(profile: Profile, text: &str) -> Value {
        let mut req = RenderRequest::new(profile);
        req.overrides.push(OverrideInput::Text {
            source: SourceKind::File("istio.yaml".into()),
            text: text.to_string(),
        });
        match render(&req) {
            Ok(r) => r.to_json(),
            Err(e) => panic!("{e}"),
        }
    }

    fn spec_of(profile: Profile, spec: &str) -> Value {
        render_on(profile, &cr(spec))["spec"].clone()
    }

    fn provider<'a>(spec: &'a Value, name: &str) -> &'a Value {
        spec["meshConfig"]["extensionProviders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no provider {name}"))
    }

    fn invalid(text: &str) -> Vec<String> {
        let src = Arc::new(SourceKind::File("istio.yaml".into()));
        let doc = parse_documents(text, &src, 0, 0).unwrap().remove(0);
        match to_operator(&doc) {
            Err(ConfigError::InvalidIstio(p)) => p.iter().map(ToString::to_string).collect(),
            Err(e) => panic!("expected a CRD finding, got {e}"),
            Ok(_) => panic!("accepted: {text}"),
        }
    }

    #[test]
    fn the_modules_sample_changes_nothing_but_prometheus_merge() {
        // config/samples/operator_v1alpha2_istio.yaml: metadata only.
        let sample = format!(
            "{HEAD}  labels:\n    app.kubernetes.io/name: default\n    kyma-project.io/module: istio\n"
        );
        let plain = render(&RenderRequest::new(Profile::Module))
            .unwrap()
            .to_json();
        assert_eq!(render_on(Profile::Module, &sample), plain);
    }

    #[test]
    fn authorizers_become_ext_authz_providers_after_the_defaults() {
        let spec = spec_of(
            Profile::Module,
            "config:\n  authorizers:\n  - {name: test-authorizer, service: xauth, port: 1337}\n  - {name: second, service: xauth2, port: 1338, pathPrefix: /check, timeout: 1s}\n",
        );
        let names: Vec<&str> = spec["meshConfig"]["extensionProviders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "kyma-traces",
                "envoy",
                "stdout-json",
                "kyma-logs",
                "test-authorizer",
                "second"
            ]
        );
        assert_eq!(
            provider(&spec, "test-authorizer"),
            &json!({"name": "test-authorizer", "envoyExtAuthzHttp": {"service": "xauth", "port": 1337}})
        );
        assert_eq!(
            provider(&spec, "second")["envoyExtAuthzHttp"],
            json!({"service": "xauth2", "port": 1338, "pathPrefix": "/check", "timeout": "1s"})
        );
    }

    #[test]
    fn authorizer_headers_and_timeouts() {
        let spec = spec_of(
            Profile::Cluster,
            "config:\n  authorizers:\n  - name: test-authorizer\n    service: xauth\n    port: 1337\n    timeout: 1m30s\n    headers:\n      inCheck:\n        include: [authorization, test]\n        add: {a: a, b: b}\n      toUpstream:\n        onAllow: [c, d]\n      toDownstream:\n        onAllow: [da, db]\n        onDeny: [dc, dd]\n",
        );
        assert_eq!(
            provider(&spec, "test-authorizer")["envoyExtAuthzHttp"],
            json!({
                "service": "xauth", "port": 1337, "timeout": "90s",
                "includeRequestHeadersInCheck": ["authorization", "test"],
                "includeAdditionalHeadersInCheck": {"a": "a", "b": "b"},
                "headersToUpstreamOnAllow": ["c", "d"],
                "headersToDownstreamOnAllow": ["da", "db"],
                "headersToDownstreamOnDeny": ["dc", "dd"],
            })
        );
        // The module keeps whole seconds (500ms -> 0s); kyma-mesh keeps what was written.
        let spec = spec_of(
            Profile::Cluster,
            "config:\n  authorizers:\n  - {name: a, service: s, port: 1, timeout: 500ms}\n",
        );
        assert_eq!(
            provider(&spec, "a")["envoyExtAuthzHttp"]["timeout"],
            "0.500s"
        );
    }

    #[test]
    fn gateway_topology_trust_domain_dns_and_stats() {
        let spec = spec_of(
            Profile::Module,
            "config:\n  numTrustedProxies: 5\n  forwardClientCertDetails: APPEND_FORWARD\n  trustDomain: trusted.com\n  enableDNSProxying: true\n  proxyStatsMatcher:\n    inclusionRegexps: ['.*outlier_detection.*', '.*upstream_rq_retry.*']\n",
        );
        let dc = &spec["meshConfig"]["defaultConfig"];
        assert_eq!(
            dc["gatewayTopology"],
            json!({"numTrustedProxies": 5, "forwardClientCertDetails": "APPEND_FORWARD"})
        );
        assert_eq!(spec["meshConfig"]["trustDomain"], "trusted.com");
        assert_eq!(dc["proxyMetadata"]["ISTIO_META_DNS_CAPTURE"], "true");
        // The module's own proxy metadata stays.
        assert_eq!(dc["proxyMetadata"]["WORKLOAD_RSA_KEY_SIZE"], "3072");
        assert_eq!(
            dc["proxyStatsMatcher"]["inclusionRegexps"],
            json!([".*outlier_detection.*", ".*upstream_rq_retry.*"])
        );
        let spec = spec_of(Profile::Module, "config:\n  enableDNSProxying: false\n");
        assert_eq!(
            spec["meshConfig"]["defaultConfig"]["proxyMetadata"]["ISTIO_META_DNS_CAPTURE"],
            "false"
        );
        // Not set: not written; empty inclusion list: not written.
        let spec = spec_of(
            Profile::Module,
            "config:\n  proxyStatsMatcher: {inclusionRegexps: []}\n",
        );
        let dc = &spec["meshConfig"]["defaultConfig"];
        assert!(dc["proxyMetadata"].get("ISTIO_META_DNS_CAPTURE").is_none());
        assert!(dc.get("proxyStatsMatcher").is_none());
        assert!(dc.get("gatewayTopology").is_none());
        assert_eq!(spec["meshConfig"]["trustDomain"], "cluster.local");
    }

    #[test]
    fn prometheus_merge_is_always_written() {
        let spec = spec_of(
            Profile::Cluster,
            "config:\n  telemetry:\n    metrics:\n      prometheusMerge: true\n",
        );
        assert_eq!(spec["meshConfig"]["enablePrometheusMerge"], true);
        // An earlier override turning it on is undone by a resource that says nothing, as
        // MergeInto writes the field's zero value.
        let mut req = RenderRequest::new(Profile::Cluster);
        req.sets.clear();
        req.overrides.push(OverrideInput::Text {
            source: SourceKind::File("on.yaml".into()),
            text: "kind: IstioOperator\napiVersion: install.istio.io/v1alpha1\nspec:\n  meshConfig:\n    enablePrometheusMerge: true\n".into(),
        });
        req.overrides.push(OverrideInput::Text {
            source: SourceKind::File("istio.yaml".into()),
            text: cr("config: {}\n"),
        });
        assert_eq!(
            render(&req).unwrap().to_json()["spec"]["meshConfig"]["enablePrometheusMerge"],
            false
        );
    }

    #[test]
    fn external_traffic_policy_is_a_service_overlay_beside_the_deployment_one() {
        for policy in ["Local", "Cluster"] {
            let spec = spec_of(
                Profile::Module,
                &format!("config:\n  gatewayExternalTrafficPolicy: {policy}\n"),
            );
            let gw = &spec["components"]["ingressGateways"][0];
            assert_eq!(gw["name"], INGRESS);
            let overlays = gw["k8s"]["overlays"].as_array().unwrap();
            assert_eq!(overlays.len(), 2, "{overlays:?}");
            assert_eq!(overlays[0]["kind"], "Deployment");
            assert_eq!(
                overlays[1],
                json!({"apiVersion": "v1", "kind": "Service", "name": INGRESS,
                    "patches": [{"path": "spec.externalTrafficPolicy", "value": policy}]})
            );
        }
    }

    #[test]
    fn ambient_enables_ztunnel_cni_and_hbone() {
        let spec = spec_of(Profile::Cluster, "experimental:\n  enableAmbient: true\n");
        assert_eq!(spec["components"]["ztunnel"]["enabled"], true);
        assert_eq!(spec["components"]["cni"]["enabled"], true);
        assert_eq!(
            spec["values"]["pilot"]["env"]["PILOT_ENABLE_AMBIENT"],
            "true"
        );
        assert_eq!(spec["values"]["cni"]["ambient"]["enabled"], true);
        assert_eq!(
            spec["meshConfig"]["defaultConfig"]["proxyMetadata"]["ISTIO_META_ENABLE_HBONE"],
            "true"
        );
        let spec = spec_of(Profile::Cluster, "experimental:\n  enableAmbient: false\n");
        assert!(spec["components"].get("ztunnel").is_none());
    }

    #[test]
    fn component_resources_hpa_and_strategy() {
        let spec = spec_of(
            Profile::Module,
            "components:\n  pilot:\n    k8s:\n      resources:\n        limits: {cpu: 500m, memory: 500Mi}\n        requests: {cpu: 250m, memory: 250Mi}\n      hpaSpec: {maxReplicas: 5, minReplicas: 2}\n  ingressGateway:\n    k8s:\n      strategy:\n        rollingUpdate: {maxUnavailable: 50%, maxSurge: 5}\n      resources:\n        requests: {cpu: 500m}\n  egressGateway:\n    enabled: true\n    k8s:\n      resources:\n        limits: {cpu: 500m, memory: 500Mi}\n",
        );
        let pilot = &spec["components"]["pilot"]["k8s"];
        assert_eq!(
            pilot["resources"],
            json!({"limits": {"cpu": "500m", "memory": "500Mi"}, "requests": {"cpu": "250m", "memory": "250Mi"}})
        );
        assert_eq!(pilot["hpaSpec"]["maxReplicas"], 5);
        assert_eq!(pilot["hpaSpec"]["minReplicas"], 2);
        // The rest of the module's HPA stays.
        assert_eq!(pilot["hpaSpec"]["scaleTargetRef"]["name"], "istiod");
        let ingress = &spec["components"]["ingressGateways"][0]["k8s"];
        assert_eq!(
            ingress["strategy"]["rollingUpdate"],
            json!({"maxSurge": 5, "maxUnavailable": "50%"})
        );
        assert_eq!(ingress["resources"]["requests"]["cpu"], "500m");
        assert_eq!(ingress["resources"]["requests"]["memory"], "128Mi");
        let egress = &spec["components"]["egressGateways"][0];
        assert_eq!(egress["name"], EGRESS);
        assert_eq!(egress["enabled"], true);
        assert_eq!(
            egress["k8s"]["resources"]["limits"],
            json!({"cpu": "500m", "memory": "500Mi"})
        );
    }

    #[test]
    fn proxy_resources_go_to_global_proxy_values() {
        let spec = spec_of(
            Profile::Module,
            "components:\n  proxy:\n    k8s:\n      resources:\n        requests: {cpu: 30m, memory: 190Mi}\n        limits: {cpu: 700m, memory: 700Mi}\n",
        );
        assert_eq!(
            spec["values"]["global"]["proxy"]["resources"],
            json!({"limits": {"cpu": "700m", "memory": "700Mi"}, "requests": {"cpu": "30m", "memory": "190Mi"}})
        );
    }

    #[test]
    fn cni_settings_merge_instead_of_replacing_the_component() {
        let spec = spec_of(
            Profile::Module,
            "components:\n  cni:\n    k8s:\n      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: kubernetes.io/os, operator: In, values: [linux]}\n      resources:\n        requests: {cpu: 50m, memory: 100Mi}\n",
        );
        let cni = &spec["components"]["cni"];
        assert_eq!(cni["enabled"], true);
        assert_eq!(
            cni["k8s"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
                ["nodeSelectorTerms"][0]["matchExpressions"][0]["key"],
            "kubernetes.io/os"
        );
        assert_eq!(
            cni["k8s"]["resources"]["requests"],
            json!({"cpu": "50m", "memory": "100Mi"})
        );
        // What the module would drop stays: its limits, namespace, overlay, anti-affinity.
        assert_eq!(cni["k8s"]["resources"]["limits"]["memory"], "1024Mi");
        assert_eq!(cni["namespace"], "istio-system");
        assert_eq!(cni["k8s"]["overlays"][0]["kind"], "DaemonSet");
        assert!(cni["k8s"]["affinity"]["podAntiAffinity"].is_object());
    }

    #[test]
    fn pilot_environment_for_experimental_features_and_compatibility_mode() {
        let spec = spec_of(
            Profile::Module,
            "compatibilityMode: true\nexperimental:\n  pilot:\n    enableAlphaGatewayAPI: true\n    enableMultiNetworkDiscoverGatewayAPI: true\n",
        );
        let env = &spec["components"]["pilot"]["k8s"]["env"];
        let names: Vec<&str> = env
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "PILOT_HTTP10",
                "DISABLE_TRACK_REMAINING_CB_METRICS",
                "ENABLE_DEBUG_ENDPOINT_AUTH",
                "PILOT_ENABLE_ALPHA_GATEWAY_API",
                "PILOT_MULTI_NETWORK_DISCOVER_GATEWAY_API",
                "PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE",
            ]
        );
        assert_eq!(env[5]["value"], "false");
        assert_eq!(env[3]["value"], "true");
    }

    #[test]
    fn network_policies_are_said_not_mapped() {
        let mut req = RenderRequest::new(Profile::Module);
        req.overrides.push(OverrideInput::Text {
            source: SourceKind::File("istio.yaml".into()),
            text: cr("networkPoliciesEnabled: true\n"),
        });
        let r = render(&req).unwrap();
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0]
                .to_string()
                .starts_with("istio.yaml:7:27: spec.networkPoliciesEnabled: the module installs"),
            "{}",
            r.warnings[0]
        );
        assert_eq!(r.sources.last().unwrap(), "istio.yaml (Istio default)");
    }

    #[test]
    fn every_value_names_the_istio_field_that_set_it() {
        let mut req = RenderRequest::new(Profile::Cluster);
        req.overrides.push(OverrideInput::Text {
            source: SourceKind::File("istio.yaml".into()),
            text: cr("config:\n  numTrustedProxies: 2\n"),
        });
        let r = render(&req).unwrap();
        let path: Path = "spec.meshConfig.defaultConfig.gatewayTopology.numTrustedProxies"
            .parse()
            .unwrap();
        assert_eq!(
            r.doc.walk(&path).node.origin.to_string(),
            "istio.yaml:8:24 (Istio spec.config.numTrustedProxies)"
        );
    }

    #[test]
    fn the_crd_refuses_what_the_module_would() {
        assert_eq!(
            invalid(&cr(
                "config:\n  numTrustedProxies: 4294967296\n  forwardClientCertDetails: SANITISE_SET\n  gatewayExternalTrafficPolicy: local\n  trustDomain: Example.org\n"
            )),
            [
                "istio.yaml:8:24: spec.config.numTrustedProxies: must be at most 4294967295, found 4294967296",
                "istio.yaml:9:31: spec.config.forwardClientCertDetails: must be one of APPEND_FORWARD, SANITIZE_SET, SANITIZE, ALWAYS_FORWARD_ONLY, FORWARD_ONLY, found \"SANITISE_SET\" (did you mean SANITIZE_SET?)",
                "istio.yaml:10:35: spec.config.gatewayExternalTrafficPolicy: must be one of Local, Cluster, found \"local\" (did you mean Local?)",
                "istio.yaml:11:18: spec.config.trustDomain: \"Example.org\" does not match the pattern ^[a-z0-9]*([a-z0-9-_]*)?(\\.[a-z0-9]*([a-z0-9-_]*[a-z0-9]*)?)*$",
            ]
        );
        assert_eq!(
            invalid(&cr(
                "config:\n  numTrustedProxies: -1\n  trustDomain: ''\n  authorizers:\n  - {service: x, port: 80, timeout: soon}\n"
            )),
            [
                "istio.yaml:8:24: spec.config.numTrustedProxies: must be at least 0, found -1",
                "istio.yaml:9:18: spec.config.trustDomain: must not be empty",
                "istio.yaml:11:7: spec.config.authorizers[0].name: `name` is required (the module's CRD)",
                "istio.yaml:11:39: spec.config.authorizers[0].timeout: \"soon\" is not a duration: write e.g. 500ms, 5s or 1m30s",
            ]
        );
        assert_eq!(
            invalid(&cr(
                "components:\n  pilot:\n    k8s:\n      hpaSpec: {minReplicas: -1}\n      resources:\n        limits: {cpu: 1.5, memory: lots}\n      strategy:\n        rollingUpdate: {maxSurge: '-1', maxUnavailable: 120%}\n  ingressGateway: {}\n  proxy:\n    k8s: {resource: {}}\nexperimentl: {}\n"
            )),
            [
                "istio.yaml:10:32: spec.components.pilot.k8s.hpaSpec.minReplicas: must be at least 0, found -1",
                "istio.yaml:12:25: spec.components.pilot.k8s.resources.limits.cpu: must be a string, found a number; quote it: \"1.5\"",
                "istio.yaml:12:38: spec.components.pilot.k8s.resources.limits.memory: \"lots\" does not match the pattern ^[0-9]+(((\\.[0-9]+)?(E|P|T|G|M|k|Ei|Pi|Ti|Gi|Mi|Ki|m)?)|(e[0-9]+))$",
                "istio.yaml:14:37: spec.components.pilot.k8s.strategy.rollingUpdate.maxSurge: \"-1\" does not match the pattern ^[0-9]+%?$ (e.g. 1, 25%)",
                "istio.yaml:14:59: spec.components.pilot.k8s.strategy.rollingUpdate.maxUnavailable: \"120%\" does not match the pattern ^((100|[0-9]{1,2})%|[0-9]+)$ (e.g. 1, 25%)",
                "istio.yaml:15:21: spec.components.ingressGateway.k8s: `k8s` is required here (the module's CRD): write the settings under k8s:",
                "istio.yaml:17:13: spec.components.proxy.k8s.resource: unknown field in the Istio resource (did you mean resources?)",
                "istio.yaml:18:3: spec.experimentl: unknown field in the Istio resource (did you mean experimental?)",
            ]
        );
        let wrong_version = cr("{}\n").replace("v1alpha2", "v1alpha1");
        assert_eq!(
            invalid(&wrong_version),
            [
                "istio.yaml:1:13: apiVersion: the Istio resource's apiVersion must be \"operator.kyma-project.io/v1alpha2\" (the module's only served version), found \"operator.kyma-project.io/v1alpha1\""
            ]
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1m30s").unwrap(), 90.0);
        assert_eq!(parse_go_duration("1.5h").unwrap(), 5400.0);
        assert_eq!(parse_go_duration("250ms").unwrap(), 0.25);
        assert!(parse_go_duration("5").is_err());
        assert!(parse_go_duration("5d").is_err());
        assert_eq!(proto_duration(0.25), "0.250s");
        assert_eq!(proto_duration(90.0), "90s");
    }

    /// Every field the resource can say, written as an IstioOperator override.
    const EXPRESSIBLE: &str = "apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  meshConfig:
    trustDomain: example.org
    enablePrometheusMerge: true
    defaultConfig:
      gatewayTopology: {numTrustedProxies: 2, forwardClientCertDetails: SANITIZE}
      proxyMetadata: {ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_ENABLE_HBONE: 'true'}
      proxyStatsMatcher: {inclusionRegexps: ['.*outlier_detection.*']}
    extensionProviders:
    - name: ext-authz
      envoyExtAuthzHttp:
        service: ext-authz.ext-auth.svc.cluster.local
        port: 8080
        pathPrefix: /check
        timeout: 2.500s
        includeRequestHeadersInCheck: [x-ext-authz]
        includeAdditionalHeadersInCheck: {x-added: '1'}
        headersToUpstreamOnAllow: [x-up]
        headersToDownstreamOnAllow: [x-down]
        headersToDownstreamOnDeny: [x-deny]
  components:
    ztunnel: {enabled: true}
    cni:
      enabled: true
      k8s:
        resources: {limits: {memory: 1Gi}}
    pilot:
      k8s:
        env:
        - {name: PILOT_ENABLE_ALPHA_GATEWAY_API, value: 'true'}
        - {name: PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE, value: 'false'}
        resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: '2', memory: 2Gi}}
        hpaSpec: {minReplicas: 2, maxReplicas: 4}
        strategy: {rollingUpdate: {maxSurge: 50%, maxUnavailable: 0}}
    ingressGateways:
    - name: istio-ingressgateway
      k8s:
        hpaSpec: {minReplicas: 3, maxReplicas: 6}
        overlays:
        - apiVersion: v1
          kind: Service
          name: istio-ingressgateway
          patches: [{path: spec.externalTrafficPolicy, value: Local}]
    egressGateways:
    - name: istio-egressgateway
      enabled: true
      k8s: {resources: {requests: {cpu: 20m}}}
  values:
    global:
      proxy:
        resources: {requests: {cpu: 30m, memory: 64Mi}}
    pilot: {env: {PILOT_ENABLE_AMBIENT: 'true'}}
    cni: {ambient: {enabled: true}}
";

    fn rendered(profile: Profile, name: &str, text: &str) -> crate::config::Rendered {
        let mut req = RenderRequest::new(profile);
        req.overrides.push(OverrideInput::Text {
            source: SourceKind::File(name.into()),
            text: text.to_string(),
        });
        render(&req).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn overrides_round_trip_through_the_istio_resource_on_every_profile() {
        for profile in Profile::ALL {
            let defaults = render(&RenderRequest::new(profile)).unwrap().to_json();
            let first = rendered(profile, "o.yaml", EXPRESSIBLE).to_json();
            let out = export(&defaults, &first);
            assert_eq!(out.unexpressed, Vec::<String>::new(), "{profile}");
            let text = serde_json::to_string(&out.resource).unwrap();
            let again = rendered(profile, "istio.yaml", &text).to_json();
            assert_eq!(again, first, "{profile}: {text}");
            let spec = &out.resource["spec"];
            assert_eq!(spec["experimental"]["enableAmbient"], true);
            assert_eq!(spec["compatibilityMode"], true);
            assert_eq!(spec["config"]["authorizers"][0]["timeout"], "2500ms");
        }
    }

    #[test]
    fn what_the_resource_cannot_say_is_named_one_path_each() {
        let text = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  meshConfig:\n    accessLogFile: null\n  components:\n    pilot:\n      k8s:\n        nodeSelector: {pool: system}\n        hpaSpec: {maxReplicas: 7}\n  values:\n    global: {variant: debug}\n";
        let defaults = render(&RenderRequest::new(Profile::Cluster))
            .unwrap()
            .to_json();
        let first = rendered(Profile::Cluster, "o.yaml", text).to_json();
        let out = export(&defaults, &first);
        assert_eq!(
            out.unexpressed,
            [
                "spec.components.pilot.k8s.nodeSelector.pool",
                "spec.meshConfig.accessLogFile",
                "spec.values.global.variant",
            ]
        );
        assert_eq!(
            out.resource["spec"],
            json!({"components": {"pilot": {"k8s": {"hpaSpec": {"maxReplicas": 7}}}}})
        );
        // Nothing changed: a resource with no spec.
        let same = export(&defaults, &defaults);
        assert!(same.unexpressed.is_empty());
        assert!(same.resource.get("spec").is_none());
        // A value the CRD would refuse stays out (a CPU with four decimals).
        let cpu = "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  components:\n    pilot:\n      k8s:\n        resources: {requests: {cpu: '0.1234'}}\n";
        let out = export(
            &defaults,
            &rendered(Profile::Cluster, "o.yaml", cpu).to_json(),
        );
        assert_eq!(
            out.unexpressed,
            ["spec.components.pilot.k8s.resources.requests.cpu"]
        );
    }
}
