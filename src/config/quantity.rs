//! Kubernetes quantities (`100m`, `128Mi`, `1.5`, `2e3`): the one checker of `config/`.
//!
//! The grammar is apimachinery's `resource.Quantity`:
//!
//! ```text
//! <quantity>        ::= <signedNumber><suffix>
//! <signedNumber>    ::= <number> | <sign><number>
//! <sign>            ::= "+" | "-"
//! <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//! <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//! <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
//! <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
//! <decimalExponent> ::= "e" <exponent> | "E" <exponent>
//! ```
//!
//! Two places where `ParseQuantity` itself is the reference rather than its doc comment: the
//! comment writes the exponent as a `<signedNumber>`, but the parser takes only an integer
//! that fits an int64 (`1e1.5` and `1e99999999999999999999` are errors), so `<exponent>` is
//! an optional sign and digits; and the parser reads a bare sign, a lone `.` or a suffix
//! without digits (`-`, `.`, `Mi`) as zero, which no one writes on purpose, so they are
//! rejected here as the grammar says.

use super::path::quoted;

/// A quantity that follows the grammar, split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity<'a> {
    pub negative: bool,
    /// The number without its sign: `1.5`, `.5`, `5.`.
    pub number: &'a str,
    /// The suffix as written: `""`, `Mi`, `m`, `e-3`.
    pub suffix: &'a str,
}

/// Parses `s` by the grammar above; `None` when it is not a quantity.
pub fn parse(s: &str) -> Option<Quantity<'_>> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let number_len = number_len(body)?;
    let (number, suffix) = body.split_at(number_len);
    suffix_ok(suffix).then_some(Quantity {
        negative,
        number,
        suffix,
    })
}

/// The length of the `<number>` at the start of `s`: digits, optionally `.` and digits, at
/// least one digit in all.
fn number_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut len = int;
    let mut frac = 0;
    if b.get(len) == Some(&b'.') {
        len += 1;
        frac = b[len..].iter().take_while(|c| c.is_ascii_digit()).count();
        len += frac;
    }
    (int + frac > 0).then_some(len)
}

fn suffix_ok(suffix: &str) -> bool {
    match suffix {
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => true,
        "n" | "u" | "m" | "" | "k" | "M" | "G" | "T" | "P" | "E" => true,
        _ => suffix.strip_prefix(['e', 'E']).is_some_and(|exp| {
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && exp.parse::<i64>().is_ok()
        }),
    }
}

/// What is wrong with `s` as a resource amount (a quantity, and not negative), with a "did you
/// mean" for the usual slips (`512mb`, `1GB`, `1 Gi`); `None` when it is fine.
pub fn problem(s: &str) -> Option<String> {
    if let Some(q) = parse(s) {
        return q
            .negative
            .then(|| format!("{} must not be negative", quoted(s)));
    }
    let not = format!("{} is not a Kubernetes quantity", quoted(s));
    match hint(s) {
        Some(h) => Some(format!("{not}: did you mean {h}?")),
        None => Some(format!(
            "{not}: write a number with an optional suffix, e.g. 100m (CPU) or 128Mi (memory)"
        )),
    }
}

/// What is wrong with a YAML/JSON value as a resource amount: numbers are quantities too.
pub fn value_problem(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::String(s) => problem(s),
        Value::Number(n) if n.as_f64().is_some_and(|f| f < 0.0) => {
            Some(format!("{n} must not be negative"))
        }
        Value::Number(_) => None,
        other => {
            let found = match other {
                Value::Bool(b) => format!("the boolean {b}"),
                Value::Array(_) => "a list".into(),
                Value::Object(_) => "a map".into(),
                _ => "null".into(),
            };
            Some(format!(
                "expected a Kubernetes quantity such as \"100m\" or \"128Mi\", found {found}"
            ))
        }
    }
}

/// The quantity the user probably meant, if the number is fine and the unit is a known slip.
fn hint(s: &str) -> Option<String> {
    let body = s.strip_prefix('+').unwrap_or(s);
    let (number, suffix) = body.split_at(number_len(body)?);
    let unit = suffix.trim();
    if unit != suffix && suffix_ok(unit) {
        // `1 Gi`: the number and the unit must touch.
        return Some(format!("{number}{unit}"));
    }
    if unit == "K" || unit == "ki" || unit == "KI" {
        return Some(format!("{number}Ki or {number}k"));
    }
    let lower = unit.to_ascii_lowercase();
    if lower == "e" {
        // `1e` is a missing exponent, not a unit.
        return None;
    }
    let stem = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .or_else(|| lower.strip_suffix('i'))
        .unwrap_or(&lower);
    let binary = match stem {
        "k" => "Ki",
        "m" => "Mi",
        "g" => "Gi",
        "t" => "Ti",
        "p" => "Pi",
        "e" => "Ei",
        _ => return None,
    };
    Some(format!("{number}{binary}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubernetes_accepts() {
        for ok in [
            "1", "0", "100m", "100n", "5u", "1.5Gi", "128Mi", "3k", "2M", "1G", "1T", "1P", "1E",
            "1Ki", "1Ti", "1Pi", "1Ei", "2e3", "1E-2", "1e+9", ".5", "5.", "5.m", "+1k", "-1",
            "0.000001", "007", "1.5e3",
        ] {
            assert!(parse(ok).is_some(), "{ok}");
        }
    }

    #[test]
    fn kubernetes_rejects() {
        for bad in [
            "",
            "abc",
            "1.2.3",
            "12mb",
            "1 Gi",
            " 1",
            "1 ",
            "Mi",
            ".",
            "-",
            "+",
            "+-1",
            "1e",
            "1e+",
            "1x",
            "1K",
            "1mi",
            "1.5.Mi",
            "1e1.5",
            "1ee3",
            "1e3m",
            "1Mi3",
            "0x10",
            "1,5",
            "1e99999999999999999999",
            "١",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn parts() {
        assert_eq!(
            parse("-1.5e-3"),
            Some(Quantity {
                negative: true,
                number: "1.5",
                suffix: "e-3"
            })
        );
    }

    #[test]
    fn problems_and_hints() {
        assert_eq!(problem("100n"), None);
        assert_eq!(problem("512Mi"), None);
        for (input, meant) in [
            ("512mb", "512Mi"),
            ("512mi", "512Mi"),
            ("512MB", "512Mi"),
            ("512MiB", "512Mi"),
            ("1gb", "1Gi"),
            ("1GB", "1Gi"),
            ("1Gb", "1Gi"),
            ("2tb", "2Ti"),
            ("1 Gi", "1Gi"),
            ("100 m", "100m"),
            ("64kb", "64Ki"),
            ("64K", "64Ki or 64k"),
        ] {
            let p = problem(input).unwrap();
            assert!(
                p.contains(&format!("did you mean {meant}?")),
                "{input}: {p}"
            );
            assert!(
                p.starts_with(&format!("{input:?} is not a Kubernetes quantity")),
                "{p}"
            );
        }
        assert!(problem("abc").unwrap().contains("e.g. 100m (CPU) or 128Mi"));
        assert!(problem("-1").unwrap().contains("must not be negative"));
    }

    #[test]
    fn values() {
        assert_eq!(value_problem(&json!(1)), None);
        assert_eq!(value_problem(&json!(0.5)), None);
        assert_eq!(value_problem(&json!("100m")), None);
        assert!(value_problem(&json!(-1)).unwrap().contains("negative"));
        assert!(
            value_problem(&json!(true))
                .unwrap()
                .contains("found the boolean true")
        );
        assert!(
            value_problem(&json!({"a": 1}))
                .unwrap()
                .contains("found a map")
        );
        assert!(
            value_problem(&json!("1GB"))
                .unwrap()
                .contains("did you mean 1Gi?")
        );
    }
}
