//! Istio versions and the rules kyma-mesh applies to them: parsing (istioctl's output, image
//! tags), the oldest supported release, Istio's Kubernetes support matrix, and the version gate
//! that `install` and `upgrade` pass before they change a cluster.
//!
//! Pure: no I/O, nothing from the crate but `util`. Ordering is SemVer's, from the `semver` crate.

use std::fmt;
use std::str::FromStr;

/// An Istio version as istioctl and image tags spell it: `1.28.0`, `1.28.0-beta.1`, `1.28`
/// (patch 0), with an optional leading `v`, `+build` metadata and flavour suffixes
/// (`-distroless`, `-debug`) removed. Ordered like SemVer: a pre-release sorts before its release.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IstioVersion(semver::Version);

impl IstioVersion {
    pub fn major(&self) -> u64 {
        self.0.major
    }

    pub fn minor(&self) -> u64 {
        self.0.minor
    }

    pub fn patch(&self) -> u64 {
        self.0.patch
    }

    /// The pre-release part without its `-` (`beta.1`), `None` for a release.
    pub fn pre(&self) -> Option<&str> {
        (!self.0.pre.is_empty()).then(|| self.0.pre.as_str())
    }

    /// The release line, which is what support and upgrade rules talk about.
    pub fn minor_line(&self) -> Minor {
        Minor {
            major: self.0.major,
            minor: self.0.minor,
        }
    }

    /// The revision name for a canary control plane: `1-28-0`;
    /// a pre-release adds its identifiers, `1-29-0-beta-1`. A valid DNS label either way.
    pub fn revision(&self) -> String {
        let mut out = format!("{}-{}-{}", self.major(), self.minor(), self.patch());
        for id in self.pre().into_iter().flat_map(|p| p.split('.')) {
            out.push('-');
            out.push_str(&id.to_ascii_lowercase());
        }
        out
    }
}

impl fmt::Display for IstioVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a string is not an [`IstioVersion`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an Istio version: {reason}")]
pub struct ParseVersionError {
    pub input: String,
    pub reason: String,
}

impl FromStr for IstioVersion {
    type Err = ParseVersionError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| ParseVersionError {
            input: input.to_owned(),
            reason,
        };
        let mut s = input.trim();
        s = s
            .strip_prefix('v')
            .or_else(|| s.strip_prefix('V'))
            .unwrap_or(s);
        if let Some((before, _build)) = s.split_once('+') {
            s = before;
        }
        let s = strip_flavour(s);
        let (core, pre) = match s.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (s, None),
        };
        let text = match core.split('.').count() {
            2 => match pre {
                Some(pre) => format!("{core}.0-{pre}"),
                None => format!("{core}.0"),
            },
            3 => s.to_owned(),
            _ => {
                return Err(err(
                    "expected MAJOR.MINOR[.PATCH][-PRERELEASE], e.g. 1.28.0".to_owned(),
                ));
            }
        };
        semver::Version::parse(&text)
            .map(Self)
            .map_err(|e| err(e.to_string()))
    }
}

/// Image flavours Istio publishes as tag suffixes (`1.28.0-distroless`); they are not versions.
const FLAVOUR_SUFFIXES: &[&str] = &["-distroless", "-debug"];

/// `1.28.0-distroless` -> `1.28.0`; `1.28.0-debug` -> `1.28.0`; anything else unchanged. The one
/// place that knows Istio's image flavours: versions, the installed control plane and sidecar
/// images all normalise through it.
pub fn strip_flavour(tag: &str) -> &str {
    let mut s = tag;
    while let Some(rest) = FLAVOUR_SUFFIXES.iter().find_map(|f| s.strip_suffix(f)) {
        s = rest;
    }
    s
}

/// A release line, `1.27`: what "supported", "one minor at a time" and the support matrix are
/// about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Minor {
    pub major: u64,
    pub minor: u64,
}

impl Minor {
    pub const fn new(major: u64, minor: u64) -> Self {
        Self { major, minor }
    }
}

impl fmt::Display for Minor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

// ---------------------------------------------------------------------------------------------
// Supported versions
// ---------------------------------------------------------------------------------------------

/// Oldest supported Istio. Istio rewrote its installer in 1.24 (the in-cluster operator was
/// removed and `istioctl install` got a new manifest generator with different list and validation
/// semantics); kyma-mesh's rendering and error handling target that installer only.
pub const MIN_SUPPORTED: Minor = Minor::new(1, 24);

/// An Istio older than [`MIN_SUPPORTED`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Istio {version} is not supported: kyma-mesh needs {MIN_SUPPORTED} or later, because Istio \
     rewrote its installer in {MIN_SUPPORTED}"
)]
pub struct Unsupported {
    pub version: IstioVersion,
}

/// Refuse versions older than [`MIN_SUPPORTED`]. Pre-releases of 1.24 count as 1.24: the
/// installer rewrite is in them too.
pub fn check_supported(version: &IstioVersion) -> Result<(), Unsupported> {
    if version.minor_line() < MIN_SUPPORTED {
        return Err(Unsupported {
            version: version.clone(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Kubernetes support matrix
// ---------------------------------------------------------------------------------------------

/// One row of Istio's support matrix: the Kubernetes minors (`1.x`) an Istio minor is supported on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct K8sSupport {
    pub istio: Minor,
    /// Lowest and highest supported Kubernetes minor (`1.x`), both included.
    pub k8s_minors: (u64, u64),
}

const fn row(istio_minor: u64, lo: u64, hi: u64) -> K8sSupport {
    K8sSupport {
        istio: Minor::new(1, istio_minor),
        k8s_minors: (lo, hi),
    }
}

/// Istio's "Supported Releases" table (istio.io, `data/compatibility/supportStatus.yml`, and each
/// release announcement's "officially supported on Kubernetes versions" note): 1.29.0 is supported
/// on Kubernetes 1.31 to 1.35, 1.30.0 on 1.32 to 1.36. 1.31.0 (released 2026-08-20): 1.32 to
/// 1.36 as the project's design notes have it; its announcement was not at hand to check. Add a
/// row with every Istio minor.
pub const K8S_SUPPORT: &[K8sSupport] = &[
    row(24, 28, 31),
    row(25, 29, 32),
    row(26, 29, 33),
    row(27, 30, 33),
    row(28, 30, 34),
    row(29, 31, 35),
    row(30, 32, 36),
    row(31, 32, 36),
];

// ---------------------------------------------------------------------------------------------
// End of life
// ---------------------------------------------------------------------------------------------

/// When an Istio minor stopped getting patches. Istio supports a minor until 6 weeks after the
/// minor two releases later (istio.io "Supported Releases"); the dates are istio.io's (1.24 to
/// 1.27 as endoflife.date records them, 1.28 as the design notes have it) or, for 1.29, six
/// weeks after 1.31.0 (2026-08-20). 1.30 and 1.31 have none yet: their N+2 is not out.
pub const END_OF_LIFE: &[(Minor, jiff::civil::Date)] = &[
    (Minor::new(1, 24), jiff::civil::date(2025, 6, 24)),
    (Minor::new(1, 25), jiff::civil::date(2025, 9, 30)),
    (Minor::new(1, 26), jiff::civil::date(2025, 12, 22)),
    (Minor::new(1, 27), jiff::civil::date(2026, 3, 30)),
    (Minor::new(1, 28), jiff::civil::date(2026, 7, 1)),
    (Minor::new(1, 29), jiff::civil::date(2026, 10, 1)),
];

/// The day `line` reached end of life, if it has one on record.
pub fn end_of_life_date(line: Minor) -> Option<jiff::civil::Date> {
    END_OF_LIFE
        .iter()
        .find(|(m, _)| *m == line)
        .map(|(_, d)| *d)
}

/// A warning when `installed` is past its end of life on `today` (for `check`): no more
/// security patches, and the upgrade to take. `None` while it is supported or has no date.
pub fn end_of_life(installed: &IstioVersion, today: jiff::civil::Date) -> Option<String> {
    let line = installed.minor_line();
    let eol = end_of_life_date(line)?;
    if today <= eol {
        return None;
    }
    let next = Minor::new(line.major, line.minor + 1);
    Some(format!(
        "Istio {line} reached end of life on {eol} and gets no more security fixes; upgrade to {next} with `kyma-mesh upgrade --istioctl <istioctl {next}>`"
    ))
}

/// A warning when Istio does not support the cluster's Kubernetes minor (`1.k8s_minor`); `None`
/// when it does, or when the matrix has no row for this Istio (newer than this kyma-mesh). Outside
/// the matrix istioctl usually works, but nobody promises it: warn, don't stop.
pub fn k8s_support(istio: &IstioVersion, k8s_minor: u64) -> Option<String> {
    let line = istio.minor_line();
    let supported = K8S_SUPPORT.iter().find(|r| r.istio == line)?;
    let (lo, hi) = supported.k8s_minors;
    if (lo..=hi).contains(&k8s_minor) {
        None
    } else {
        Some(format!(
            "Istio {line} is supported on Kubernetes 1.{lo} to 1.{hi}, this cluster runs 1.{k8s_minor}"
        ))
    }
}

/// The minor of a Kubernetes server version as `/version` reports it: `"30"`, or `"30+"` on
/// managed clusters (GKE, EKS). `None` when there is no number.
pub fn parse_k8s_minor(minor: &str) -> Option<u64> {
    minor
        .trim()
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------------
// Compatibility versions
// ---------------------------------------------------------------------------------------------

/// The Istio whose compatibility profiles [`COMPATIBILITY_PROFILES`] records.
pub const PROFILES_OF: Minor = Minor::new(1, 31);

/// What each compatibility version sets in Istio 1.31 to behave like that minor: the settings
/// whose default changed since (read from `istioctl manifest generate` with
/// `compatibilityVersion: 1.N`, istio/istio at eed52ebb of 2026-08-27, the source of istioctl
/// 1.31, against the same without it). Oldest first; istioctl 1.31 knows exactly these.
pub const COMPATIBILITY_PROFILES: &[(Minor, &[(&str, &str)])] = &[
    (
        Minor::new(1, 25),
        &[
            ("pilot.env.DISABLE_SHADOW_HOST_SUFFIX", "false"),
            ("pilot.env.DISABLE_TRACK_REMAINING_CB_METRICS", "false"),
            ("pilot.env.ENABLE_NATIVE_SIDECARS", "false"),
            ("pilot.env.PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS", "false"),
            ("pilot.env.PILOT_ENABLE_STRICT_GATEWAY_MERGING", "false"),
            (
                "pilot.env.PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE",
                "false",
            ),
            ("pilot.env.PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY", "false"),
            ("cni.ambient.reconcileIptablesOnStartup", "false"),
        ],
    ),
    (
        Minor::new(1, 26),
        &[
            ("pilot.env.DISABLE_SHADOW_HOST_SUFFIX", "false"),
            ("pilot.env.DISABLE_TRACK_REMAINING_CB_METRICS", "false"),
            ("pilot.env.ENABLE_NATIVE_SIDECARS", "false"),
            ("pilot.env.PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS", "false"),
            ("pilot.env.PILOT_ENABLE_STRICT_GATEWAY_MERGING", "false"),
            (
                "pilot.env.PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE",
                "false",
            ),
            ("pilot.env.PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY", "false"),
            ("cni.ambient.reconcileIptablesOnStartup", "false"),
        ],
    ),
    (
        Minor::new(1, 27),
        &[
            ("pilot.env.DISABLE_SHADOW_HOST_SUFFIX", "false"),
            ("pilot.env.DISABLE_TRACK_REMAINING_CB_METRICS", "false"),
            ("pilot.env.PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS", "false"),
            ("pilot.env.PILOT_ENABLE_STRICT_GATEWAY_MERGING", "false"),
            (
                "pilot.env.PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE",
                "false",
            ),
            ("pilot.env.PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY", "false"),
            ("cni.ambient.reconcileIptablesOnStartup", "false"),
        ],
    ),
    (
        Minor::new(1, 28),
        &[
            ("pilot.env.DISABLE_TRACK_REMAINING_CB_METRICS", "false"),
            ("pilot.env.PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS", "false"),
            ("pilot.env.PILOT_ENABLE_STRICT_GATEWAY_MERGING", "false"),
            (
                "pilot.env.PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE",
                "false",
            ),
            ("cni.ambient.reconcileIptablesOnStartup", "false"),
        ],
    ),
    (
        Minor::new(1, 29),
        &[
            ("pilot.env.PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS", "false"),
            ("pilot.env.PILOT_ENABLE_STRICT_GATEWAY_MERGING", "false"),
            (
                "pilot.env.PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE",
                "false",
            ),
        ],
    ),
    (
        Minor::new(1, 30),
        &[
            ("pilot.env.PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS", "false"),
            ("pilot.env.PILOT_ENABLE_STRICT_GATEWAY_MERGING", "false"),
            ("pilot.env.PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY", "false"),
        ],
    ),
];

/// A setting whose default differs between two minors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BehaviourChange {
    pub setting: &'static str,
    /// The value that keeps the older minor's behaviour, when the profiles say it.
    pub previous: Option<&'static str>,
}

fn profile(minor: Minor) -> Option<&'static [(&'static str, &'static str)]> {
    COMPATIBILITY_PROFILES
        .iter()
        .find(|(m, _)| *m == minor)
        .map(|(_, p)| *p)
}

/// The behaviour changes an upgrade from `from` to `to` brings. Each compatibility profile
/// lists what differs from [`PROFILES_OF`], so between two older minors the changes are the
/// settings one profile has and the other has not. `None` when kyma-mesh has no profile for
/// one of them (an Istio newer than [`PROFILES_OF`], or one too old): say so, don't guess.
pub fn behaviour_changes(from: Minor, to: Minor) -> Option<Vec<BehaviourChange>> {
    if from >= to {
        return Some(Vec::new());
    }
    let old = profile(from)?;
    let new: &[(&str, &str)] = if to == PROFILES_OF { &[] } else { profile(to)? };
    let mut out: Vec<BehaviourChange> = old
        .iter()
        .filter(|s| !new.contains(s))
        .map(|(setting, value)| BehaviourChange {
            setting,
            previous: Some(value),
        })
        .collect();
    out.extend(
        new.iter()
            .filter(|s| !old.contains(s))
            .map(|(setting, _)| BehaviourChange {
                setting,
                previous: None,
            }),
    );
    Some(out)
}

/// How many earlier minors an istioctl accepts as compatibility versions: istioctl 1.31
/// accepts 1.25 to 1.30 (measured as above). Istio says it drops a compatibility version when
/// the minor it names reaches end of life; in practice it keeps more, and istioctl's own list
/// is the authority: this is the range kyma-mesh checks before asking it.
pub const COMPATIBILITY_MINORS: u64 = 6;

/// The compatibility versions Istio `target` accepts: the [`COMPATIBILITY_MINORS`] minors
/// before it. `None` when there is none.
pub fn compatibility_range(target: Minor) -> Option<(Minor, Minor)> {
    let hi = target.minor.checked_sub(1)?;
    let lo = target.minor.saturating_sub(COMPATIBILITY_MINORS);
    (target.major == 1 && lo <= hi).then(|| (Minor::new(1, lo), Minor::new(1, hi)))
}

/// Parses `1.N` (what `--compatibility-version` takes).
pub fn parse_minor(text: &str) -> Result<Minor, String> {
    let bad = || format!("{text:?} is not an Istio minor version: write it as 1.N, e.g. 1.29");
    let (major, minor) = text.trim().split_once('.').ok_or_else(bad)?;
    let major: u64 = major.parse().map_err(|_| bad())?;
    let minor: u64 = minor.parse().map_err(|_| bad())?;
    Ok(Minor::new(major, minor))
}

/// Refuses a compatibility version Istio `target` does not accept, naming the range.
pub fn check_compatibility(version: Minor, target: Minor) -> Result<(), String> {
    match compatibility_range(target) {
        Some((lo, hi)) if version >= lo && version <= hi => Ok(()),
        Some((lo, hi)) => Err(format!(
            "compatibility version {version} is not supported by Istio {target}: it accepts {lo} to {hi}"
        )),
        None => Err(format!("Istio {target} accepts no compatibility version")),
    }
}

// ---------------------------------------------------------------------------------------------
// The version gate
// ---------------------------------------------------------------------------------------------

/// What `install` and `upgrade` may do, given the installed control plane and the istioctl that
/// would run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// No Istio installed.
    Fresh,
    /// The same version is installed: apply the configuration again.
    Reconcile,
    /// A patch step (either within a minor or to a newer pre-release) or one minor up.
    Upgrade {
        from: IstioVersion,
        to: IstioVersion,
    },
    Refused(Refusal),
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gate::Fresh => f.write_str("no Istio installed yet"),
            Gate::Reconcile => f.write_str("the same version is installed; reconciling"),
            Gate::Upgrade { from, to } => write!(f, "upgrading {from} -> {to}"),
            Gate::Refused(r) => r.fmt(f),
        }
    }
}

/// Why the gate refuses. Each message says what is installed, what was asked for, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The target is older than what is installed (also a patch within the same minor).
    #[error(
        "Istio {installed} is installed and {target} is older: kyma-mesh does not downgrade. \
         Use istioctl {installed} or newer (--istioctl PATH)."
    )]
    Downgrade {
        installed: IstioVersion,
        target: IstioVersion,
    },
    /// Another major version, upward.
    #[error(
        "Istio {installed} is installed and {target} is a new major version: kyma-mesh upgrades \
         within major version {major} only. Follow Istio's upgrade notes for {target_minor}, or \
         use istioctl {installed_minor} (--istioctl PATH) to stay on {installed_minor}.",
        major = installed.major(),
        target_minor = target.minor_line(),
        installed_minor = installed.minor_line()
    )]
    MajorChange {
        installed: IstioVersion,
        target: IstioVersion,
    },
    /// More than one minor up; `via` is the next minor to install.
    #[error("{}", skips_minor_message(installed, target, *via))]
    SkipsMinor {
        installed: IstioVersion,
        target: IstioVersion,
        via: Minor,
    },
}

fn skips_minor_message(installed: &IstioVersion, target: &IstioVersion, via: Minor) -> String {
    let gap = target.minor() - installed.minor();
    let ahead = format!(
        "Istio {installed} is installed; {target} is {} minors ahead.",
        count_word(gap)
    );
    let target_minor = target.minor_line();
    if gap == 2 {
        return format!(
            "{ahead} Upgrade to {via} first (with istioctl {via}), then to {target_minor}."
        );
    }
    let rest: Vec<String> = (via.minor + 1..target.minor())
        .map(|m| Minor::new(via.major, m).to_string())
        .collect();
    format!(
        "{ahead} Upgrade one minor at a time: to {via} first (with istioctl {via}), then {}, then \
         {target_minor}, each with its own istioctl.",
        rest.join(", ")
    )
}

fn count_word(n: u64) -> String {
    const WORDS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    usize::try_from(n)
        .ok()
        .and_then(|i| WORDS.get(i))
        .map_or_else(|| n.to_string(), |w| (*w).to_owned())
}

/// The version gate: same version reconciles; a newer patch (or pre-release) of the same minor,
/// or one minor up, upgrades; a downgrade (patch downgrades included), another major version, or
/// more than one minor up is refused with the way forward.
pub fn gate(installed: Option<&IstioVersion>, target: &IstioVersion) -> Gate {
    let Some(installed) = installed else {
        return Gate::Fresh;
    };
    let refuse = Gate::Refused;
    if target == installed {
        return Gate::Reconcile;
    }
    if target < installed {
        return refuse(Refusal::Downgrade {
            installed: installed.clone(),
            target: target.clone(),
        });
    }
    if target.major() != installed.major() {
        return refuse(Refusal::MajorChange {
            installed: installed.clone(),
            target: target.clone(),
        });
    }
    if target.minor() > installed.minor() + 1 {
        return refuse(Refusal::SkipsMinor {
            installed: installed.clone(),
            target: target.clone(),
            via: Minor::new(installed.major(), installed.minor() + 1),
        });
    }
    Gate::Upgrade {
        from: installed.clone(),
        to: target.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    fn v(s: &str) -> IstioVersion {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn release(major: u64, minor: u64, patch: u64) -> IstioVersion {
        IstioVersion(semver::Version::new(major, minor, patch))
    }

    #[test]
    fn parses_istio_versions() {
        assert_eq!(v("1.28.0"), release(1, 28, 0));
        assert_eq!(v("v1.28.3"), release(1, 28, 3));
        assert_eq!(v("V1.28.3"), release(1, 28, 3));
        assert_eq!(v(" 1.28 "), release(1, 28, 0));
        assert_eq!(v("1.28.0-distroless"), release(1, 28, 0));
        assert_eq!(v("1.28.0-debug"), release(1, 28, 0));
        assert_eq!(v("1.28-distroless"), release(1, 28, 0));
        assert_eq!(v("1.24.2+build.7"), release(1, 24, 2));
        let beta = v("1.28.0-beta.1");
        assert_eq!(beta.pre(), Some("beta.1"));
        assert_eq!(v("1.28.0-beta.1-distroless"), beta);
        assert_eq!(v("1.29-alpha.0a1b2c").pre(), Some("alpha.0a1b2c"));
        assert_eq!(v("1.28.0").pre(), None);
        for s in ["1.28.0", "1.28.0-beta.1", "1.29.0-alpha.0a1b2c"] {
            assert_eq!(v(s).to_string(), s);
        }
        assert_eq!(v("v1.28").to_string(), "1.28.0");
        let x = v("1.27.3");
        assert_eq!((x.major(), x.minor(), x.patch()), (1, 27, 3));
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for s in [
            "",
            "latest",
            "unknown",
            "1",
            "1.x.0",
            "1.28.0.1",
            "1.28.0-",
            "1.28.0-be ta",
            "1..0",
            "1.28.0-a..b",
            "-1.28.0",
            "01.28.0",
            "99999999999999999999.0",
        ] {
            let err = s.parse::<IstioVersion>().expect_err(s);
            assert_eq!(err.input, s);
            assert!(err.to_string().contains("is not an Istio version"), "{err}");
            assert!(!err.reason.is_empty(), "{s}");
        }
        let err = "1".parse::<IstioVersion>().unwrap_err();
        assert!(err.reason.contains("MAJOR.MINOR"), "{err}");
    }

    #[test]
    fn orders_like_semver() {
        let ordered = [
            "1.9.9",
            "1.23.9",
            "1.24.0-alpha",
            "1.24.0-alpha.1",
            "1.24.0-alpha.2",
            "1.24.0-alpha.10",
            "1.24.0-alpha.beta",
            "1.24.0-beta.1",
            "1.24.0-rc.1",
            "1.24.0",
            "1.24.1",
            "1.28.0",
            "2.0.0",
        ];
        let parsed: Vec<IstioVersion> = ordered.iter().map(|s| v(s)).collect();
        for pair in parsed.windows(2) {
            assert!(pair[0] < pair[1], "{} < {}", pair[0], pair[1]);
        }
        let mut shuffled = parsed.clone();
        shuffled.reverse();
        shuffled.swap(0, 5);
        shuffled.sort();
        assert_eq!(shuffled, parsed);
        assert_eq!(v("1.28.0-distroless").cmp(&v("v1.28")), Ordering::Equal);
        assert_eq!(v("1.28.0+a").cmp(&v("1.28.0+b")), Ordering::Equal);
    }

    #[test]
    fn one_flavour_stripper() {
        assert_eq!(strip_flavour("1.28.0-distroless"), "1.28.0");
        assert_eq!(strip_flavour("1.28.0-debug"), "1.28.0");
        assert_eq!(strip_flavour("1.28.0-beta.1-distroless"), "1.28.0-beta.1");
        assert_eq!(strip_flavour("1.28.0-debug-distroless"), "1.28.0");
        assert_eq!(strip_flavour("1.28.0"), "1.28.0");
        assert_eq!(strip_flavour("distroless"), "distroless");
    }

    #[test]
    fn revision_names() {
        assert_eq!(v("1.28.0").revision(), "1-28-0");
        assert_eq!(v("1.29.1-distroless").revision(), "1-29-1");
        assert_eq!(v("1.29.0-Beta.1").revision(), "1-29-0-beta-1");
    }

    #[test]
    fn supports_1_24_and_later() {
        for ok in ["1.24.0", "1.24.0-beta.1", "1.28.0", "2.0.0"] {
            check_supported(&v(ok)).unwrap();
        }
        let err = check_supported(&v("1.23.5")).unwrap_err();
        assert_eq!(err.version, v("1.23.5"));
        assert_eq!(
            err.to_string(),
            "Istio 1.23.5 is not supported: kyma-mesh needs 1.24 or later, because Istio rewrote \
             its installer in 1.24"
        );
        assert_eq!(MIN_SUPPORTED.to_string(), "1.24");
    }

    #[test]
    fn kubernetes_support_matrix() {
        assert_eq!(k8s_support(&v("1.28.2"), 30), None);
        assert_eq!(k8s_support(&v("1.28.2"), 34), None);
        assert_eq!(
            k8s_support(&v("1.28.2"), 29).as_deref(),
            Some("Istio 1.28 is supported on Kubernetes 1.30 to 1.34, this cluster runs 1.29")
        );
        assert_eq!(
            k8s_support(&v("1.28.0"), 35).as_deref(),
            Some("Istio 1.28 is supported on Kubernetes 1.30 to 1.34, this cluster runs 1.35")
        );
        // Istio's own announcements: 1.29.0 on 1.31 to 1.35, 1.30.0 on 1.32 to 1.36.
        assert_eq!(k8s_support(&v("1.29.0"), 31), None);
        assert_eq!(k8s_support(&v("1.29.0"), 35), None);
        assert!(k8s_support(&v("1.29.0"), 36).is_some());
        assert!(k8s_support(&v("1.30.1"), 31).is_some());
        assert_eq!(k8s_support(&v("1.30.1"), 36), None);
        // No row: no claim either way.
        assert_eq!(k8s_support(&v("1.32.0"), 20), None);
        assert_eq!(k8s_support(&v("2.0.0"), 20), None);
        // Every row is sane and the table is ordered, one row per minor.
        for pair in K8S_SUPPORT.windows(2) {
            assert!(pair[0].istio < pair[1].istio);
        }
        for r in K8S_SUPPORT {
            assert!(r.k8s_minors.0 <= r.k8s_minors.1, "{r:?}");
            assert!(r.istio >= MIN_SUPPORTED, "{r:?}");
        }
        assert_eq!(parse_k8s_minor("30"), Some(30));
        assert_eq!(parse_k8s_minor("30+"), Some(30));
        assert_eq!(parse_k8s_minor(" 31 "), Some(31));
        assert_eq!(parse_k8s_minor(""), None);
        assert_eq!(parse_k8s_minor("x"), None);
    }

    fn g(installed: Option<&str>, target: &str) -> Gate {
        gate(installed.map(v).as_ref(), &v(target))
    }

    fn refusal(installed: &str, target: &str) -> Refusal {
        match g(Some(installed), target) {
            Gate::Refused(r) => r,
            other => panic!("{installed} -> {target}: expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn gate_fresh_and_reconcile() {
        assert_eq!(g(None, "1.28.0"), Gate::Fresh);
        assert_eq!(g(None, "1.24.0-beta.1"), Gate::Fresh);
        assert_eq!(g(Some("1.28.0"), "1.28.0"), Gate::Reconcile);
        // Flavour and build metadata are not versions.
        assert_eq!(g(Some("1.28.0-distroless"), "1.28.0"), Gate::Reconcile);
        assert_eq!(g(Some("1.28.0"), "v1.28.0+abc"), Gate::Reconcile);
        assert_eq!(g(Some("1.29.0-rc.1"), "1.29.0-rc.1"), Gate::Reconcile);
    }

    #[test]
    fn gate_allows_any_patch_up_and_one_minor_up() {
        for (from, to) in [
            ("1.28.0", "1.28.1"),
            ("1.28.0", "1.28.9"),
            ("1.28.0-rc.1", "1.28.0"),
            ("1.28.0-beta.1", "1.28.0-rc.1"),
            ("1.28.3", "1.29.0"),
            ("1.28.3", "1.29.5"),
            ("1.28.3", "1.29.0-beta.1"),
            ("1.28.9", "1.29.0"),
        ] {
            assert_eq!(
                g(Some(from), to),
                Gate::Upgrade {
                    from: v(from),
                    to: v(to)
                },
                "{from} -> {to}"
            );
        }
        assert_eq!(
            g(Some("1.27.2"), "1.28.0").to_string(),
            "upgrading 1.27.2 -> 1.28.0"
        );
    }

    #[test]
    fn gate_refuses_downgrades_including_patches() {
        for (from, to) in [
            ("1.28.1", "1.28.0"),
            ("1.28.0", "1.28.0-rc.1"),
            ("1.28.0-rc.2", "1.28.0-rc.1"),
            ("1.28.0", "1.27.9"),
            ("1.28.0", "1.24.0"),
            ("2.0.0", "1.28.0"),
        ] {
            assert!(
                matches!(refusal(from, to), Refusal::Downgrade { .. }),
                "{from} -> {to}"
            );
        }
        assert_eq!(
            refusal("1.28.2", "1.28.0").to_string(),
            "Istio 1.28.2 is installed and 1.28.0 is older: kyma-mesh does not downgrade. \
             Use istioctl 1.28.2 or newer (--istioctl PATH)."
        );
    }

    #[test]
    fn gate_refuses_major_changes() {
        for (from, to) in [
            ("1.28.0", "2.0.0"),
            ("1.29.4", "2.0.0"),
            ("1.28.0", "3.1.0"),
        ] {
            assert!(
                matches!(refusal(from, to), Refusal::MajorChange { .. }),
                "{from} -> {to}"
            );
        }
        assert_eq!(
            refusal("1.29.4", "2.0.0").to_string(),
            "Istio 1.29.4 is installed and 2.0.0 is a new major version: kyma-mesh upgrades within \
             major version 1 only. Follow Istio's upgrade notes for 2.0, or use istioctl 1.29 \
             (--istioctl PATH) to stay on 1.29."
        );
    }

    #[test]
    fn gate_refuses_skipping_minors_and_names_the_way() {
        let r = refusal("1.26.4", "1.28.0");
        assert_eq!(
            r,
            Refusal::SkipsMinor {
                installed: v("1.26.4"),
                target: v("1.28.0"),
                via: Minor::new(1, 27)
            }
        );
        assert_eq!(
            r.to_string(),
            "Istio 1.26.4 is installed; 1.28.0 is two minors ahead. Upgrade to 1.27 first \
             (with istioctl 1.27), then to 1.28."
        );
        assert_eq!(
            refusal("1.25.0", "1.28.1").to_string(),
            "Istio 1.25.0 is installed; 1.28.1 is three minors ahead. Upgrade one minor at a time: \
             to 1.26 first (with istioctl 1.26), then 1.27, then 1.28, each with its own istioctl."
        );
        let far = refusal("1.24.0", "1.40.0").to_string();
        assert!(far.contains("16 minors ahead"), "{far}");
        assert!(far.contains("to 1.25 first"), "{far}");
        assert!(far.contains("1.38, 1.39, then 1.40"), "{far}");
        // A pre-release two minors up is still two minors up.
        assert!(matches!(
            refusal("1.27.0", "1.29.0-beta.1"),
            Refusal::SkipsMinor { via, .. } if via == Minor::new(1, 28)
        ));
        // The refusal is what the gate prints.
        let gate = g(Some("1.26.4"), "1.28.0");
        assert_eq!(gate.to_string(), r.to_string());
    }

    #[test]
    fn gate_messages_name_only_real_flags() {
        for r in [
            refusal("1.28.2", "1.28.0"),
            refusal("1.28.0", "2.0.0"),
            refusal("1.24.0", "1.27.0"),
        ] {
            let text = r.to_string();
            assert!(!text.contains("kyma-mesh uninstall"), "{text}");
            assert!(text.ends_with('.'), "a full sentence: {text}");
        }
    }

    #[test]
    fn end_of_life_is_said_after_the_date_only() {
        let v = |s: &str| s.parse::<IstioVersion>().unwrap();
        let day = |y, m, d| jiff::civil::date(y, m, d);
        assert_eq!(end_of_life(&v("1.28.3"), day(2026, 7, 1)), None);
        assert_eq!(
            end_of_life(&v("1.28.3"), day(2026, 7, 2)).as_deref(),
            Some(
                "Istio 1.28 reached end of life on 2026-07-01 and gets no more security fixes; upgrade to 1.29 with `kyma-mesh upgrade --istioctl <istioctl 1.29>`"
            )
        );
        assert!(end_of_life(&v("1.24.0"), day(2026, 12, 6)).is_some());
        // No date on record: supported as far as kyma-mesh knows.
        assert_eq!(end_of_life(&v("1.30.2"), day(2030, 1, 1)), None);
        assert_eq!(end_of_life(&v("1.31.0"), day(2030, 1, 1)), None);
        // Every minor with an end of life is in the support matrix, and dates rise.
        for pair in END_OF_LIFE.windows(2) {
            assert!(pair[0].0 < pair[1].0 && pair[0].1 < pair[1].1);
        }
        for (m, _) in END_OF_LIFE {
            assert!(K8S_SUPPORT.iter().any(|r| r.istio == *m), "{m}");
        }
    }

    #[test]
    fn istio_1_31_has_a_row() {
        let v: IstioVersion = "1.31.1".parse().unwrap();
        assert_eq!(k8s_support(&v, 36), None);
        assert!(k8s_support(&v, 31).is_some());
    }

    #[test]
    fn compatibility_versions() {
        let m = |n| Minor::new(1, n);
        assert_eq!(compatibility_range(m(31)), Some((m(25), m(30))));
        assert_eq!(compatibility_range(m(28)), Some((m(22), m(27))));
        assert_eq!(check_compatibility(m(30), m(31)), Ok(()));
        assert_eq!(
            check_compatibility(m(24), m(31)).unwrap_err(),
            "compatibility version 1.24 is not supported by Istio 1.31: it accepts 1.25 to 1.30"
        );
        assert!(check_compatibility(m(31), m(31)).is_err());
        assert_eq!(parse_minor("1.29"), Ok(m(29)));
        assert!(parse_minor("1.29.1").is_err());
        assert!(parse_minor("latest").is_err());
        // The profiles cover exactly what istioctl 1.31 accepts.
        let known: Vec<Minor> = COMPATIBILITY_PROFILES.iter().map(|(v, _)| *v).collect();
        let (lo, hi) = compatibility_range(PROFILES_OF).unwrap();
        assert_eq!(known.first(), Some(&lo));
        assert_eq!(known.last(), Some(&hi));
        let names =
            |c: Vec<BehaviourChange>| -> Vec<&str> { c.iter().map(|c| c.setting).collect() };
        // To 1.31: the old minor's whole profile.
        assert_eq!(
            names(behaviour_changes(m(30), m(31)).unwrap()),
            [
                "pilot.env.PILOT_AUTO_SEND_UNHEALTHY_ENDPOINTS",
                "pilot.env.PILOT_ENABLE_STRICT_GATEWAY_MERGING",
                "pilot.env.PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY",
            ]
        );
        // Between older minors: what one profile has and the other not.
        let c = behaviour_changes(m(28), m(29)).unwrap();
        assert_eq!(
            names(c.clone()),
            [
                "pilot.env.DISABLE_TRACK_REMAINING_CB_METRICS",
                "cni.ambient.reconcileIptablesOnStartup",
            ]
        );
        assert_eq!(c[0].previous, Some("false"));
        assert_eq!(
            behaviour_changes(m(29), m(30)).unwrap(),
            [
                BehaviourChange {
                    setting: "pilot.env.PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE",
                    previous: Some("false")
                },
                BehaviourChange {
                    setting: "pilot.env.PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY",
                    previous: None
                },
            ]
        );
        assert_eq!(behaviour_changes(m(31), m(31)), Some(Vec::new()));
        // Unknown ground: no list rather than a wrong one.
        assert_eq!(behaviour_changes(m(31), m(32)), None);
        assert_eq!(behaviour_changes(m(24), m(25)), None);
    }
}
