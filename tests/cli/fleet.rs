//! Fleets: three kube-sim clusters in one kubeconfig (one under injected faults) and a fourth
//! context that does not answer; one command on all of them, one summary, the worst exit code.

use serde_json::Value;

use crate::util::{Cluster, Run};

struct Fleet {
    east: Cluster,
    west: Cluster,
    north: Cluster,
    dir: tempfile::TempDir,
}

impl Fleet {
    fn new() -> Fleet {
        let f = Fleet {
            east: Cluster::new(),
            west: Cluster::new(),
            north: Cluster::new(),
            dir: tempfile::tempdir().unwrap(),
        };
        let mut clusters = String::new();
        let mut contexts = String::new();
        for (name, url) in [
            ("east", f.east.sim.url()),
            ("west", f.west.sim.url()),
            ("north", f.north.sim.url()),
            ("down", "http://127.0.0.1:1"),
        ] {
            clusters.push_str(&format!("- name: {name}\n  cluster:\n    server: {url}\n"));
            contexts.push_str(&format!(
                "- name: {name}\n  context:\n    cluster: {name}\n    user: u\n"
            ));
        }
        std::fs::write(
            f.kubeconfig(),
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n{clusters}users:\n- name: u\n  user:\n    token: kube-sim\ncontexts:\n{contexts}current-context: east\n"
            ),
        )
        .unwrap();
        f.west.sim.set_faults(crate::reliability::ten_percent(3));
        f
    }

    fn kubeconfig(&self) -> std::path::PathBuf {
        self.dir.path().join("fleet.yaml")
    }

    fn run(&self, version: &str, args: &[&str]) -> Run {
        let mut cmd = self.east.kyma_mesh();
        cmd.env("KUBECONFIG", self.kubeconfig())
            .env("FAKE_ISTIOCTL_VERSION", version)
            .args(args);
        self.east.run_cmd(&mut cmd, args)
    }

    fn istiod_version(c: &Cluster) -> Option<String> {
        let d = c.sim.get("deployments", Some("istio-system"), "istiod")?;
        let image = d["spec"]["template"]["spec"]["containers"][0]["image"].as_str()?;
        Some(
            image
                .rsplit(':')
                .next()?
                .trim_end_matches("-distroless")
                .to_string(),
        )
    }
}

fn row<'a>(table: &'a str, context: &str) -> Vec<&'a str> {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(context))
        .unwrap_or_else(|| panic!("a row for {context} in\n{table}"))
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

#[test]
fn install_then_upgrade_a_fleet_with_one_summary() {
    let f = Fleet::new();
    let run = f.run("1.27.3", &["install", "--contexts", "east,west,north"]);
    run.expect_success()
        .expect_stderr("3 clusters: east, west, north")
        .expect_stderr("[east] ")
        .expect_stderr("[west] ")
        .expect_stdout("CONTEXT");
    for ctx in ["east", "west", "north"] {
        assert_eq!(
            row(&run.stdout, ctx)[1..3],
            ["none -> 1.27.3", "ok"],
            "{ctx}"
        );
    }
    for c in [&f.east, &f.west, &f.north] {
        assert_eq!(Fleet::istiod_version(c).as_deref(), Some("1.27.3"));
        // each cluster keeps its own record
        assert_eq!(
            c.get("configmaps", Some("istio-system"), "kyma-mesh-config")["data"]["istio-version"],
            "1.27.3"
        );
    }
    // every line of a cluster's progress names its context
    assert!(
        run.stderr
            .lines()
            .filter(|l| l.contains("istioctl install"))
            .all(|l| l.starts_with('[')),
        "{}",
        run.stderr
    );

    // upgrade two of them; the third is left alone
    let run = f.run(
        "1.28.0",
        &["upgrade", "--contexts", "east,west", "--parallel", "2"],
    );
    run.expect_success();
    assert_eq!(row(&run.stdout, "east")[1..3], ["1.27.3 -> 1.28.0", "ok"]);
    assert_eq!(row(&run.stdout, "west")[1..3], ["1.27.3 -> 1.28.0", "ok"]);
    assert_eq!(Fleet::istiod_version(&f.north).as_deref(), Some("1.27.3"));

    // a re-run only does what is left: the upgraded ones reconcile
    let run = f.run(
        "1.28.0",
        &["upgrade", "--all-contexts", "--exclude-context", "down"],
    );
    run.expect_success();
    assert_eq!(row(&run.stdout, "east")[1..3], ["1.28.0", "ok"]);
    assert_eq!(row(&run.stdout, "north")[1..3], ["1.27.3 -> 1.28.0", "ok"]);
}

#[test]
fn check_a_fleet_as_json_with_an_unreachable_cluster() {
    let f = Fleet::new();
    f.run("1.28.0", &["install", "--contexts", "east,west,north"])
        .expect_success();
    let run = f.run("1.28.0", &["check", "--all-contexts", "--output", "json"]);
    run.expect_code(1);
    let list: Value = serde_json::from_str(&run.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(
        list.iter()
            .map(|e| e["context"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["east", "west", "north", "down"]
    );
    for e in &list[..3] {
        assert_eq!(e["result"], "ok", "{e}");
        assert_eq!(e["exitCode"], 0);
        assert_eq!(e["istio"]["before"], "1.28.0");
        assert!(
            e["output"]["categories"].is_array(),
            "the check report itself: {e}"
        );
    }
    let down = &list[3];
    assert_eq!(down["result"], "unreachable", "{down}");
    assert_eq!(down["exitCode"], 1);
    assert!(
        down["needsAHand"][0]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:1"),
        "{down}"
    );

    // the table: one row per cluster, the worst exit code
    let run = f.run("1.28.0", &["check", "--all-contexts"]);
    run.expect_code(1).expect_stdout("== east ==");
    assert_eq!(row(&run.stdout, "down")[1..3], ["?", "unreachable"]);
    assert_eq!(row(&run.stdout, "west")[1..3], ["1.28.0", "ok"]);
    f.run(
        "1.28.0",
        &["check", "--all-contexts", "--exclude-context", "down"],
    )
    .expect_success();

    // proxy-reset's own JSON document per cluster
    let run = f.run(
        "1.28.0",
        &[
            "proxy-reset",
            "--dry-run",
            "--all-contexts",
            "--exclude-context",
            "down",
            "--output",
            "json",
        ],
    );
    run.expect_success();
    let list: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    for e in list.as_array().unwrap() {
        assert_eq!(
            e["output"]["expectedImage"], "docker.io/istio/proxyv2:1.28.0",
            "{e}"
        );
    }

    // --fail-fast: after the first failure no other cluster starts
    let run = f.run(
        "1.28.0",
        &[
            "version",
            "--contexts",
            "down,east",
            "--parallel",
            "1",
            "--fail-fast",
        ],
    );
    run.expect_code(1);
    assert_eq!(row(&run.stdout, "east")[2], "not run");
}

#[test]
fn fleet_flags_are_checked_before_any_cluster_is_touched() {
    let f = Fleet::new();
    f.run("1.28.0", &["version", "--contexts", "east,nope"])
        .expect_code(2)
        .expect_stderr("--contexts: context \"nope\" is not in")
        .expect_stderr("it has east, west, north, down")
        .expect_no_writes();
    f.run(
        "1.28.0",
        &["check", "--contexts", "east", "--context", "west"],
    )
    .expect_code(2)
    .expect_stderr("leave it out");
    f.run("1.28.0", &["check", "--exclude-context", "down"])
        .expect_code(2)
        .expect_stderr("--all-contexts");
    f.run(
        "1.28.0",
        &["install", "--contexts", "east", "--all-contexts"],
    )
    .expect_code(2)
    .expect_stderr("cannot be used with");
    f.run("1.28.0", &["gateway", "restart", "--contexts", "east"])
        .expect_code(2)
        .expect_stderr("--contexts");
}

/// SIGTERM during a fleet run: every running cluster stops its istioctl and says so, no
/// further cluster starts, the summary still comes, and the exit code is 143.
#[test]
fn sigterm_stops_the_running_clusters_and_starts_no_other() {
    use std::time::{Duration, Instant};
    let f = Fleet::new();
    let mut cmd = f.east.kyma_mesh_process();
    let child = cmd
        .env("KUBECONFIG", f.kubeconfig())
        .env("FAKE_ISTIOCTL_VERSION", "1.28.0")
        .env("FAKE_ISTIOCTL_FAIL", "hang:install")
        .args([
            "install",
            "--contexts",
            "east,north,west",
            "--parallel",
            "2",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let installs = || {
        f.east
            .istioctl_calls()
            .iter()
            .filter(|c| c.args.first().map(String::as_str) == Some("install"))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while installs() < 2 {
        assert!(
            Instant::now() < deadline,
            "two istioctl installs never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stdout}\n{stderr}");
    for ctx in ["east", "north"] {
        assert_eq!(row(&stdout, ctx)[1..3], ["none", "interrupted"], "{stdout}");
        assert!(
            stderr.contains(&format!("[{ctx}] error: interrupted by SIGTERM")),
            "{stderr}"
        );
    }
    assert_eq!(row(&stdout, "west")[1..3], ["?", "not run"], "{stdout}");
    assert_eq!(installs(), 2, "west was never started");
}
