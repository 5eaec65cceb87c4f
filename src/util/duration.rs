//! Durations: one formatter for every message and progress line, one parser for every flag.

use std::time::Duration;

/// Human-sized durations: `0.3s`, `4.2s`, `5s`, `45s`, `2m05s`, `1h30m`. Whole seconds print
/// without a fraction, so `--timeout 5s` is said back as `5s`.
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 10 && d.subsec_millis() != 0 {
        return format!("{:.1}s", d.as_secs_f64());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s:02}s"),
        _ if s == 0 => format!("{h}h{m:02}m"),
        _ => format!("{h}h{m:02}m{s:02}s"),
    }
}

/// Durations as kubectl and Go write them (`90s`, `10m`, `1h30m`, `500ms`), parsed by jiff's
/// friendly format (which also takes `1h 30m` and ISO 8601 `PT10M`). A bare number is refused
/// with a hint rather than guessed at: `10` could mean seconds or minutes.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!(
            "invalid duration {s:?}: add a unit, e.g. {t}s or {t}m"
        ));
    }
    let parsed: jiff::SignedDuration = t
        .parse()
        .map_err(|_| format!("invalid duration {s:?}: use e.g. 90s, 10m or 1h30m"))?;
    if parsed.is_negative() || parsed.is_zero() {
        return Err(format!("invalid duration {s:?}: it must be more than zero"));
    }
    Duration::try_from(parsed).map_err(|_| format!("invalid duration {s:?}: too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let f = |ms| fmt_duration(Duration::from_millis(ms));
        assert_eq!(f(0), "0s");
        assert_eq!(f(40), "0.0s");
        assert_eq!(f(300), "0.3s");
        assert_eq!(f(4_250), "4.2s");
        assert_eq!(f(5_000), "5s");
        assert_eq!(f(45_600), "45s");
        assert_eq!(f(125_000), "2m05s");
        assert_eq!(f(600_000), "10m00s");
        assert_eq!(f(5_400_000), "1h30m");
        assert_eq!(f(5_401_000), "1h30m01s");
    }

    #[test]
    fn parses() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        let bare = parse_duration("10").unwrap_err();
        assert!(bare.contains("add a unit, e.g. 10s or 10m"), "{bare}");
        for bad in ["", "10x", "m", "-1s", "0s", "1.2.3s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
