//! kube-sim against the real kube-apiserver (testkit::realk8s): where they must agree, the same
//! requests go to both and the answers are compared. One real ground serves this binary; it
//! stops when the test process ends (its stdin closes).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::{ConfigMap, PodTemplate};
use kube::api::{Api, ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::{Value, json};
use testkit::KubeSim;
use testkit::realk8s::RealGround;

fn ground() -> &'static RealGround {
    static GROUND: OnceLock<Result<RealGround, String>> = OnceLock::new();
    GROUND
        .get_or_init(RealGround::start)
        .as_ref()
        .unwrap_or_else(|e| panic!("the real ground did not start: {e}"))
}

async fn real_client() -> Client {
    let kc = Kubeconfig::read_from(&ground().admin).expect("the ground's kubeconfig");
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .expect("a kube config");
    Client::try_from(config).expect("a client")
}

/// A POST to etcd's JSON gateway (plain HTTP on loopback).
fn etcd_post(path: &str, body: &Value) -> Value {
    let url = ground().etcd.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&url).expect("connect to etcd");
    let body = body.to_string();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {url}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write to etcd");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read etcd's answer");
    let (_, json_body) = resp.split_once("\r\n\r\n").expect("an HTTP answer");
    serde_json::from_str(json_body.trim()).unwrap_or_else(|e| panic!("etcd: {e}: {resp}"))
}

/// Compacts etcd up to its current revision: every older continue token is now expired.
fn compact_etcd() {
    let head = etcd_post("/v3/kv/range", &json!({"key": "AA=="}));
    let rev = head["header"]["revision"].clone();
    etcd_post(
        "/v3/kv/compaction",
        &json!({"revision": rev, "physical": true}),
    );
}

async fn make<K>(client: Client, ns: &str, n: usize) -> Api<K>
where
    K: kube::Resource<Scope = kube::core::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(client, ns);
    for i in 0..n {
        let obj: K = serde_json::from_value(json!({
            "metadata": {"name": format!("page-{i}"), "namespace": ns},
            "data": {"i": i.to_string()},
            "template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}
        }))
        .unwrap();
        api.create(&PostParams::default(), &obj).await.unwrap();
    }
    api
}

fn status(e: kube::Error) -> kube::core::Status {
    match e {
        kube::Error::Api(s) => *s,
        other => panic!("expected a Status error, got {other:?}"),
    }
}

/// A list paged across an etcd compaction, when the page comes from etcd (PodTemplates: the
/// ground runs them without a watch cache): the real server answers 410 Expired, as kube-sim
/// does after `expire_continue_tokens`, and both say to start a new list.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_after_an_etcd_compaction_is_410_expired_on_both() {
    let real = make::<PodTemplate>(real_client().await, "default", 5).await;
    let first = real.list(&ListParams::default().limit(2)).await.unwrap();
    let token = first.metadata.continue_.clone().expect("a continue token");
    // Writes after the first page, then a compaction past the list's revision.
    make::<ConfigMap>(real_client().await, "kube-public", 2).await;
    compact_etcd();
    let real_err = status(
        real.list(&ListParams::default().limit(2).continue_token(&token))
            .await
            .unwrap_err(),
    );
    // A new list (no continue token) works again: the recovery a client must make.
    let again = real.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(again.items.len(), 2);

    let sim = KubeSim::start();
    let simmed =
        make::<ConfigMap>(Client::try_from(sim.kube_config()).unwrap(), "default", 5).await;
    let first = simmed.list(&ListParams::default().limit(2)).await.unwrap();
    let token = first.metadata.continue_.clone().expect("a continue token");
    sim.expire_continue_tokens();
    let sim_err = status(
        simmed
            .list(&ListParams::default().limit(2).continue_token(&token))
            .await
            .unwrap_err(),
    );

    assert_eq!(
        (real_err.code, real_err.reason.as_str()),
        (410, "Expired"),
        "{real_err:?}"
    );
    assert_eq!(
        (sim_err.code, sim_err.reason.as_str()),
        (410, "Expired"),
        "{sim_err:?}"
    );
    // The real server offers a token to go on with an inconsistent list; kube-sim does not
    // (lib.rs "What is NOT covered").
    let inconsistent = |e: &kube::core::Status| {
        e.metadata
            .as_ref()
            .and_then(|m| m.continue_.clone())
            .is_some_and(|c| !c.is_empty())
    };
    assert!(inconsistent(&real_err), "{real_err:?}");
    assert!(!inconsistent(&sim_err), "{sim_err:?}");
    for e in [&real_err, &sim_err] {
        assert!(
            e.message
                .contains("start a new list without the continue parameter"),
            "{}",
            e.message
        );
    }
}

/// What kube-sim does not model: for a kind in the watch cache, kube-apiserver 1.36 serves the
/// next page from the cache's snapshot of the list's revision, so the same compaction does not
/// expire the token (kube-sim's continue tokens expire by age or on demand only).
#[tokio::test(flavor = "multi_thread")]
async fn a_cached_kind_pages_on_across_a_compaction_on_the_real_server() {
    let real = make::<ConfigMap>(real_client().await, "kube-node-lease", 5).await;
    let first = real.list(&ListParams::default().limit(2)).await.unwrap();
    let token = first.metadata.continue_.clone().expect("a continue token");
    make::<ConfigMap>(real_client().await, "kube-public", 0).await;
    compact_etcd();
    let next = real
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .expect("the next page from the watch cache's snapshot");
    assert_eq!(next.items.len(), 2);
}

const IOP: &str = r#"apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  namespace: istio-system
spec:
  components:
    ingressGateways:
    - name: istio-ingressgateway
      enabled: true
"#;

/// Every line `istioctl install -y` prints, by stream.
fn install_output(istioctl: &std::path::Path, kubeconfig: &std::path::Path) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let iop = dir.path().join("iop.yaml");
    std::fs::write(&iop, IOP).unwrap();
    let out = std::process::Command::new(istioctl)
        .args(["install", "-y", "-f"])
        .arg(&iop)
        .env("KUBECONFIG", kubeconfig)
        .env("FAKE_ISTIOCTL_VERSION", "1.28.0")
        .output()
        .expect("run istioctl");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(out.status.success(), "{}", text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

/// fake-istioctl's install speaks as the real one: nothing on stdout; on stderr the logo, a
/// "- Processing resources for ..." line before each component and a ✔ line after it.
#[test]
fn install_output_goes_where_real_istioctls_goes() {
    let real_istioctl = testkit::realk8s::istioctl(testkit::realk8s::ISTIO_FROM).unwrap();
    let (real_out, real_err) = install_output(&real_istioctl, &ground().admin);
    let sim = KubeSim::start();
    let fake = std::path::PathBuf::from(env!("CARGO_BIN_EXE_fake-istioctl"));
    let (fake_out, fake_err) = install_output(&fake, sim.kubeconfig_path());
    for (name, out, err) in [
        ("real", &real_out, &real_err),
        ("fake", &fake_out, &fake_err),
    ] {
        assert_eq!(out.trim(), "", "{name} istioctl's stdout");
        let lines: Vec<&str> = err
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert!(lines[0].starts_with("|\\"), "{name}: the logo first: {err}");
        for component in ["Istio core", "Istiod", "Ingress gateways"] {
            let processing = format!("- Processing resources for {component}.");
            let at = lines
                .iter()
                .position(|l| *l == processing)
                .unwrap_or_else(|| panic!("{name}: no {processing:?} in {err}"));
            assert!(
                lines[at..]
                    .iter()
                    .any(|l| l.starts_with(&format!("✔ {component} installed"))),
                "{name}: {component} done after its progress line: {err}"
            );
        }
        assert_eq!(
            lines.last(),
            Some(&"✔ Installation complete"),
            "{name}: {err}"
        );
    }
}

/// `active` (1 replica) and `old` (0) in a new namespace `ns`, as ReplicaSets and as
/// ReplicationControllers, once their controllers have counted their pods (`status.replicas`);
/// then the names each field selector lists (metadata only, as kyma-mesh lists owners), or the
/// refusal's code and message.
async fn by_field_selector(client: Client, ns: &str) -> Vec<Result<Vec<String>, (u16, String)>> {
    use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
    use k8s_openapi::api::core::v1::{Namespace, ReplicationController};
    let nss: Api<Namespace> = Api::all(client.clone());
    let ns_obj: Namespace = serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap();
    nss.create(&PostParams::default(), &ns_obj).await.unwrap();
    let rss: Api<ReplicaSet> = Api::namespaced(client.clone(), ns);
    let rcs: Api<ReplicationController> = Api::namespaced(client.clone(), ns);
    for (name, n) in [("active", 1), ("old", 0)] {
        let spec = |selector: Value| {
            json!({"metadata": {"name": name, "namespace": ns},
                "spec": {"replicas": n, "selector": selector,
                         "template": {"metadata": {"labels": {"app": name}},
                                      "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
        };
        let rs = spec(json!({"matchLabels": {"app": name}}));
        rss.create(&PostParams::default(), &serde_json::from_value(rs).unwrap())
            .await
            .unwrap();
        let rc = spec(json!({"app": name}));
        rcs.create(&PostParams::default(), &serde_json::from_value(rc).unwrap())
            .await
            .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let rs = rss.list(&ListParams::default()).await.unwrap();
        let rc = rcs.list(&ListParams::default()).await.unwrap();
        let counted = rs.items.iter().all(|o| {
            let want = o.spec.replicas.unwrap_or(1);
            o.status.as_ref().is_some_and(|s| s.replicas == want)
        }) && rc.items.iter().all(|o| {
            let want = o.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            o.status.as_ref().is_some_and(|s| s.replicas == want)
        });
        if counted && rs.items.len() == 2 && rc.items.len() == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "status.replicas never settled: {rs:?} {rc:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let deployments: Api<Deployment> = Api::namespaced(client, ns);
    fn names<K: Clone>(l: kube::core::ObjectList<kube::core::PartialObjectMeta<K>>) -> Vec<String> {
        l.items
            .into_iter()
            .filter_map(|o| o.metadata.name)
            .collect()
    }
    let refused = |e: kube::Error| {
        let s = status(e);
        (s.code, s.message)
    };
    let mut out = Vec::new();
    for (fields, kind) in [
        ("status.replicas!=0", "rs"),
        ("metadata.name=active", "rs"),
        ("status.replicas!=0", "deployment"),
        ("status.replicas!=0", "rc"),
        ("status.replicas=0", "rc"),
        ("spec.replicas=1", "rc"),
    ] {
        let lp = ListParams::default().fields(fields);
        out.push(
            match kind {
                "rs" => rss.list_metadata(&lp).await.map(names),
                "rc" => rcs.list_metadata(&lp).await.map(names),
                _ => deployments.list_metadata(&lp).await.map(names),
            }
            .map_err(refused),
        );
    }
    out
}

/// Field selectors answer the same on both: kube-apiserver 1.36 refuses `status.replicas` on
/// ReplicaSets and Deployments (so proxy-reset cannot list only the ReplicaSets that have
/// pods), accepts it on ReplicationControllers, and each refusal is a 400 in the same words.
#[tokio::test(flavor = "multi_thread")]
async fn field_selectors_select_and_refuse_the_same_on_both() {
    let real = by_field_selector(real_client().await, "field-selectors").await;
    let sim = KubeSim::start();
    let simmed = by_field_selector(
        Client::try_from(sim.kube_config()).unwrap(),
        "field-selectors",
    )
    .await;
    assert_eq!(real, simmed);
    let default = "\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"";
    assert_eq!(real[0], Err((400, default.to_string())));
    assert_eq!(real[1], Ok(vec!["active".to_string()]));
    assert_eq!(real[2], Err((400, default.to_string())));
    assert_eq!(real[3], Ok(vec!["active".to_string()]));
    assert_eq!(real[4], Ok(vec!["old".to_string()]));
    assert_eq!(
        real[5],
        Err((400, "field label not supported: spec.replicas".to_string()))
    );
}
