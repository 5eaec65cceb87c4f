//! How lists and counts read in messages, the same in every command.

/// `1 pod`, `3 pods`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Lines for a list, the first `max` of them and a count of the rest.
pub fn capped(lines: impl IntoIterator<Item = String>, max: usize) -> Vec<String> {
    let all: Vec<String> = lines.into_iter().collect();
    let mut out: Vec<String> = all.iter().take(max).cloned().collect();
    if all.len() > max {
        out.push(format!("... and {} more", all.len() - max));
    }
    out
}

/// Each item on a line of its own, indented under the sentence before it.
pub fn indented(items: &[String]) -> String {
    items.iter().map(|i| format!("\n  {i}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_the_same_everywhere() {
        assert_eq!(plural(1, "pod", "pods"), "1 pod");
        assert_eq!(plural(2, "pod", "pods"), "2 pods");
        let three: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(capped(three.clone(), 2), ["a", "b", "... and 1 more"]);
        assert_eq!(capped(three.clone(), 3), three);
        assert_eq!(indented(&three[..2]), "\n  a\n  b");
    }
}
