//! The bad-input corpus: malformed files, `--set` arguments and flags, each with the message
//! it must produce. Every one exits 2 with exactly one `error:` message that names the place
//! (file:line:column, `--set #N` or the flag), within 60 s (a hang guard, not a speed test) and 1 GiB of address space, with
//! no panic and no Rust Debug text. A representative subset also goes through `install`
//! against kube-sim, which must see no successful write.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use regex::Regex;

use crate::util::{Cluster, fixture, repo};

/// Where the message must point: `at` is appended to the file's path (`4:15` -> `f.yaml:4:15`,
/// `""` -> `f.yaml:`), or, for `--set` and flags, is the text itself.
struct Row {
    input: Input,
    at: &'static str,
    fragment: &'static str,
}

enum Input {
    /// `render -o tests/cli/fixtures/bad/<name>`.
    File(&'static str),
    /// `render -o <path>` for a path made by the test.
    Made(PathBuf),
    /// `render <args...>`.
    Args(Vec<String>),
    /// `render -o -` with these bytes on stdin.
    Stdin(Vec<u8>),
}

fn file(name: &'static str, at: &'static str, fragment: &'static str) -> Row {
    Row {
        input: Input::File(name),
        at,
        fragment,
    }
}

fn args(a: &[&str], at: &'static str, fragment: &'static str) -> Row {
    Row {
        input: Input::Args(a.iter().map(|s| s.to_string()).collect()),
        at,
        fragment,
    }
}

fn set(arg: &str, fragment: &'static str) -> Row {
    args(&["--set", arg], "--set #1", fragment)
}

/// The malformed files kept in `fixtures/bad/`, by what is wrong with them.
#[rustfmt::skip]
fn fixture_rows() -> Vec<Row> {
    vec![
        // YAML syntax, at the position the parser stops
        file("syntax-unclosed-flow-list.yaml", "7:10", "illegal placement of ':' indicator"),
        file("syntax-unclosed-flow-map.yaml", "4:15", "unclosed bracket '{'"),
        file("syntax-unclosed-double-quote.yaml", "4:8", "unclosed quote"),
        file("syntax-unclosed-single-quote.yaml", "4:8", "unclosed quote"),
        file("syntax-mapping-in-scalar.yaml", "4:19", "mapping values are not allowed in this context"),
        file("syntax-bad-dedent.yaml", "5:2", "did not find expected key"),
        file("syntax-list-in-map.yaml", "5:5", "did not find expected key"),
        file("syntax-stray-closing-bracket.yaml", "5:11", "misplaced bracket"),
        file("syntax-bad-anchor.yaml", "4:12", "alias references unknown anchor"),
        file("syntax-directive-late.yaml", "4:1", "document end marker before directive"),
        file("values-file-invalid-yaml.yaml", "4:20", "mismatched bracket '[' closed by '}'"),
        file("complex-key.yaml", "4:3", "a key must be a plain value, not a list or a map"),
        // tabs, duplicate keys, bytes that are not YAML text
        file("tab-indent.yaml", "4:2", "tabs disallowed"),
        file("tab-before-list-item.yaml", "6:2", "tabs disallowed"),
        file("duplicate-key-top.yaml", "3:1", "duplicate mapping key: kind"),
        file("duplicate-key-nested.yaml", "7:5", "duplicate mapping key: pilot"),
        file("duplicate-key-flow.yaml", "4:34", "duplicate mapping key: accessLogFile"),
        file("non-utf8.yaml", "4:11", "byte 0xE9 is not UTF-8; save the file as UTF-8"),
        file("utf16.yaml", "1:1", "the file is UTF-16; save it as UTF-8"),
        file("control-character.yaml", "4:15", "unexpected control character U+0007"),
        file("number-nan.yaml", "7:19", ".nan is not a number an IstioOperator can hold"),
        file("number-infinite.yaml", "7:19", ".inf is not a number an IstioOperator can hold"),
        file("alias-bomb.yaml", "10:18", "aliases expand to, more than 250000 values (an alias bomb?)"),
        // nothing in it
        file("empty.yaml", "1:1", "the file is empty"),
        file("comments-only.yaml", "1:1", "the file is empty"),
        file("document-markers-only.yaml", "1:1", "the file is empty"),
        file("null-document.yaml", "1:1", "the file is empty"),
        // not an override
        file("scalar-document.yaml", "1:1", "expected a map (an IstioOperator, a ConfigMap or a values file), found a string"),
        file("list-document.yaml", "1:1", "found a list"),
        file("wrong-kind.yaml", "1:1", "kind Deployment is not an override"),
        file("wrong-kind-case.yaml", "1:1", "kind istiooperator is not an override"),
        file("missing-kind.yaml", "1:1", "this looks like an IstioOperator without `kind: IstioOperator`"),
        file("wrong-api-version.yaml", "1:13", "apiVersion: must be \"install.istio.io/v1alpha1\", found \"install.istio.io/v1\""),
        file("api-version-empty.yaml", "1:13", "apiVersion: must be \"install.istio.io/v1alpha1\", found \"\""),
        file("two-operators.yaml", "6:1", "a second IstioOperator in one file (the first is at 1:1)"),
        file("two-operators-among-configmaps.yaml", "18:1", "a second IstioOperator in one file (the first is at 1:1)"),
        // Kyma's ConfigMap and values forms
        file("configmap-without-key.yaml", "1:1", "ConfigMap kyma-installer/istio-overrides has no data.kyma_istio_operator"),
        file("configmaps-none-for-istio.yaml", "1:1", "none of the 2 ConfigMaps carries data.kyma_istio_operator"),
        file("configmap-invalid-yaml.yaml", "13:15", "unclosed bracket '['"),
        file("configmap-key-not-string.yaml", "6:5", "must be a string holding an IstioOperator (use `kyma_istio_operator: |`), found a map"),
        file("configmap-key-empty.yaml", "5:24", "key kyma_istio_operator is empty"),
        file("configmap-key-holds-deployment.yaml", "11:5", "key kyma_istio_operator must hold an IstioOperator"),
        file("configmap-key-two-documents.yaml", "11:5", "holds 2 YAML documents; it must hold one IstioOperator"),
        file("configmap-key-unknown-field.yaml", "15:9", "spec.components.pilott: unknown field `pilott`"),
        // unknown fields and components
        file("unknown-spec-field.yaml", "4:3", "spec.compnents: unknown field `compnents`: Istio 1.30's IstioOperatorSpec has no such field; did you mean `components`?"),
        file("unknown-component.yaml", "5:5", "did you mean `pilot`?"),
        file("removed-component-policy.yaml", "5:5", "the component `policy` was removed in Istio 1.8"),
        file("removed-component-citadel.yaml", "5:5", "the component `citadel` was removed in Istio 1.5"),
        file("unknown-k8s-field.yaml", "7:9", "did you mean `replicaCount`?"),
        file("unknown-values-field.yaml", "7:9", "did you mean `privileged`?"),
        file("unknown-mesh-config-field.yaml", "5:5", "did you mean `accessLogFile`?"),
        file("unknown-gateway-field.yaml", "7:7", "spec.components.ingressGateways[0].enabeld: unknown field"),
        file("unknown-top-level-field.yaml", "3:1", "status: unknown field `status`"),
        // wrong types
        file("wrong-type-bool-as-string.yaml", "6:16", "expected true or false, found the string \"yes\""),
        file("wrong-type-env-map.yaml", "8:11", "spec.components.pilot.k8s.env: expected a list, found a map"),
        file("wrong-type-int-as-string.yaml", "8:24", "expected an integer, found the string \"5\""),
        file("wrong-type-tag-number.yaml", "4:8", "1.20 becomes 1.2"),
        file("wrong-type-spec-list.yaml", "3:7", "spec: expected a map (IstioOperatorSpec), found a list"),
        file("wrong-type-components-string.yaml", "4:15", "expected a map (IstioComponentSpec), found the string \"pilot\""),
        file("wrong-type-enum.yaml", "6:13", "expected one of REGISTRY_ONLY, ALLOW_ANY, found the string \"ALLOW_ALL\""),
        file("wrong-type-duration.yaml", "5:21", "expected a duration in seconds such as \"10s\""),
        file("wrong-type-gateways-map.yaml", "6:7", "spec.components.ingressGateways: expected a list, found a map"),
        file("number-out-of-range.yaml", "7:23", "expected an integer, found the number 1e+30"),
        // quantities and bounds
        file("bad-quantity-units.yaml", "9:21", "\"1GB\" is not a Kubernetes quantity: did you mean 1Gi?"),
        file("bad-quantity-word.yaml", "9:18", "\"lots\" is not a Kubernetes quantity: write a number with an optional suffix"),
        file("bad-quantity-negative.yaml", "9:18", "\"-100m\" must not be negative"),
        file("bad-quantity-boolean.yaml", "9:18", "expected a Kubernetes quantity such as \"100m\" or \"128Mi\", found the boolean true"),
        file("bad-quantity-values.yaml", "8:19", "\"12mb\" is not a Kubernetes quantity: did you mean 12Mi?"),
        file("hpa-min-greater-than-max.yaml", "8:24", "minReplicas (5) is greater than maxReplicas (2)"),
        file("hpa-min-zero.yaml", "6:21", "spec.values.pilot.autoscaleMin: must be at least 1, found 0"),
        // strategic-merge directives
        file("patch-unknown-directive.yaml", "5:5", "unknown $patch directive \"explode\": expected replace, delete or merge"),
        file("patch-directive-not-string.yaml", "5:5", "unknown $patch directive [\"replace\"]"),
        file("patch-lone-delete-in-list.yaml", "8:11", "`$patch: delete` cannot stand alone in a list"),
    ]
}

/// `--set` arguments, flags and file-system cases.
#[rustfmt::skip]
fn argument_rows() -> Vec<Row> {
    let deep = format!("{}=1", vec!["a"; 100].join("."));
    vec![
        set("novalue", "expected PATH=VALUE"),
        set("=1", "the path is empty"),
        set("a..b=1", "empty key in path \"a..b\""),
        set("a.=1", "ends with '.'"),
        set("a[=1", "unclosed '['"),
        set("a[x]=1", "[x] is neither a list index nor a [key:value] selector"),
        set("a[:x]=1", "selector [:x] must be [key:value]"),
        set("a]=1", "unexpected ']'"),
        set("a[0]b=1", "expected '.' or '[' after ']'"),
        set("a\\", "the path ends with a lone backslash"),
        set(&deep, "the path has more than 64 steps"),
        set("components[0]=1", "[0] needs a list, found a map"),
        set("components.ingressGateways[5].enabled=true", "index [5] is past the end of a list of 1"),
        set("meshConfig.accessLogFile.x=1", "cannot set \"x\": its parent is a string, not a map"),
        set("values.global.proxy.privilegd=true", "spec.values.global.proxy.privilegd: unknown field `privilegd`"),
        set("components.pilot.enabled=yes", "expected true or false, found the string \"yes\""),
        set("components.pilot.k8s.resources.limits.memory=1gb", "\"1gb\" is not a Kubernetes quantity: did you mean 1Gi?"),
        set("components.pilot.k8s.resources.requests.cpu=-5", "must not be negative"),
        set("components.pilot.k8s.hpaSpec.minReplicas=0", "must be at least 1, found 0"),
        set("components.ingressGateways[name:istio-ingressgateway].k8s.service.type=Nodeport", "expected one of ClusterIP, NodePort"),
        args(&["--set", "values.global.proxy.privileged=true", "--set", "x[=1"], "--set #2", "unclosed '['"),
        // flags (clap's own messages: exit 2, one error)
        args(&["--profile", "minikube"], "'--profile <PROFILE>'", "invalid value 'minikube'"),
        args(&["--output", "xml"], "'--output <OUTPUT>'", "invalid value 'xml'"),
        args(&["--sidecar-injection", "sometimes"], "'--sidecar-injection <MODE>'", "invalid value 'sometimes'"),
        args(&["--bogus"], "'--bogus'", "unexpected argument"),
        args(&["--set"], "'--set <PATH=VALUE>'", "a value is required"),
        args(&["-o"], "'--overrides <FILE>'", "a value is required"),
        // the file system
        args(&["-o", "json"], "override file json", "did you mean --output json?"),
        args(&["-o", "tests/cli/fixtures/bad/does-not-exist.yaml"], "does-not-exist.yaml:", "no such file"),
        args(&["-o", "tests/cli/fixtures/bad"], "tests/cli/fixtures/bad:", "is a directory, not a file"),
        Row {
            input: Input::Stdin(b"kind: IstioOperator\nspec: [\n".to_vec()),
            at: "<stdin>:2:7",
            fragment: "unclosed bracket '['",
        },
    ]
}

/// Inputs too large or too odd to keep in the repository, made in `dir`.
fn made_rows(dir: &Path) -> Vec<Row> {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write generated input");
        path
    };
    // 50 MB: an IstioOperator followed by comment lines.
    let big = dir.join("50mb.yaml");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    f.write_all(b"kind: IstioOperator\nspec: {}\n").unwrap();
    let line = format!("# {}\n", "x".repeat(1000));
    while f.get_ref().metadata().unwrap().len() < 50 * 1000 * 1000 {
        for _ in 0..1000 {
            f.write_all(line.as_bytes()).unwrap();
        }
        f.flush().unwrap();
    }
    drop(f);
    let head = "kind: IstioOperator\nspec:\n  values: ";
    let n = 10_000;
    vec![
        Row {
            input: Input::Made(big),
            at: "",
            fragment: "the file is larger than 8 MiB",
        },
        Row {
            input: Input::Made(write(
                "deep-lists.yaml",
                &format!("{head}{}{}\n", "[".repeat(n), "]".repeat(n)),
            )),
            at: "3:",
            fragment: "the YAML nests deeper than 64 levels",
        },
        Row {
            input: Input::Made(write(
                "deep-maps.yaml",
                &format!("{head}{}1{}\n", "{a: ".repeat(n), "}".repeat(n)),
            )),
            at: "3:",
            fragment: "the YAML nests deeper than 64 levels",
        },
        Row {
            input: Input::Made(write("deep-block.yaml", &format!("{}x\n", "- ".repeat(n)))),
            at: "1:",
            fragment: "the YAML nests deeper than 64 levels",
        },
    ]
}

/// What a message must never contain: panics and Rust's Debug rendering of values.
static DEBUG_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"panicked|RUST_BACKTRACE|Some\(|None\b|Ok\(|Err\(|Error \{|[A-Za-z]+ \{ [a-z_]+: |\{ [a-z_]+: ")
        .unwrap()
});

const TIME_LIMIT: Duration = Duration::from_secs(60);
/// Address space, in KiB, for `ulimit -v`: bounds what any run may allocate.
const MEMORY_LIMIT_KIB: u64 = 1024 * 1024;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `kyma-mesh <args>` as the harness would, under a memory limit and a deadline.
fn run(args: &[String], stdin: Option<&[u8]>, envs: &[(&str, String)]) -> Run {
    let bin = assert_cmd::cargo::cargo_bin!("kyma-mesh");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB} && exec \"$@\""))
        .arg("sh")
        .arg(bin)
        .args(args)
        .current_dir(repo())
        .env_remove("ISTIOCTL")
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn kyma-mesh");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    // Read the pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut s).ok();
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut s).ok();
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kyma-mesh {args:?} ran longer than {TIME_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
        elapsed,
    }
}

/// The arguments after the subcommand, the stdin, and the place the message must name.
fn prepare(row: &Row) -> (Vec<String>, Option<Vec<u8>>, String) {
    match &row.input {
        Input::File(name) => {
            let path = fixture(&format!("bad/{name}")).display().to_string();
            let place = format!("{path}:{}", row.at);
            (vec!["-o".into(), path], None, place)
        }
        Input::Made(path) => {
            let path = path.display().to_string();
            let place = format!("{path}:{}", row.at);
            (vec!["-o".into(), path], None, place)
        }
        Input::Args(a) => (a.clone(), None, row.at.to_string()),
        Input::Stdin(bytes) => (
            vec!["-o".into(), "-".into()],
            Some(bytes.clone()),
            row.at.to_string(),
        ),
    }
}

/// Everything a rejected run must be; returns a description of what is not, or None.
fn check(what: &str, row: &Row, place: &str, r: &Run) -> Option<String> {
    let mut wrong = Vec::new();
    if r.code != Some(2) {
        wrong.push(format!("exit {:?}, not 2", r.code));
    }
    if !r.stdout.is_empty() {
        wrong.push("wrote to stdout".to_string());
    }
    let errors = r.stderr.matches("error:").count();
    if errors != 1 {
        wrong.push(format!("{errors} `error:` messages, not 1"));
    }
    if !r.stderr.contains(place) {
        wrong.push(format!("does not name the place {place:?}"));
    }
    if !r.stderr.contains(row.fragment) {
        wrong.push(format!("lacks {:?}", row.fragment));
    }
    if let Some(m) = DEBUG_TEXT.find(&r.stderr) {
        wrong.push(format!("shows {:?}", m.as_str()));
    }
    if r.elapsed > TIME_LIMIT {
        wrong.push(format!("took {:?}", r.elapsed));
    }
    (!wrong.is_empty()).then(|| {
        format!(
            "{what}: {}\n  stderr: {}",
            wrong.join("; "),
            r.stderr.trim_end().replace('\n', "\n          ")
        )
    })
}

fn run_render(rows: &[Row]) {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|row| {
            let (mut args, stdin, place) = prepare(row);
            args.insert(0, "render".into());
            let r = run(&args, stdin.as_deref(), &[]);
            check(&format!("render {}", args[1..].join(" ")), row, &place, &r)
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} inputs misbehave:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_has_at_least_sixty_inputs_and_every_fixture_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Row> = fixture_rows()
        .into_iter()
        .chain(argument_rows())
        .chain(made_rows(dir.path()))
        .collect();
    assert!(rows.len() >= 60, "{} inputs", rows.len());
    let used: Vec<&str> = rows
        .iter()
        .filter_map(|r| match r.input {
            Input::File(name) => Some(name),
            _ => None,
        })
        .collect();
    for entry in std::fs::read_dir(fixture("bad")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            used.contains(&name.as_str()),
            "fixtures/bad/{name} has no row"
        );
    }
}

#[test]
fn malformed_files_are_rejected_with_their_place() {
    run_render(&fixture_rows());
}

#[test]
fn malformed_arguments_are_rejected_with_their_place() {
    run_render(&argument_rows());
}

#[test]
fn huge_and_deep_inputs_are_rejected_quickly_and_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    run_render(&made_rows(dir.path()));
}

/// Non-UTF-8 stdin was once read as an empty file (the read error was dropped).
#[test]
fn non_utf8_on_stdin_is_said_to_be_so() {
    run_render(&[Row {
        input: Input::Stdin(b"kind: IstioOperator\nspec:\n  tag: caf\xe9\n".to_vec()),
        at: "<stdin>:",
        fragment: "not UTF-8",
    }]);
}

#[test]
fn an_unreadable_file_is_either_refused_or_read_as_it_is() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.yaml");
    std::fs::write(
        &path,
        "kind: IstioOperator\nspec:\n  meshConfig:\n    accessLogFile: /dev/null\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root (as in most CI containers) reads a mode-000 file anyway: then kyma-mesh must too.
    let privileged = std::fs::read(&path).is_ok();
    let name = path.display().to_string();
    let r = run(&["render".into(), "-o".into(), name.clone()], None, &[]);
    if privileged {
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stdout.contains("accessLogFile: /dev/null"),
            "{}",
            r.stdout
        );
    } else {
        let row = Row {
            input: Input::Made(path.clone()),
            at: "",
            fragment: "permission denied",
        };
        if let Some(failure) = check(&format!("render -o {name}"), &row, &format!("{name}:"), &r) {
            panic!("{failure}");
        }
    }
}

#[test]
fn install_rejects_bad_input_before_it_writes_anything() {
    let cluster = Cluster::new();
    let kubeconfig = cluster.sim.kubeconfig_path().display().to_string();
    let path = format!("{}:/usr/bin:/bin", cluster.bin.path().display());
    let record = cluster.record.path().display().to_string();
    let dir = tempfile::tempdir().unwrap();
    #[rustfmt::skip]
    let subset: Vec<Row> = vec![
        file("syntax-unclosed-flow-map.yaml", "4:15", "unclosed bracket '{'"),
        file("tab-indent.yaml", "4:2", "tabs disallowed"),
        file("duplicate-key-nested.yaml", "7:5", "duplicate mapping key: pilot"),
        file("non-utf8.yaml", "4:11", "is not UTF-8"),
        file("empty.yaml", "1:1", "the file is empty"),
        file("alias-bomb.yaml", "10:18", "an alias bomb?"),
        file("wrong-kind.yaml", "1:1", "kind Deployment is not an override"),
        file("two-operators.yaml", "6:1", "a second IstioOperator in one file"),
        file("configmap-invalid-yaml.yaml", "13:15", "unclosed bracket '['"),
        file("unknown-component.yaml", "5:5", "did you mean `pilot`?"),
        file("wrong-type-env-map.yaml", "8:11", "expected a list, found a map"),
        file("bad-quantity-units.yaml", "9:21", "did you mean 1Gi?"),
        file("patch-unknown-directive.yaml", "5:5", "unknown $patch directive \"explode\""),
        set("a[x]=1", "neither a list index"),
        set("components.pilot.k8s.resources.limits.memory=1gb", "did you mean 1Gi?"),
        args(&["-o", "tests/cli/fixtures/bad/does-not-exist.yaml"], "does-not-exist.yaml:", "no such file"),
    ]
    .into_iter()
    .chain(made_rows(dir.path()).into_iter().take(2))
    .collect();
    let envs = [
        ("KUBECONFIG", kubeconfig),
        ("PATH", path),
        ("FAKE_ISTIOCTL_RECORD", record),
    ];
    let mut failures = Vec::new();
    for row in &subset {
        let (mut args, stdin, place) = prepare(row);
        args.insert(0, "install".into());
        let r = run(&args, stdin.as_deref(), &envs);
        if let Some(f) = check(&args.join(" "), row, &place, &r) {
            failures.push(f);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let writes = cluster.sim.writes();
    assert!(
        writes.iter().all(|w| !w.succeeded()),
        "kube-sim saw writes: {:?}",
        writes
            .iter()
            .filter(|w| w.succeeded())
            .map(|w| format!("{} {}", w.method, w.path))
            .collect::<Vec<_>>()
    );
    assert!(
        cluster.install_call().is_none(),
        "istioctl install must not run on bad input"
    );
}
