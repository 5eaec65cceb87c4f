//! What istioctl prints: one output line cleaned as a terminal would show it, the lines that
//! explain a failure, and the JSON of `istioctl version`.

use std::path::Path;

use super::{IstioVersion, IstioctlError, STDERR_TAIL_LINES};

/// Which of istioctl's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line of istioctl's output, without its line ending and with ANSI escapes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    pub stream: Stream,
    pub text: String,
}

/// One raw output line as a terminal would show it: line ending removed, only the text after the
/// last carriage return (spinners redraw a line with `\r`), ANSI escapes and other control
/// characters removed, invalid UTF-8 replaced.
pub(super) fn clean_line(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_end_matches(['\n', '\r']);
    let text = match text.rsplit_once('\r') {
        Some((_, last)) if !last.is_empty() => last,
        _ => text,
    };
    // console (already linked through indicatif) knows CSI, OSC and the other escapes; what is
    // left of other control characters (BEL, a lone ESC) goes too, tab stays.
    console::strip_ansi_codes(text)
        .chars()
        .filter(|&c| !c.is_control() || c == '\t')
        .collect()
}

/// The lines that explain a failure: stderr's tail; when stderr is empty, the stdout lines starting
/// with "Error" (some istioctl commands report there); failing that, stdout's tail.
pub(super) fn failure_tail(stdout: &[String], stderr: &[String]) -> Vec<String> {
    let non_blank = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .collect()
    };
    let tail = |mut lines: Vec<String>| {
        let skip = lines.len().saturating_sub(STDERR_TAIL_LINES);
        lines.drain(..skip);
        lines
    };
    let stderr = non_blank(stderr);
    if !stderr.is_empty() {
        return tail(stderr);
    }
    let errors: Vec<String> = stdout
        .iter()
        .filter(|l| l.trim_start().starts_with("Error"))
        .cloned()
        .collect();
    if !errors.is_empty() {
        return tail(errors);
    }
    tail(non_blank(stdout))
}

/// Parse the output of `istioctl version -o json`. Tolerates lines printed before the JSON
/// (warnings some istioctl builds write to stdout).
pub(super) fn parse_client_version(
    istioctl: &Path,
    output: &str,
) -> Result<IstioVersion, IstioctlError> {
    let snippet = || {
        let trimmed = output.trim();
        match trimmed.char_indices().nth(200) {
            Some((cut, _)) => format!("{}...", &trimmed[..cut]),
            None if trimmed.is_empty() => "nothing".to_owned(),
            None => trimmed.to_owned(),
        }
    };
    let value: serde_json::Value = match serde_json::from_str(output) {
        Ok(v) => v,
        Err(first) => {
            let embedded = match (output.find('{'), output.rfind('}')) {
                (Some(start), Some(end)) if start < end => {
                    serde_json::from_str(&output[start..=end]).ok()
                }
                _ => None,
            };
            embedded.ok_or_else(|| IstioctlError::VersionNotJson {
                path: istioctl.to_owned(),
                output: snippet(),
                source: first,
            })?
        }
    };
    let version = value
        .get("clientVersion")
        .and_then(|c| c.get("version"))
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| IstioctlError::VersionMissing {
            path: istioctl.to_owned(),
            output: snippet(),
        })?;
    version
        .parse()
        .map_err(|source| IstioctlError::InvalidVersion {
            path: istioctl.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::istioctl::test_support::{VERSION_JSON, v};

    #[test]
    fn parses_version_json() {
        let p = Path::new("/x/istioctl");
        assert_eq!(parse_client_version(p, VERSION_JSON).unwrap(), v("1.28.0"));
        let pretty =
            "Warning: something\n{\n  \"clientVersion\": {\n    \"version\": \"1.24.3\"\n  }\n}\n";
        assert_eq!(parse_client_version(p, pretty).unwrap(), v("1.24.3"));

        let err = parse_client_version(p, "istioctl version 1.28.0").unwrap_err();
        assert!(
            matches!(err, IstioctlError::VersionNotJson { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("did not print JSON"), "{err}");
        assert!(err.to_string().contains("istioctl version 1.28.0"), "{err}");

        let err = parse_client_version(p, r#"{"clientVersion":{}}"#).unwrap_err();
        assert!(
            matches!(err, IstioctlError::VersionMissing { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains(".clientVersion.version"), "{err}");

        let err =
            parse_client_version(p, r#"{"clientVersion":{"version":"unknown"}}"#).unwrap_err();
        assert!(
            matches!(err, IstioctlError::InvalidVersion { .. }),
            "{err:?}"
        );
    }

    /// What `istioctl version --remote=false -o json` prints (pkg/version's `Version` marshalled
    /// with two-space indent), for a release, a pre-release and a source build.
    #[test]
    fn parses_real_istioctl_output_and_rejects_garbage() {
        let p = Path::new("/x/istioctl");
        let real = |version: &str| {
            format!(
                "{{\n  \"clientVersion\": {{\n    \"version\": \"{version}\",\n    \
                 \"revision\": \"6b7f1fd5b4b6c3e1b2a1a3c9d0e0f1a2b3c4d5e6\",\n    \
                 \"golang_version\": \"go1.25.3\",\n    \"status\": \"Clean\",\n    \
                 \"tag\": \"{version}\"\n  }}\n}}\n"
            )
        };
        assert_eq!(
            parse_client_version(p, &real("1.28.0")).unwrap(),
            v("1.28.0")
        );
        assert_eq!(
            parse_client_version(p, &real("1.29.0-beta.1")).unwrap(),
            v("1.29.0-beta.1")
        );
        assert_eq!(
            parse_client_version(p, &real("1.24.3-distroless")).unwrap(),
            v("1.24.3")
        );
        let err = parse_client_version(p, &real("unknown")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("istioctl at /x/istioctl reports a version kyma-mesh cannot read"),
            "{err}"
        );

        for garbage in [
            "",
            "   \n",
            "\u{7f}ELF\u{2}\u{1}",
            "Usage: kubectl [flags]",
            "{ not json }",
            "[1, 2, 3]",
        ] {
            let err = parse_client_version(p, garbage).unwrap_err();
            assert!(
                matches!(
                    err,
                    IstioctlError::VersionNotJson { .. } | IstioctlError::VersionMissing { .. }
                ),
                "{garbage:?}: {err:?}"
            );
        }
        let err = parse_client_version(p, "").unwrap_err();
        assert!(err.to_string().ends_with("it printed: nothing"), "{err}");
        // Long output is cut in the message.
        let long = "x".repeat(1000);
        let err = parse_client_version(p, &long).unwrap_err().to_string();
        assert!(err.ends_with("..."), "{err}");
        assert!(err.len() < 400, "{err}");
        // A number where the version string should be.
        let err = parse_client_version(p, r#"{"clientVersion":{"version":1.28}}"#).unwrap_err();
        assert!(
            matches!(err, IstioctlError::VersionMissing { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn cleans_output_lines() {
        assert_eq!(
            clean_line(b"\x1b[32m\xe2\x9c\x94\x1b[0m Istio core installed\n"),
            "\u{2714} Istio core installed"
        );
        assert_eq!(
            clean_line(b"- Processing resources\r\x1b[2K\xe2\x9c\x94 Istiod installed\r\n"),
            "\u{2714} Istiod installed"
        );
        assert_eq!(
            clean_line(b"see \x1b]8;;https://istio.io\x07docs\x1b]8;;\x1b\\ now\n"),
            "see docs now"
        );
        assert_eq!(clean_line(b"tab\tkept\x07\n"), "tab\tkept");
        assert_eq!(clean_line(b"bad \xff utf8"), "bad \u{fffd} utf8");
        assert_eq!(clean_line(b"\x1b[1;31mError:\x1b[0m boom\n"), "Error: boom");
        assert_eq!(clean_line(b"lone \x1b escape"), "lone  escape");
        assert_eq!(clean_line(b"\r\n"), "");
    }

    #[test]
    fn failure_tail_prefers_stderr_then_error_lines() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let stderr: Vec<String> = (1..=30).map(|i| format!("line {i}")).collect();
        let tail = failure_tail(&[], &stderr);
        assert_eq!(tail.len(), STDERR_TAIL_LINES);
        assert_eq!(tail.first().unwrap(), "line 11");
        assert_eq!(tail.last().unwrap(), "line 30");
        assert_eq!(
            failure_tail(
                &lines(&["✔ Istio core installed", "Error: boom", "done"]),
                &lines(&["", " "])
            ),
            ["Error: boom"]
        );
        assert_eq!(failure_tail(&lines(&["a", "b"]), &[]), ["a", "b"]);
        assert!(failure_tail(&[], &[]).is_empty());
    }
}
