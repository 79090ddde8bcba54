//! A compact set of line numbers, kept as sorted, merged, inclusive ranges.

use serde::ser::{Serialize, SerializeSeq, Serializer};

/// Sorted, non-overlapping, non-adjacent inclusive ranges of 1-based line numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineSet {
    ranges: Vec<(u32, u32)>,
}

impl LineSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add lines `start..start+count`. Ranges may arrive in any order.
    pub fn add_span(&mut self, start: u32, count: u32) {
        if count == 0 || start == 0 {
            return;
        }
        let end = start.saturating_add(count - 1);
        self.insert(start, end);
    }

    fn insert(&mut self, start: u32, end: u32) {
        // Fast path: git emits hunks in order.
        if let Some(last) = self.ranges.last_mut() {
            if start > last.1.saturating_add(1) {
                self.ranges.push((start, end));
                return;
            }
            if start >= last.0 {
                last.1 = last.1.max(end);
                return;
            }
        } else {
            self.ranges.push((start, end));
            return;
        }
        self.ranges.push((start, end));
        self.ranges.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.ranges.len());
        for &(s, e) in &self.ranges {
            match merged.last_mut() {
                Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.ranges = merged;
    }

    pub fn contains(&self, line: u32) -> bool {
        let idx = self.ranges.partition_point(|&(_, end)| end < line);
        self.ranges
            .get(idx)
            .is_some_and(|&(start, _)| start <= line)
    }

    /// Whether any line in `start..=end` is in the set.
    pub fn overlaps(&self, start: u32, end: u32) -> bool {
        let idx = self.ranges.partition_point(|&(_, e)| e < start);
        self.ranges.get(idx).is_some_and(|&(s, _)| s <= end)
    }

    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|&(s, e)| u64::from(e - s) + 1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The inclusive ranges, in order.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// Every line, in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|&(s, e)| s..=e)
    }
}

impl Serialize for LineSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.ranges.len()))?;
        for &(s, e) in &self.ranges {
            seq.serialize_element(&[s, e])?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_adjacent_and_out_of_order_spans() {
        let mut set = LineSet::new();
        set.add_span(10, 2); // 10-11
        set.add_span(12, 1); // 12 (adjacent)
        set.add_span(1, 3); // 1-3
        set.add_span(2, 0); // nothing
        set.add_span(5, 1);
        assert_eq!(set.ranges(), &[(1, 3), (5, 5), (10, 12)]);
        assert_eq!(set.len(), 7);
        assert!(set.contains(11) && set.contains(1) && !set.contains(4) && !set.contains(13));
        assert!(set.overlaps(4, 5) && !set.overlaps(6, 9));
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![1, 2, 3, 5, 10, 11, 12]);
    }
}
