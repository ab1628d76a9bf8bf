//! Accumulating counts: a [`Partial`] per reading task keeps interned keys and signed counts
//! (rows found later to be duplicates or unmatched are subtracted by a second pass), and a
//! [`Tally`] merges partials into the cube's string-keyed cells.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use rayon::prelude::*;
use recount_cube::{
    Cells, CrimeCell, Cube, DataQuality, IncidentCell, Name, Period, QualityCheck, QualityExample,
    QualityKey, ReclassificationCell, RecordingDelay, Table,
};
use rustc_hash::FxHashMap;

/// Marks an absent optional code.
pub(crate) const NONE: u32 = u32::MAX;

/// Hashes of ids are already uniformly distributed: hashing them again would only cost time.
#[derive(Default)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// A set of id hashes.
pub(crate) type IdSet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;

/// The incidents crimes name, for the join: a blocked Bloom filter (one 64-bit word per key,
/// three bits set in it; Putze, Sanders & Singler 2007) in front of the exact map. Most
/// incidents lead to no crime, and the filter, about 16 bits per link, answers them from cache
/// instead of a random probe of a map of millions.
pub(crate) struct Links {
    words: Vec<u64>,
    mask: usize,
    /// Each linked incident's most serious standing offence (its place in
    /// [`crate::rules::Rules::seriousness`]), or [`NO_OFFENCE`]: the probe that finds the
    /// link finds the offence too.
    offences: HashMap<u64, u16, BuildHasherDefault<IdentityHasher>>,
}

/// A linked incident none of whose crimes stands with an offence the catalogue knows.
const NO_OFFENCE: u16 = u16::MAX;

/// What the join found for one incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Link {
    /// No crime names it.
    None,
    /// Crimes name it; the most serious standing offence among them, if any.
    Crime(Option<u16>),
}

impl Links {
    /// The links of sorted, distinct hashes, with the offences of the standing crimes that
    /// name them (any order, repeats allowed).
    pub fn new(hashes: &[u64], offences: Vec<(u64, u16)>) -> Links {
        let words = (hashes.len() / 4).max(1).next_power_of_two();
        let mut links = Links {
            words: vec![0; words],
            mask: words - 1,
            offences: hashes.iter().map(|&h| (h, NO_OFFENCE)).collect(),
        };
        for (hash, offence) in offences {
            if let Some(best) = links.offences.get_mut(&hash)
                && (*best == NO_OFFENCE || *best < offence)
            {
                *best = offence;
            }
        }
        for &h in hashes {
            let (word, bits) = links.slot(h);
            links.words[word] |= bits;
        }
        links
    }

    fn slot(&self, hash: u64) -> (usize, u64) {
        let word = (hash >> 40) as usize & self.mask;
        let bits =
            (1u64 << (hash & 63)) | (1u64 << ((hash >> 6) & 63)) | (1u64 << ((hash >> 12) & 63));
        (word, bits)
    }

    /// What the join finds for each incident (`None`: no id, so no link). Two passes: the
    /// filter for every row, then the exact map for the rows the filter lets through.
    pub fn find_all(&self, hashes: &[Option<u64>]) -> Vec<Link> {
        let maybe: Vec<bool> = hashes
            .iter()
            .map(|h| {
                h.is_some_and(|h| {
                    let (word, bits) = self.slot(h);
                    self.words[word] & bits == bits
                })
            })
            .collect();
        maybe
            .iter()
            .zip(hashes)
            .map(|(&maybe, hash)| match (maybe, hash) {
                (true, Some(h)) => match self.offences.get(h) {
                    Some(&NO_OFFENCE) => Link::Crime(None),
                    Some(&offence) => Link::Crime(Some(offence)),
                    None => Link::None,
                },
                _ => Link::None,
            })
            .collect()
    }
}

/// Id hashes collected batch by batch, one vector per batch sized once: collecting tens of
/// millions of them never copies them to grow.
#[derive(Default)]
pub(crate) struct Hashes {
    chunks: Vec<Vec<u64>>,
}

impl Hashes {
    /// Starts a batch of at most `rows` hashes.
    pub fn start_batch(&mut self, rows: usize) {
        self.chunks.push(Vec::with_capacity(rows));
    }

    pub fn push(&mut self, hash: u64) {
        match self.chunks.last_mut() {
            Some(chunk) => chunk.push(hash),
            None => self.chunks.push(vec![hash]),
        }
    }

    /// Moves another collection's hashes in (no copy).
    pub fn append(&mut self, other: &mut Hashes) {
        self.chunks.append(&mut other.chunks);
    }

    pub fn len(&self) -> usize {
        self.chunks.iter().map(Vec::len).sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.chunks.iter().flatten().copied()
    }
}

/// Strings seen by one task, numbered in order of first sight.
#[derive(Default)]
pub(crate) struct Interner {
    index: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    pub fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.index.get(text) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(text.to_string());
        self.index.insert(text.to_string(), id);
        id
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    fn optional(&self, id: u32) -> Option<String> {
        (id != NONE).then(|| self.name(id).to_string())
    }

    /// A name as the cube stores it.
    fn text(&self, id: u32) -> Name {
        Name::from(self.name(id))
    }

    fn optional_name(&self, id: u32) -> Option<Name> {
        (id != NONE).then(|| self.text(id))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct IncidentKey {
    pub force: u32,
    pub bcu: u32,
    pub period: Period,
    pub call: u32,
    pub closing: u32,
    pub led_to_crime: bool,
    pub crime_offence: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CrimeKey {
    pub force: u32,
    pub bcu: u32,
    pub period: Period,
    pub initial: u32,
    pub final_code: u32,
    pub cancelled: bool,
    pub reason: u32,
    pub delay: RecordingDelay,
    pub from_incident: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct ReclassificationKey {
    pub force: u32,
    pub bcu: u32,
    pub period: Period,
    pub days_before_month_end: u8,
    pub initial: u32,
    pub final_code: u32,
}

/// Where a row is, for examples.
#[derive(Clone, Copy)]
pub(crate) struct RowPlace<'a> {
    pub file: &'a str,
    pub row_group: Option<usize>,
    pub row: u64,
}

/// What one reading task has counted.
#[derive(Default)]
pub(crate) struct Partial {
    pub names: Interner,
    pub incidents: FxHashMap<IncidentKey, i64>,
    pub crimes: FxHashMap<CrimeKey, i64>,
    pub reclassifications: FxHashMap<ReclassificationKey, i64>,
    /// Rows read and used per (table, force); force `NONE` when unreadable.
    pub rows: FxHashMap<(Table, u32), (i64, i64)>,
    pub quality: DataQuality,
    /// Hashes of the ids of every row with a readable force and id (for duplicates).
    pub ids: Hashes,
    /// Hashes of the incidents crimes name (for the join).
    pub links: Hashes,
    /// The incident each standing crime with a known offence names, with the offence's place
    /// in the order of seriousness.
    pub link_offences: Vec<(u64, u16)>,
    /// Rows read and used not yet added to `rows`: rows come in runs of one force, so counting
    /// them here saves a map update per row.
    pending_rows: Option<((Table, u32), (i64, i64))>,
}

impl Partial {
    fn pending(&mut self, table: Table, force: u32) -> &mut (i64, i64) {
        if self
            .pending_rows
            .is_some_and(|(key, _)| key != (table, force))
        {
            self.flush_rows();
        }
        &mut self.pending_rows.get_or_insert(((table, force), (0, 0))).1
    }

    /// Adds the pending row counts to `rows`.
    pub fn flush_rows(&mut self) {
        if let Some((key, (read, used))) = self.pending_rows.take() {
            let entry = self.rows.entry(key).or_default();
            entry.0 += read;
            entry.1 += used;
        }
    }

    pub fn count_read(&mut self, table: Table, force: u32) {
        self.pending(table, force).0 += 1;
    }

    pub fn count_used(&mut self, table: Table, force: u32, delta: i64) {
        self.pending(table, force).1 += delta;
    }

    /// Records a problem with a row.
    pub fn problem(
        &mut self,
        table: Table,
        check: QualityCheck,
        column: &str,
        force: u32,
        place: RowPlace,
        value: &str,
    ) {
        let key = QualityKey {
            table,
            check,
            column: column.to_string(),
            force_id: self.names.optional(force),
        };
        let example = QualityExample {
            file: place.file.to_string(),
            row_group: place.row_group,
            row: place.row,
            value: value.to_string(),
        };
        self.quality.record(key, example);
    }
}

/// Counts merged from partials, still signed, keyed by this tally's own numbering of names;
/// the cube's string-keyed cells are built once, at the end.
#[derive(Default)]
pub(crate) struct Tally {
    names: Interner,
    incidents: FxHashMap<IncidentKey, i64>,
    crimes: FxHashMap<CrimeKey, i64>,
    reclassifications: FxHashMap<ReclassificationKey, i64>,
    rows: FxHashMap<(Table, u32), (i64, i64)>,
    quality: DataQuality,
}

/// Each name's position in text order (the order of the cube's cells).
fn text_ranks(names: &Interner) -> Vec<u32> {
    let mut order: Vec<u32> = (0..names.names.len() as u32).collect();
    order.sort_by(|a, b| names.names[*a as usize].cmp(&names.names[*b as usize]));
    let mut rank = vec![0u32; order.len()];
    for (position, &id) in order.iter().enumerate() {
        rank[id as usize] = position as u32;
    }
    rank
}

/// A partial's (or tally's) name numbers in this tally's numbering.
fn renumber(into: &mut Interner, from: &Interner) -> Vec<u32> {
    from.names.iter().map(|name| into.id(name)).collect()
}

fn add_counts<K: std::hash::Hash + Eq>(
    into: &mut FxHashMap<K, i64>,
    from: FxHashMap<K, i64>,
    key: impl Fn(K) -> K,
) {
    for (k, n) in from {
        *into.entry(key(k)).or_insert(0) += n;
    }
}

impl Tally {
    fn add(
        &mut self,
        names: &Interner,
        incidents: FxHashMap<IncidentKey, i64>,
        crimes: FxHashMap<CrimeKey, i64>,
        reclassifications: FxHashMap<ReclassificationKey, i64>,
        rows: FxHashMap<(Table, u32), (i64, i64)>,
        quality: DataQuality,
    ) {
        let map = renumber(&mut self.names, names);
        let id = |n: u32| if n == NONE { NONE } else { map[n as usize] };
        add_counts(&mut self.incidents, incidents, |k| IncidentKey {
            force: id(k.force),
            bcu: id(k.bcu),
            call: id(k.call),
            closing: id(k.closing),
            crime_offence: id(k.crime_offence),
            ..k
        });
        add_counts(&mut self.crimes, crimes, |k| CrimeKey {
            force: id(k.force),
            bcu: id(k.bcu),
            initial: id(k.initial),
            final_code: id(k.final_code),
            reason: id(k.reason),
            ..k
        });
        add_counts(&mut self.reclassifications, reclassifications, |k| {
            ReclassificationKey {
                force: id(k.force),
                bcu: id(k.bcu),
                initial: id(k.initial),
                final_code: id(k.final_code),
                ..k
            }
        });
        for ((table, force), (read, used)) in rows {
            let entry = self.rows.entry((table, id(force))).or_default();
            entry.0 += read;
            entry.1 += used;
        }
        self.quality.merge(quality);
    }

    /// Adds a partial's counts.
    pub fn absorb(&mut self, mut partial: Partial) {
        partial.flush_rows();
        self.add(
            &partial.names,
            partial.incidents,
            partial.crimes,
            partial.reclassifications,
            partial.rows,
            partial.quality,
        );
    }

    /// The cube of this tally alone.
    pub fn into_cube(self) -> Cube {
        cube_of(vec![self.into_sorted()])
    }

    /// The tally's cells, positive counts only, in the cube's order. Every count is
    /// non-negative by construction: a row is subtracted only after it was added, by the same
    /// code with the same key.
    ///
    /// The cube's maps are ordered by their cells' text. Sorting millions of cells by text is
    /// slow, so the cells are sorted by the rank of each name in text order, which gives the
    /// same order with integer comparisons.
    pub fn into_sorted(self) -> SortedTally {
        let Tally {
            names,
            incidents,
            crimes,
            reclassifications,
            rows,
            mut quality,
        } = self;
        let rank = text_ranks(&names);
        let r = |n: u32| if n == NONE { 0 } else { rank[n as usize] + 1 };
        let incidents = sorted_cells(incidents, |k| {
            (
                r(k.force),
                r(k.bcu),
                k.period,
                r(k.call),
                r(k.closing),
                k.led_to_crime,
                r(k.crime_offence),
            )
        });
        let crimes = sorted_cells(crimes, |k| {
            (
                r(k.force),
                r(k.bcu),
                k.period,
                r(k.initial),
                r(k.final_code),
                k.cancelled,
                r(k.reason),
                k.delay,
                k.from_incident,
            )
        });
        let reclassifications = sorted_cells(reclassifications, |k| {
            (
                r(k.force),
                r(k.bcu),
                k.period,
                k.days_before_month_end,
                r(k.initial),
                r(k.final_code),
            )
        });
        for ((table, force), (read, used)) in rows {
            quality.count_rows(
                table,
                names.optional(force),
                read.max(0) as u64,
                used.max(0) as u64,
            );
        }
        let names = Arc::new(names);
        SortedTally {
            incidents: Keyed {
                names: Arc::clone(&names),
                cells: incidents,
            },
            crimes: Keyed {
                names: Arc::clone(&names),
                cells: crimes,
            },
            reclassifications: Keyed {
                names,
                cells: reclassifications,
            },
            quality,
        }
    }
}

fn sorted_cells<K: Copy + Send, O: Ord + Send>(
    counts: FxHashMap<K, i64>,
    order: impl Fn(&K) -> O + Sync,
) -> Vec<(K, u64)> {
    // Each cell's order key is computed once, not at every comparison.
    let mut cells: Vec<(O, K, u64)> = counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| (order(&k), k, n as u64))
        .collect();
    cells.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // A fresh vector: collecting in place would keep the larger buffer of the sort keys.
    let mut sorted = Vec::with_capacity(cells.len());
    sorted.extend(cells.into_iter().map(|(_, k, n)| (k, n)));
    sorted
}

/// A tally's cells in the cube's order, still keyed by the tally's own numbering of names: the
/// form in which the force groups, built in parallel, wait to be joined into one cube. Cells
/// are small here (integers); they become text only once, in [`cube_of`].
pub(crate) struct SortedTally {
    incidents: Keyed<IncidentKey>,
    crimes: Keyed<CrimeKey>,
    reclassifications: Keyed<ReclassificationKey>,
    quality: DataQuality,
}

/// One table's integer-keyed cells with the names their numbers stand for.
struct Keyed<K> {
    names: Arc<Interner>,
    cells: Vec<(K, u64)>,
}

fn incident_cell(names: &Interner, k: &IncidentKey) -> IncidentCell {
    IncidentCell {
        force_id: names.text(k.force),
        bcu: names.optional_name(k.bcu),
        period: k.period,
        call_type: names.text(k.call),
        closing_code: names.optional_name(k.closing),
        led_to_crime: k.led_to_crime,
        crime_offence: names.optional_name(k.crime_offence),
    }
}

fn crime_cell(names: &Interner, k: &CrimeKey) -> CrimeCell {
    CrimeCell {
        force_id: names.text(k.force),
        bcu: names.optional_name(k.bcu),
        period: k.period,
        offence_initial: names.text(k.initial),
        offence_final: names.text(k.final_code),
        cancelled: k.cancelled,
        cancel_reason: names.optional_name(k.reason),
        delay: k.delay,
        from_incident: k.from_incident,
    }
}

fn reclassification_cell(names: &Interner, k: &ReclassificationKey) -> ReclassificationCell {
    ReclassificationCell {
        force_id: names.text(k.force),
        bcu: names.optional_name(k.bcu),
        period: k.period,
        days_before_month_end: k.days_before_month_end,
        offence_initial: names.text(k.initial),
        offence_final: names.text(k.final_code),
    }
}

/// The cube of sorted tallies, given in the order of their forces' names. Force groups hold
/// distinct forces, so their cells are usually already in order when laid end to end; the map
/// is then built from them in one pass. Should they overlap, the cells are sorted and equal
/// cells added, so the result never depends on how the rows were grouped.
pub(crate) fn cube_of(parts: Vec<SortedTally>) -> Cube {
    let mut incidents = Vec::with_capacity(parts.len());
    let mut crimes = Vec::with_capacity(parts.len());
    let mut reclassifications = Vec::with_capacity(parts.len());
    let mut quality = DataQuality::default();
    for part in parts {
        incidents.push(part.incidents);
        crimes.push(part.crimes);
        reclassifications.push(part.reclassifications);
        quality.merge(part.quality);
    }
    let (incidents, (crimes, reclassifications)) = rayon::join(
        || ordered_cells(incidents, incident_cell),
        || {
            rayon::join(
                || ordered_cells(crimes, crime_cell),
                || ordered_cells(reclassifications, reclassification_cell),
            )
        },
    );
    Cube {
        incidents,
        crimes,
        reclassifications,
        counts: Cells::new(),
        quality,
    }
}

/// One table's cells, sorted and distinct: the parts' cells turned into text in parallel,
/// straight into their places in one vector. Collecting them builds the map in one pass, in
/// place.
fn ordered_cells<K: Sync + Send, C: Ord + Send>(
    parts: Vec<Keyed<K>>,
    to_cell: impl Fn(&Interner, &K) -> C + Sync,
) -> Cells<C> {
    let mut starts = Vec::with_capacity(parts.len());
    let mut total = 0;
    for part in &parts {
        starts.push(total);
        total += part.cells.len();
    }
    let mut all: Vec<(C, u64)> = Vec::with_capacity(total);
    (0..total)
        .into_par_iter()
        .map(|i| {
            // The last part starting at or before `i` (empty parts share its start).
            let p = starts.partition_point(|&start| start <= i) - 1;
            let (key, n) = &parts[p].cells[i - starts[p]];
            (to_cell(&parts[p].names, key), *n)
        })
        .collect_into_vec(&mut all);
    drop(parts);
    // Within a part the cells are sorted and distinct (distinct keys of distinct names), so
    // the whole is when each part starts above where the one before ended; the cells are
    // sorted (equal ones added) only should the parts overlap.
    Cells::from(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A force group's sorted tally with the given incident counts by call type.
    fn group(force: &str, calls: &[(&str, i64)]) -> SortedTally {
        let mut partial = Partial::default();
        let force = partial.names.id(force);
        for &(call, n) in calls {
            let call = partial.names.id(call);
            let key = IncidentKey {
                force,
                bcu: NONE,
                period: Period::new(2024, 1).expect("a valid month"),
                call,
                closing: NONE,
                led_to_crime: false,
                crime_offence: NONE,
            };
            partial.incidents.insert(key, n);
        }
        let mut tally = Tally::default();
        tally.absorb(partial);
        tally.into_sorted()
    }

    fn incident_counts(cube: &Cube) -> Vec<(String, String, u64)> {
        cube.incidents
            .iter()
            .map(|(c, n)| (c.force_id.to_string(), c.call_type.to_string(), *n))
            .collect()
    }

    fn row(force: &str, call: &str, n: u64) -> (String, String, u64) {
        (force.to_string(), call.to_string(), n)
    }

    #[test]
    fn groups_of_distinct_forces_are_laid_end_to_end() {
        let cube = cube_of(vec![
            group("A", &[("Z", 1), ("B", 2), ("GONE", 0)]),
            group("B", &[("A", 3)]),
        ]);
        assert_eq!(
            incident_counts(&cube),
            [row("A", "B", 2), row("A", "Z", 1), row("B", "A", 3)]
        );
    }

    #[test]
    fn groups_that_overlap_or_come_out_of_order_are_sorted_and_added() {
        let cube = cube_of(vec![
            group("B", &[("X", 1)]),
            group("A", &[("Y", 2), ("X", 4)]),
            group("A", &[("X", 5)]),
        ]);
        assert_eq!(
            incident_counts(&cube),
            [row("A", "X", 9), row("A", "Y", 2), row("B", "X", 1)]
        );
    }
}
