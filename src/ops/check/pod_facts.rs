//! What the checks read of the pods, folded in one pass of the paged pod scan: counts per
//! revision, version and namespace, and the few examples their messages name. The pods
//! themselves are never kept, so a run's memory stays flat in the number of pods.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::cluster::inventory::{self, Namespace, Pod};
use crate::cluster::{Cluster, ClusterError};
use crate::kyma::EXCLUDED_NAMESPACES;
use crate::util::Sample;

use super::{data_plane, mtls, namespace_injected, should_have_sidecar};

/// Examples a version's line names (`1.27.3: 40 pods (a, b, c, ... and 37 more)`).
const VERSION_EXAMPLES: usize = 3;
/// Lines a check's detail shows of a long list.
pub const DETAIL: usize = 10;

#[derive(Debug, Clone)]
pub struct PodFacts {
    /// Revision -> namespace -> injected pods, not being deleted (`revisions-in-use`). Injected
    /// pods only: gateways carry their proxy without the injector.
    pub by_revision: BTreeMap<String, BTreeMap<String, usize>>,
    /// Sidecar version -> its injected pods, not being deleted (`proxy-versions`,
    /// `manual-restarts`).
    pub versions: BTreeMap<String, VersionPods>,
    /// Namespace -> pods without a sidecar (`injection-namespaces`).
    pub without_sidecar: HashMap<String, usize>,
    /// Running pods that should carry a sidecar and do not: `ns/pod (workload)`
    /// (`missing-sidecars`).
    pub missing: Sample<String>,
    /// Running pods opted out of injection in meshed namespaces (`pods-outside-mesh`).
    pub outside: Outside,
}

/// The injected pods on one sidecar version.
#[derive(Debug, Clone)]
pub struct VersionPods {
    pub count: usize,
    /// `ns/pod` of the first few.
    pub examples: Sample<String>,
    /// Those nothing restarts by itself, in scan order (`seq`) across versions.
    pub manual: Sample<ManualPod>,
}

#[derive(Debug, Clone)]
pub struct ManualPod {
    /// The pod's place in the scan: lists of several versions merge back into scan order.
    pub seq: usize,
    pub namespace: String,
    pub name: String,
    /// Its line in the check's detail.
    pub line: String,
}

#[derive(Debug, Clone)]
pub struct Outside {
    pub count: usize,
    /// One line per workload (consecutive pods of one workload are one line).
    pub workloads: Sample<String>,
    last: Option<String>,
    /// The first such pod: the remedies are written for it.
    pub first: Option<Pod>,
}

impl Default for PodFacts {
    fn default() -> PodFacts {
        PodFacts {
            by_revision: BTreeMap::new(),
            versions: BTreeMap::new(),
            without_sidecar: HashMap::new(),
            missing: Sample::new(DETAIL),
            outside: Outside {
                count: 0,
                workloads: Sample::new(DETAIL),
                last: None,
                first: None,
            },
        }
    }
}

/// Which namespaces get sidecars: what the per-pod decisions need of them.
struct Injection {
    injected: HashSet<String>,
    /// Injected and not one of Kyma's excluded namespaces.
    meshed: HashSet<String>,
}

/// Every pod of the cluster through the one paged scan, folded into [`PodFacts`].
pub async fn read(
    cluster: &Cluster,
    namespaces: &[Namespace],
    by_default: bool,
) -> Result<PodFacts, ClusterError> {
    let injected: HashSet<String> = namespaces
        .iter()
        .filter(|n| namespace_injected(n, by_default).0)
        .map(|n| n.name.clone())
        .collect();
    let meshed = injected
        .iter()
        .filter(|n| !EXCLUDED_NAMESPACES.contains(&n.as_str()))
        .cloned()
        .collect();
    let ns = Injection { injected, meshed };
    let mut facts = PodFacts::default();
    let mut seq = 0;
    inventory::scan_pods(cluster, None, |pod| {
        facts.add(&Pod::from(pod), seq, &ns);
        seq += 1;
    })
    .await?;
    Ok(facts)
}

impl PodFacts {
    fn add(&mut self, p: &Pod, seq: usize, ns: &Injection) {
        if !p.has_sidecar() {
            *self.without_sidecar.entry(p.namespace.clone()).or_default() += 1;
        }
        if !p.deleting {
            if let Some(rev) = &p.revision {
                let by_ns = self.by_revision.entry(rev.clone()).or_default();
                *by_ns.entry(p.namespace.clone()).or_default() += 1;
            }
            if let Some(v) = data_plane::proxy_version(p) {
                self.add_versioned(p, v, seq);
            }
        }
        if !p.running || p.deleting || p.has_sidecar() {
            return;
        }
        if should_have_sidecar(p, ns.injected.contains(&p.namespace)) {
            self.missing
                .push(|| format!("{} ({})", p.id(), mtls::workload_of(p)));
        }
        if !p.host_network && p.opted_out() && ns.meshed.contains(&p.namespace) {
            self.outside.add(p);
        }
    }

    fn add_versioned(&mut self, p: &Pod, version: String, seq: usize) {
        let v = self.versions.entry(version).or_insert_with(|| VersionPods {
            count: 0,
            examples: Sample::new(VERSION_EXAMPLES),
            manual: Sample::new(DETAIL),
        });
        v.count += 1;
        v.examples.push(|| p.id());
        if !data_plane::restartable(p) {
            v.manual.push(|| ManualPod {
                seq,
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                line: data_plane::manual_line(p),
            });
        }
    }
}

impl Outside {
    fn add(&mut self, p: &Pod) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(p.clone());
        }
        let workload = mtls::workload_of(p);
        if self.last.as_ref() != Some(&workload) {
            self.workloads
                .push(|| format!("{workload} opted out (sidecar.istio.io/inject: \"false\")"));
            self.last = Some(workload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(ns: &str, name: &str, version: &str, owner: Option<(&str, &str)>) -> Pod {
        Pod {
            namespace: ns.into(),
            name: name.into(),
            labels: Default::default(),
            annotations: [("sidecar.istio.io/status".to_string(), String::new())].into(),
            revision: Some("default".into()),
            owner: owner.map(|(k, n)| (k.into(), n.into())),
            proxy_image: Some(format!("istio/proxyv2:{version}")),
            running: true,
            ready: true,
            deleting: false,
            host_network: false,
        }
    }

    /// The manual pods of several versions keep their scan order when merged, and each
    /// version's count and examples are those of all its pods, though only a few are kept.
    #[test]
    fn versions_keep_counts_and_the_first_pods_in_scan_order() {
        let ns = Injection {
            injected: HashSet::new(),
            meshed: HashSet::new(),
        };
        let mut facts = PodFacts::default();
        for i in 0..30 {
            let version = ["1.26.0", "1.27.3", "1.28.0"][i % 3];
            let owner = (i % 2 == 0).then_some(("ReplicaSet", "web-abc"));
            facts.add(&pod("shop", &format!("p{i:02}"), version, owner), i, &ns);
        }
        let v = &facts.versions["1.27.3"];
        assert_eq!(v.count, 10);
        assert_eq!(
            v.examples.lines(),
            ["shop/p01", "shop/p04", "shop/p07", "... and 7 more"]
        );
        // Bare pods (odd i) must be restarted by hand: 5 of each version.
        assert_eq!(v.manual.count, 5);
        let mut manual: Vec<&ManualPod> = ["1.26.0", "1.27.3"]
            .iter()
            .flat_map(|v| &facts.versions[*v].manual.first)
            .collect();
        manual.sort_by_key(|m| m.seq);
        let names: Vec<&str> = manual.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "p01", "p03", "p07", "p09", "p13", "p15", "p19", "p21", "p25", "p27"
            ]
        );
        assert_eq!(facts.by_revision["default"]["shop"], 30);
    }
}
