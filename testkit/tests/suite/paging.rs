//! Continue tokens that expire: by age (`continue_token_ttl`) and on demand.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, ListParams};
use testkit::{GenOptions, KubeSim};

fn expired(e: kube::Error) -> kube::core::Status {
    match e {
        kube::Error::Api(s) => *s,
        other => panic!("expected a Status error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn continue_tokens_expire_after_their_ttl() {
    let sim = KubeSim::builder()
        .generate(GenOptions {
            pods: 300,
            seed: 4,
            ..Default::default()
        })
        .continue_token_ttl(Duration::from_millis(400))
        .start()
        .unwrap();
    let pods: Api<Pod> = Api::all(Client::try_from(sim.kube_config()).unwrap());
    // (only waits in the safe direction: sleeping longer than a TTL always expires it)
    let first = pods.list(&ListParams::default().limit(100)).await.unwrap();
    let token = first.metadata.continue_.clone().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let e = expired(
        pods.list(&ListParams::default().limit(100).continue_token(&token))
            .await
            .unwrap_err(),
    );
    assert_eq!(e.code, 410);
    assert_eq!(e.reason, "Expired");
    assert!(
        e.message.contains("continue parameter is too old"),
        "{}",
        e.message
    );
    // young enough: the next page comes
    sim.set_continue_token_ttl(Some(Duration::from_secs(60)));
    let first = pods.list(&ListParams::default().limit(100)).await.unwrap();
    let token = first.metadata.continue_.clone().unwrap();
    let second = pods
        .list(&ListParams::default().limit(100).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 100);
    // a shorter TTL applies to tokens already handed out
    let token2 = second.metadata.continue_.clone().unwrap();
    sim.set_continue_token_ttl(Some(Duration::from_millis(200)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let e = expired(
        pods.list(&ListParams::default().limit(100).continue_token(&token2))
            .await
            .unwrap_err(),
    );
    assert_eq!((e.code, e.reason.as_str()), (410, "Expired"));
    // a new list starts over and works
    let again = pods.list(&ListParams::default().limit(100)).await.unwrap();
    assert_eq!(again.items.len(), 100);
    // no TTL: old tokens live on
    sim.set_continue_token_ttl(None);
    let t = again.metadata.continue_.clone().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        pods.list(&ListParams::default().limit(100).continue_token(&t))
            .await
            .is_ok()
    );
    // on demand
    sim.expire_continue_tokens();
    let e = expired(
        pods.list(&ListParams::default().limit(100).continue_token(&t))
            .await
            .unwrap_err(),
    );
    assert_eq!((e.code, e.reason.as_str()), (410, "Expired"));
}
