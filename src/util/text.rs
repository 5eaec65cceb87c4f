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

/// A list too long to keep, kept as its message shows it: how many, and the first `max`.
/// `lines()` reads exactly as [`capped`] over the whole list.
#[derive(Debug, Clone)]
pub struct Sample<T> {
    pub count: usize,
    pub first: Vec<T>,
    max: usize,
}

impl<T> Sample<T> {
    pub fn new(max: usize) -> Sample<T> {
        Sample {
            count: 0,
            first: Vec::new(),
            max,
        }
    }

    /// Counts one more; `item` is made only while fewer than `max` are kept.
    pub fn push(&mut self, item: impl FnOnce() -> T) {
        self.count += 1;
        if self.first.len() < self.max {
            self.first.push(item());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

impl Sample<String> {
    /// The kept lines and a count of the rest, as [`capped`].
    pub fn lines(&self) -> Vec<String> {
        let mut out = self.first.clone();
        if self.count > self.first.len() {
            out.push(format!("... and {} more", self.count - self.first.len()));
        }
        out
    }
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

    #[test]
    fn a_sample_reads_as_the_capped_list() {
        let all: Vec<String> = (0..25).map(|i| format!("pod-{i}")).collect();
        for (n, max) in [(0, 10), (3, 10), (10, 10), (11, 10), (25, 10), (25, 3)] {
            let mut s = Sample::new(max);
            for line in &all[..n] {
                s.push(|| line.clone());
            }
            assert_eq!(
                s.lines(),
                capped(all[..n].to_vec(), max),
                "{n} of max {max}"
            );
            assert_eq!((s.count, s.is_empty()), (n, n == 0));
        }
    }
}
