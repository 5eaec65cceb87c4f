//! The Rust `kube::Client` against kube-sim: lists with limit/continue, the four patch types,
//! conflicts, Status errors, access reviews, watches, faults, contexts.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::wait::{await_condition, conditions};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Config};
use serde_json::json;
use testkit::{Fault, FaultRule, Faults, GenOptions, KubeSim};

async fn client(sim: &KubeSim) -> Client {
    Client::try_from(sim.kube_config()).unwrap()
}

fn api_err(e: kube::Error) -> (u16, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.reason.clone()),
        other => panic!("expected a Status error, got {other:?}"),
    }
}

fn deployment(name: &str, replicas: i32) -> serde_json::Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
}

#[tokio::test]
async fn paginated_pod_list_is_complete_and_consistent() {
    let sim = KubeSim::builder()
        .generate(GenOptions {
            pods: 1200,
            seed: 2,
            ..Default::default()
        })
        .start()
        .unwrap();
    let c = client(&sim).await;
    let pods: Api<Pod> = Api::all(c);
    let mut names = Vec::new();
    let mut lp = ListParams::default().limit(250);
    let mut pages = 0;
    let mut first_rv = None;
    loop {
        let page = pods.list(&lp).await.unwrap();
        pages += 1;
        first_rv.get_or_insert(page.metadata.resource_version.clone());
        assert_eq!(
            Some(&page.metadata.resource_version),
            first_rv.as_ref(),
            "one snapshot"
        );
        names.extend(page.items.iter().map(|p| p.metadata.name.clone().unwrap()));
        if pages == 1 {
            // writes between pages do not disturb the snapshot
            sim.put(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "aaa-late", "namespace": "default"},
                "spec": {"containers": [{"name": "c", "image": "i"}]}})).unwrap();
        }
        match page.metadata.continue_ {
            Some(c) if !c.is_empty() => lp = lp.continue_token(&c),
            _ => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(names.len(), 1200);
    assert!(!names.contains(&"aaa-late".to_string()));
    let all = pods.list(&ListParams::default()).await.unwrap();
    assert_eq!(all.items.len(), 1201);
    // selectors
    let sel = pods
        .list(
            &ListParams::default()
                .labels("security.istio.io/tlsMode=istio")
                .fields("status.phase=Running"),
        )
        .await
        .unwrap();
    // the late pod in `default` was injected too (enableNamespacesByDefault)
    assert_eq!(sel.items.len(), sim.generated().unwrap().meshed + 1);
    let ns_pods: Api<Pod> = Api::namespaced(client(&sim).await, "kyma-system");
    assert!(
        ns_pods
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .iter()
            .all(|p| p.metadata.namespace.as_deref() == Some("kyma-system"))
    );
    let err = pods
        .list(&ListParams::default().labels("a in b"))
        .await
        .unwrap_err();
    assert_eq!(api_err(err).0, 400);
}

#[tokio::test]
async fn patch_types_apply_and_conflicts() {
    let sim = KubeSim::start();
    let c = client(&sim).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    // server-side apply creates, then merges, recording the manager
    let ssa = PatchParams::apply("kyma-mesh").force();
    let cm = cms
        .patch("cfg", &ssa, &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}})))
        .await
        .unwrap();
    assert_eq!(cm.data.unwrap()["a"], "1");
    // another manager's apply merges ...
    let b_only = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"b": "2"}});
    let cm = cms
        .patch("cfg", &PatchParams::apply("other"), &Patch::Apply(&b_only))
        .await
        .unwrap();
    let data = cm.data.clone().unwrap();
    assert_eq!((data["a"].as_str(), data["b"].as_str()), ("1", "2"));
    let mf = cm.metadata.managed_fields.clone().unwrap();
    assert_eq!(mf[0].manager.as_deref(), Some("kyma-mesh"));
    assert_eq!(mf[0].operation.as_deref(), Some("Apply"));
    assert_eq!(mf[1].manager.as_deref(), Some("other"));
    // ... a third one changing a field they own, without force, conflicts ...
    let err = cms
        .patch(
            "cfg",
            &PatchParams::apply("third"),
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "9"}})),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err}")
    };
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        status.message,
        "Apply failed with 1 conflict: conflict with \"kyma-mesh\": .data.a"
    );
    // ... and kyma-mesh no longer applying `a`, which no one else owns, removes it
    let cm = cms
        .patch("cfg", &ssa, &Patch::Apply(&b_only))
        .await
        .unwrap();
    let data = cm.data.clone().unwrap();
    assert_eq!(data.keys().collect::<Vec<_>>(), ["b"]);
    let w = sim.writes();
    assert_eq!(w[0].content_type, "application/apply-patch+yaml");
    assert!(w[0].query.contains("fieldManager=kyma-mesh") && w[0].query.contains("force=true"));
    assert_eq!(w[0].body_json().unwrap()["data"]["a"], "1");

    cms.patch(
        "cfg",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"a": null}})),
    )
    .await
    .unwrap();
    let p: json_patch_ops::Patch =
        serde_json::from_value(json!([{"op": "add", "path": "/data/c", "value": "3"}])).unwrap();
    cms.patch("cfg", &PatchParams::default(), &Patch::<()>::Json(p))
        .await
        .unwrap();
    let cm = cms.get("cfg").await.unwrap();
    let data = cm.data.clone().unwrap();
    assert!(!data.contains_key("a"));
    assert_eq!(data["c"], "3");

    // stale resourceVersion: 409 Conflict
    let mut stale = cm.clone();
    cms.patch(
        "cfg",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"d": "4"}})),
    )
    .await
    .unwrap();
    stale.data.as_mut().unwrap().insert("e".into(), "5".into());
    assert_eq!(
        api_err(
            cms.replace("cfg", &PostParams::default(), &stale)
                .await
                .unwrap_err()
        ),
        (409, "Conflict".into())
    );
    // fresh one works
    let mut fresh = cms.get("cfg").await.unwrap();
    fresh.data.as_mut().unwrap().insert("e".into(), "5".into());
    cms.replace("cfg", &PostParams::default(), &fresh)
        .await
        .unwrap();
    // create twice: AlreadyExists; missing: NotFound; bad name: Invalid
    assert_eq!(
        api_err(
            cms.create(&PostParams::default(), &fresh)
                .await
                .unwrap_err()
        )
        .1,
        "AlreadyExists"
    );
    assert_eq!(
        api_err(cms.get("nope").await.unwrap_err()),
        (404, "NotFound".into())
    );
    let bad: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "Bad_Name"}})).unwrap();
    assert_eq!(
        api_err(cms.create(&PostParams::default(), &bad).await.unwrap_err()),
        (422, "Invalid".into())
    );

    // strategic merge on a deployment: containers merge by name; generation moves
    let deps: Api<Deployment> = Api::namespaced(c.clone(), "default");
    let d: Deployment = serde_json::from_value(deployment("web", 1)).unwrap();
    deps.create(&PostParams::default(), &d).await.unwrap();
    let d = deps
        .patch("web", &PatchParams::default(), &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox"}]}}}})))
        .await
        .unwrap();
    let names: Vec<String> = d
        .spec
        .template
        .spec
        .unwrap()
        .containers
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(names, ["app", "side"]);
    assert_eq!(d.metadata.generation, Some(2));
    deps.delete("web", &DeleteParams::default()).await.unwrap();
    assert!(deps.get_opt("web").await.unwrap().is_none());
}

mod json_patch_ops {
    pub use json_patch::Patch;
}

#[tokio::test]
async fn access_reviews_and_deny_rules() {
    let sim = KubeSim::start();
    let c = client(&sim).await;
    let ssar: Api<SelfSubjectAccessReview> = Api::all(c.clone());
    let review = |verb: &str, resource: &str, group: &str| SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                resource: Some(resource.into()),
                group: Some(group.into()),
                namespace: Some("default".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let r = ssar
        .create(
            &PostParams::default(),
            &review("patch", "deployments", "apps"),
        )
        .await
        .unwrap();
    assert!(r.status.unwrap().allowed);
    sim.deny("patch", "apps", "deployments");
    let r = ssar
        .create(
            &PostParams::default(),
            &review("patch", "deployments", "apps"),
        )
        .await
        .unwrap();
    assert!(!r.status.unwrap().allowed);
    let r = ssar
        .create(
            &PostParams::default(),
            &review("get", "deployments", "apps"),
        )
        .await
        .unwrap();
    assert!(r.status.unwrap().allowed);
    sim.put(deployment("web", 1)).unwrap();
    let deps: Api<Deployment> = Api::namespaced(c, "default");
    let e = deps
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
        )
        .await
        .unwrap_err();
    assert_eq!(api_err(e), (403, "Forbidden".into()));
    assert!(
        sim.writes()
            .iter()
            .all(|w| w.resource != "selfsubjectaccessreviews"),
        "reviews are not writes"
    );
    assert_eq!(sim.writes().len(), 1);
    assert_eq!(sim.writes()[0].status, 403);
    sim.clear_denies();
    deps.patch(
        "web",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn await_deployment_available_through_a_watch() {
    let sim = KubeSim::start();
    sim.set_new_pods_ready(false);
    sim.put(deployment("slow", 2)).unwrap();
    let c = client(&sim).await;
    let deps: Api<Deployment> = Api::namespaced(c.clone(), "default");
    let d = deps.get("slow").await.unwrap();
    assert_eq!(d.status.unwrap().available_replicas, None);
    let wait = tokio::spawn(async move {
        tokio::time::timeout(
            Duration::from_secs(10),
            await_condition(deps, "slow", conditions::is_deployment_completed()),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !wait.is_finished(),
        "not available while the pods are not ready"
    );
    assert_eq!(sim.make_pods_ready(None), 2);
    let done = wait
        .await
        .unwrap()
        .expect("became available within 10s")
        .unwrap()
        .unwrap();
    let status = done.status.unwrap();
    assert_eq!(status.available_replicas, Some(2));
    assert_eq!(status.observed_generation, done.metadata.generation);

    // a watcher sees the current objects, then changes
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    sim.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one", "namespace": "default"}})).unwrap();
    let mut stream = watcher(cms, watcher::Config::default())
        .applied_objects()
        .boxed();
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(first.metadata.name.as_deref(), Some("one"));
    sim.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "two", "namespace": "default"}})).unwrap();
    let second = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(second.metadata.name.as_deref(), Some("two"));
}

fn raw_get(sim: &KubeSim, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", sim.port())).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[tokio::test]
async fn faults_429_drops_latency_and_500() {
    let sim = KubeSim::start();
    sim.set_faults(
        Faults::none().with_rule(
            FaultRule::new(
                Some("list"),
                Some("pods"),
                1.0,
                Fault::TooManyRequests {
                    retry_after_secs: 2,
                },
            )
            .times(1),
        ),
    );
    let resp = raw_get(&sim, "/api/v1/pods");
    assert!(resp.starts_with("HTTP/1.1 429"), "{resp}");
    assert!(
        resp.to_ascii_lowercase().contains("retry-after: 2"),
        "{resp}"
    );
    assert!(resp.contains("\"reason\":\"TooManyRequests\""));
    assert!(
        raw_get(&sim, "/api/v1/pods").starts_with("HTTP/1.1 200"),
        "fires once"
    );
    assert!(raw_get(&sim, "/api").starts_with("HTTP/1.1 200"));

    let c = client(&sim).await;
    let pods: Api<Pod> = Api::all(c.clone());
    sim.set_faults(
        Faults::none()
            .with_rule(FaultRule::new(None, Some("pods"), 1.0, Fault::DropConnection).times(1)),
    );
    let e = pods.list(&ListParams::default()).await.unwrap_err();
    assert!(
        !matches!(e, kube::Error::Api(_)),
        "a dropped connection is a transport error: {e:?}"
    );
    pods.list(&ListParams::default()).await.unwrap();

    sim.set_faults(
        Faults::none()
            .with_rule(FaultRule::new(Some("create"), None, 1.0, Fault::Status(500)).times(1)),
    );
    let nss: Api<Namespace> = Api::all(c.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
    assert_eq!(
        api_err(nss.create(&PostParams::default(), &ns).await.unwrap_err()),
        (500, "InternalError".into())
    );
    assert!(
        sim.get("ns", None, "x").is_none(),
        "a faulted write does not happen"
    );
    assert_eq!(sim.writes().last().unwrap().status, 500);
    // kube's client retries 503 (and 429, 504) by itself: the write log shows both attempts
    sim.set_faults(
        Faults::none()
            .with_rule(FaultRule::new(Some("create"), None, 1.0, Fault::Status(503)).times(1)),
    );
    nss.create(&PostParams::default(), &ns).await.unwrap();
    let statuses: Vec<u16> = sim
        .writes()
        .iter()
        .rev()
        .take(2)
        .map(|w| w.status)
        .collect();
    assert_eq!(statuses, [201, 503]);

    sim.set_faults(Faults::none().with_latency(Duration::from_millis(150), Duration::ZERO));
    let t = Instant::now();
    pods.list(&ListParams::default()).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
    sim.clear_faults();

    // --error-rate style: seeded, mixed 500/503/429, repeatable
    let codes = |seed| {
        sim.set_faults(Faults::error_rate(0.5, seed));
        (0..40)
            .map(|_| raw_get(&sim, "/api/v1/namespaces")[9..12].to_string())
            .collect::<Vec<_>>()
    };
    let a = codes(7);
    assert_eq!(a, codes(7));
    assert!(a.iter().any(|c| c == "200") && a.iter().any(|c| c != "200"));
}

#[tokio::test]
async fn kubeconfig_contexts() {
    let sim = KubeSim::start();
    let kc = Kubeconfig::read_from(sim.kubeconfig_path()).unwrap();
    let alt = Config::from_custom_kubeconfig(
        kc.clone(),
        &KubeConfigOptions {
            context: Some("kube-sim-alt".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cms: Api<ConfigMap> = Api::default_namespaced(Client::try_from(alt).unwrap());
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "via-alt"}})).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(sim.writes()[0].user.as_deref(), Some("kube-sim-alt"));
    let cur = Config::from_custom_kubeconfig(kc.clone(), &KubeConfigOptions::default())
        .await
        .unwrap();
    let cms: Api<ConfigMap> = Api::default_namespaced(Client::try_from(cur).unwrap());
    cms.delete("via-alt", &DeleteParams::default())
        .await
        .unwrap();
    assert_eq!(sim.writes()[1].user.as_deref(), Some("kube-sim"));
    let bad = Config::from_custom_kubeconfig(
        kc,
        &KubeConfigOptions {
            context: Some("unreachable".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cms: Api<ConfigMap> = Api::default_namespaced(Client::try_from(bad).unwrap());
    assert!(cms.list(&ListParams::default()).await.is_err());
}

/// kube's own metadata client (`Api::list_metadata`) decodes kube-sim's
/// `PartialObjectMetadataList` pages: owner references without the objects.
#[tokio::test]
async fn list_metadata_pages_owner_references() {
    let sim = KubeSim::builder()
        .generate(GenOptions {
            pods: 120,
            seed: 11,
            ..Default::default()
        })
        .start()
        .unwrap();
    let client = client(&sim).await;
    let api: Api<k8s_openapi::api::apps::v1::ReplicaSet> = Api::all(client);
    let mut lp = ListParams::default().limit(3);
    let mut seen = 0;
    let mut owned = 0;
    loop {
        let page = api.list_metadata(&lp).await.unwrap();
        seen += page.items.len();
        owned += page
            .items
            .iter()
            .filter(|m| {
                m.metadata
                    .owner_references
                    .as_ref()
                    .is_some_and(|o| !o.is_empty())
            })
            .count();
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    assert_eq!(seen, sim.count("replicasets"));
    assert!(owned > 0, "Deployments' ReplicaSets name their owner");
    assert!(
        sim.requests()
            .iter()
            .filter(|r| r.resource == "replicasets")
            .all(|r| r.metadata_only)
    );
}
