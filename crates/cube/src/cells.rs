//! [`Cells`]: one table of the cube, counts by cell, kept as one vector sorted by cell.
//!
//! A national cube holds millions of cells that are built once, in order, and then only read
//! from start to end. A sorted vector serves that better than a search tree: it is built from
//! cells already in order without comparing or moving them again, takes a third of the memory
//! (no nodes), and is read in one sweep. Looking a cell up is a binary search; adding a cell
//! out of order shifts the cells after it, which only small tables (tests, published counts)
//! do.

use std::cmp::Ordering;
use std::ops::Index;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Counts by cell, sorted by cell, each cell once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cells<K> {
    sorted: Vec<(K, u64)>,
}

impl<K> Default for Cells<K> {
    fn default() -> Self {
        Cells { sorted: Vec::new() }
    }
}

impl<K> Cells<K> {
    /// No cells.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The cells and their counts, in order.
    pub fn iter(&self) -> Iter<'_, K> {
        Iter(self.sorted.iter())
    }

    /// The cells, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + '_ {
        self.sorted.iter().map(|(k, _)| k)
    }

    /// The counts, in the cells' order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &u64> + ExactSizeIterator + '_ {
        self.sorted.iter().map(|(_, n)| n)
    }
}

impl<K: Ord> Cells<K> {
    fn find(&self, cell: &K) -> Result<usize, usize> {
        self.sorted.binary_search_by(|(k, _)| k.cmp(cell))
    }

    /// The count of a cell.
    pub fn get(&self, cell: &K) -> Option<&u64> {
        self.find(cell).ok().map(|i| &self.sorted[i].1)
    }

    /// Adds `count` to a cell. Cheap when cells come in order; otherwise the later cells move.
    pub fn add(&mut self, cell: K, count: u64) {
        let after_last = self.sorted.last().is_none_or(|(last, _)| *last < cell);
        if after_last {
            self.sorted.push((cell, count));
            return;
        }
        match self.find(&cell) {
            Ok(i) => self.sorted[i].1 += count,
            Err(i) => self.sorted.insert(i, (cell, count)),
        }
    }

    /// Sets a cell's count, returning the count it had.
    pub fn insert(&mut self, cell: K, count: u64) -> Option<u64> {
        match self.find(&cell) {
            Ok(i) => Some(std::mem::replace(&mut self.sorted[i].1, count)),
            Err(i) => {
                self.sorted.insert(i, (cell, count));
                None
            }
        }
    }

    /// Adds another table's counts cell by cell, in one pass over both.
    pub fn merge(&mut self, other: Cells<K>) {
        if other.is_empty() {
            return;
        }
        let mine = std::mem::take(&mut self.sorted);
        let mut merged = Vec::with_capacity(mine.len() + other.len());
        let mut left = mine.into_iter().peekable();
        let mut right = other.sorted.into_iter().peekable();
        loop {
            let order = match (left.peek(), right.peek()) {
                (Some(l), Some(r)) => l.0.cmp(&r.0),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => break,
            };
            let next = match order {
                Ordering::Less => left.next(),
                Ordering::Greater => right.next(),
                Ordering::Equal => match (left.next(), right.next()) {
                    (Some((k, a)), Some((_, b))) => Some((k, a + b)),
                    _ => None,
                },
            };
            merged.extend(next);
        }
        self.sorted = merged;
    }

    /// The cells `keep` accepts, with their counts.
    pub fn filter(&self, keep: impl Fn(&K) -> bool) -> Cells<K>
    where
        K: Clone,
    {
        Cells {
            sorted: self
                .sorted
                .iter()
                .filter(|(k, _)| keep(k))
                .cloned()
                .collect(),
        }
    }
}

/// Cells in any order, repeats added together. Cells already sorted and distinct are taken as
/// they are, without copying: checking costs one comparison per cell.
impl<K: Ord> From<Vec<(K, u64)>> for Cells<K> {
    fn from(mut sorted: Vec<(K, u64)>) -> Self {
        if sorted.windows(2).all(|w| w[0].0 < w[1].0) {
            return Cells { sorted };
        }
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        sorted.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1 += later.1;
            }
            same
        });
        Cells { sorted }
    }
}

/// Cells in any order, repeats added together.
impl<K: Ord> FromIterator<(K, u64)> for Cells<K> {
    fn from_iter<I: IntoIterator<Item = (K, u64)>>(iter: I) -> Self {
        Cells::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl<K: Ord> Index<&K> for Cells<K> {
    type Output = u64;

    /// The count of a cell; panics when the cell is absent, like a map's index.
    fn index(&self, cell: &K) -> &u64 {
        self.get(cell).expect("no such cell")
    }
}

/// An iterator over cells and their counts, in order.
pub struct Iter<'a, K>(std::slice::Iter<'a, (K, u64)>);

impl<'a, K> Iterator for Iter<'a, K> {
    type Item = (&'a K, &'a u64);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, n)| (k, n))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<K> DoubleEndedIterator for Iter<'_, K> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, n)| (k, n))
    }
}

impl<K> ExactSizeIterator for Iter<'_, K> {}

impl<'a, K> IntoIterator for &'a Cells<K> {
    type Item = (&'a K, &'a u64);
    type IntoIter = Iter<'a, K>;

    fn into_iter(self) -> Iter<'a, K> {
        self.iter()
    }
}

impl<K> IntoIterator for Cells<K> {
    type Item = (K, u64);
    type IntoIter = std::vec::IntoIter<(K, u64)>;

    fn into_iter(self) -> Self::IntoIter {
        self.sorted.into_iter()
    }
}

/// Serialised as a list of `[cell, count]` pairs, in order.
impl<K: Serialize> Serialize for Cells<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.sorted)
    }
}

/// Read back from a list of pairs in any order (repeats added together).
impl<'de, K: Deserialize<'de> + Ord> Deserialize<'de> for Cells<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs: Vec<(K, u64)> = Vec::deserialize(deserializer)?;
        Ok(pairs.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(pairs: &[(&'static str, u64)]) -> Cells<&'static str> {
        pairs.iter().copied().collect()
    }

    fn pairs(cells: &Cells<&'static str>) -> Vec<(&'static str, u64)> {
        cells.iter().map(|(k, n)| (*k, *n)).collect()
    }

    #[test]
    fn cells_in_any_order_come_out_sorted_with_repeats_added() {
        let table = cells(&[("b", 2), ("a", 1), ("b", 5), ("c", 0)]);
        assert_eq!(pairs(&table), [("a", 1), ("b", 7), ("c", 0)]);
        assert_eq!(table.get(&"b"), Some(&7));
        assert_eq!(table.get(&"z"), None);
        assert_eq!(table[&"a"], 1);
    }

    #[test]
    fn adding_and_setting_keep_the_order() {
        let mut table = Cells::new();
        for (k, n) in [("m", 1), ("z", 2), ("a", 3), ("m", 4)] {
            table.add(k, n);
        }
        assert_eq!(pairs(&table), [("a", 3), ("m", 5), ("z", 2)]);
        assert_eq!(table.insert("m", 9), Some(5));
        assert_eq!(table.insert("b", 1), None);
        assert_eq!(pairs(&table), [("a", 3), ("b", 1), ("m", 9), ("z", 2)]);
    }

    #[test]
    fn merging_adds_equal_cells_and_interleaves_the_rest() {
        let mut left = cells(&[("a", 1), ("c", 3), ("e", 5)]);
        left.merge(cells(&[("b", 2), ("c", 10), ("f", 6)]));
        assert_eq!(
            pairs(&left),
            [("a", 1), ("b", 2), ("c", 13), ("e", 5), ("f", 6)]
        );
        let mut empty = Cells::new();
        empty.merge(cells(&[("x", 1)]));
        assert_eq!(pairs(&empty), [("x", 1)]);
    }

    #[test]
    fn a_vector_is_taken_as_it_is_only_when_sorted_and_distinct() {
        let sorted = Cells::from(vec![("a", 1), ("b", 2)]);
        assert_eq!(pairs(&sorted), [("a", 1), ("b", 2)]);
        let unsorted = Cells::from(vec![("c", 1), ("a", 2), ("c", 3)]);
        assert_eq!(pairs(&unsorted), [("a", 2), ("c", 4)]);
        let repeated = Cells::from(vec![("a", 1), ("a", 2)]);
        assert_eq!(pairs(&repeated), [("a", 3)]);
    }

    #[test]
    fn a_table_survives_serialisation() {
        let table = cells(&[("b", 2), ("a", 1)]);
        let text = serde_json::to_string(&table).expect("serialisable");
        assert_eq!(text, r#"[["a",1],["b",2]]"#);
        let back: Cells<String> = serde_json::from_str(&text).expect("readable");
        assert_eq!(back.len(), 2);
        assert_eq!(back.get(&"b".to_string()), Some(&2));
    }
}
