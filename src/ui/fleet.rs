//! A fleet run's summary: each cluster's own output under its name, then one table (context,
//! Istio before -> after, result, what needs a hand).

use crate::ops::fleet::Entry;

/// Each cluster's own output under its name, then the table.
pub fn summary(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        if let serde_json::Value::String(text) = &e.output
            && !text.trim().is_empty()
        {
            out.push_str(&format!("== {} ==\n{}", e.context, text));
            if !text.ends_with('\n') {
                out.push('\n');
            }
            out.push('\n');
        }
    }
    let rows: Vec<[String; 4]> = entries
        .iter()
        .map(|e| {
            let istio = match (&e.istio.before, &e.istio.after) {
                (Some(b), Some(a)) if a != b => format!("{b} -> {a}"),
                (None, Some(a)) => format!("none -> {a}"),
                (Some(b), _) => b.clone(),
                (None, None) if e.answered => "none".into(),
                (None, None) => "?".into(),
            };
            // The whole text is in the cluster's lines above and in the JSON.
            let hand = match e.needs_a_hand.as_slice() {
                [] => "-".to_string(),
                [one] => shorten(one),
                [first, rest @ ..] => format!("{} (+{} more)", shorten(first), rest.len()),
            };
            [
                e.context.clone(),
                istio,
                e.result.as_str().to_string(),
                hand,
            ]
        })
        .collect();
    out.push_str(&columns(
        ["CONTEXT", "ISTIO", "RESULT", "NEEDS A HAND"],
        &rows,
    ));
    out
}

pub(crate) fn shorten(note: &str) -> String {
    const MAX: usize = 90;
    if note.chars().count() <= MAX {
        return note.to_string();
    }
    let cut: String = note.chars().take(MAX - 3).collect();
    format!("{}...", cut.trim_end())
}

/// Left-aligned columns two spaces apart, the last one unpadded (as kubectl's tables).
fn columns(header: [&str; 4], rows: &[[String; 4]]) -> String {
    let mut width = header.map(str::len);
    for r in rows {
        for (w, cell) in width.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i == 3 {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = width[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header);
    for r in rows {
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExitStatus;
    use crate::ops::fleet::{FleetResult, Versions};

    #[test]
    fn the_summary_lines_up_and_says_what_needs_a_hand() {
        let e = |c: &str, r: FleetResult, b: Option<&str>, a: Option<&str>, hand: &[&str]| Entry {
            context: c.into(),
            result: r,
            exit_code: 0,
            istio: Versions {
                before: b.map(String::from),
                after: a.map(String::from),
            },
            needs_a_hand: hand.iter().map(|s| s.to_string()).collect(),
            output: serde_json::Value::Null,
            answered: r != FleetResult::Unreachable,
            status: ExitStatus::Success,
        };
        let t = summary(&[
            e("east", FleetResult::Ok, Some("1.27.3"), Some("1.28.0"), &[]),
            e(
                "west-long",
                FleetResult::Failed,
                Some("1.28.0"),
                Some("1.28.0"),
                &["x", "y"],
            ),
            e(
                "down",
                FleetResult::Unreachable,
                None,
                None,
                &["cannot reach"],
            ),
        ]);
        assert_eq!(
            t,
            "CONTEXT    ISTIO             RESULT       NEEDS A HAND\n\
             east       1.27.3 -> 1.28.0  ok           -\n\
             west-long  1.28.0            failed       x (+1 more)\n\
             down       ?                 unreachable  cannot reach\n"
        );
        assert_eq!(shorten(&"x".repeat(200)), format!("{}...", "x".repeat(87)));
    }
}
