//! Issue 22, "`check` and `version` at scale": the read commands read the pods through the one
//! paged pod scan, once per run, whatever else they report.

use testkit::{GenOptions, KubeSim, RequestRecord};

use crate::util::Cluster;

/// Each read command lists the pods exactly once, page by page (500 a page), cluster-wide and
/// without selectors; `check` adds one field-selected list (the pods not Running) for its
/// stuck-pod check and one label-selected list of the ingress gateway's pods in
/// istio-system. A command that scanned twice, or listed pods per namespace, fails the exact
/// counts.
#[test]
fn each_read_command_scans_the_pods_once_in_pages() {
    let c = Cluster::with(KubeSim::builder().generate(GenOptions {
        pods: 1600,
        seed: 22,
        ..Default::default()
    }));
    let pods = c.sim.count("pods");
    let pages = pods.div_ceil(500);
    assert!(pages >= 4, "{pods} pods");
    for (args, field_selected, gateway) in [
        (&["check"][..], 1, 1),
        (&["version"][..], 0, 0),
        (&["injection", "status"][..], 0, 0),
        (&["uninstall", "--dry-run"][..], 0, 0),
    ] {
        c.sim.clear_requests();
        let run = c.run(args);
        // The generated cluster is a Kyma cluster in order: warnings at most.
        run.expect_success();
        let lists: Vec<RequestRecord> = c
            .sim
            .requests()
            .into_iter()
            .filter(|r| r.user_agent.starts_with("kyma-mesh/"))
            .filter(|r| r.resource == "pods" && r.verb == "list")
            .collect();
        let (all, namespaced): (Vec<&RequestRecord>, Vec<&RequestRecord>) =
            lists.iter().partition(|r| r.namespace.is_none());
        assert_eq!(all.len(), pages + field_selected, "{args:?}: {lists:#?}");
        assert!(
            all.iter().all(|r| r.limit == Some(500)),
            "{args:?}: in pages: {lists:#?}"
        );
        assert_eq!(
            namespaced.len(),
            gateway,
            "{args:?}: no list per namespace: {lists:#?}"
        );
        assert!(
            namespaced
                .iter()
                .all(|r| r.namespace.as_deref() == Some("istio-system")),
            "{args:?}: {lists:#?}"
        );
    }
}
