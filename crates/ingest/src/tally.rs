//! Accumulating counts: a [`Partial`] per reading task keeps interned keys and signed counts
//! (rows found later to be duplicates or unmatched are subtracted by a second pass), and a
//! [`Tally`] merges partials into the cube's string-keyed cells.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::slice::ParallelSliceMut;
use recount_cube::{
    CrimeCell, Cube, DataQuality, IncidentCell, Name, Period, QualityCheck, QualityExample,
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
/// three bits set in it; Putze, Sanders & Singler 2007) in front of the exact set. Most
/// incidents lead to no crime, and the filter, about 16 bits per link, answers them from cache
/// instead of a random probe of a set of millions.
pub(crate) struct Links {
    words: Vec<u64>,
    mask: usize,
    set: IdSet,
}

impl Links {
    /// The links of sorted, distinct hashes.
    pub fn new(hashes: &[u64]) -> Links {
        let words = (hashes.len() / 4).max(1).next_power_of_two();
        let mut links = Links {
            words: vec![0; words],
            mask: words - 1,
            set: hashes.iter().copied().collect(),
        };
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

    /// Whether a crime names the incident.
    pub fn contains(&self, hash: u64) -> bool {
        let (word, bits) = self.slot(hash);
        self.words[word] & bits == bits && self.set.contains(&hash)
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

    fn optional_name(&self, id: u32) -> Option<Name> {
        (id != NONE).then(|| Name::from(self.name(id)))
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
    pub ids: Vec<u64>,
    /// Hashes of the incidents crimes name (for the join).
    pub links: Vec<u64>,
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

    /// Adds another tally.
    pub fn merge(&mut self, other: Tally) {
        self.add(
            &other.names,
            other.incidents,
            other.crimes,
            other.reclassifications,
            other.rows,
            other.quality,
        );
    }

    /// The cube. Every count is non-negative by construction: a row is subtracted only after it
    /// was added, by the same code with the same key.
    ///
    /// The cube's maps are ordered by their cells' text. Sorting millions of cells by text is
    /// the slow part of a national build, so the cells are sorted (in parallel) by the rank of
    /// each name in text order, which gives the same order with integer comparisons, and the
    /// maps are built from the sorted cells.
    pub fn into_cube(self) -> Cube {
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
        let text = |n: u32| Name::from(names.name(n));
        let optional = |n: u32| names.optional_name(n);
        let ((incident_cells, crime_cells), reclassification_cells) = rayon::join(
            || {
                rayon::join(
                    || {
                        let mut cells: Vec<(IncidentKey, i64)> =
                            incidents.into_iter().filter(|(_, n)| *n > 0).collect();
                        cells.par_sort_unstable_by_key(|(k, _)| {
                            (
                                r(k.force),
                                r(k.bcu),
                                k.period,
                                r(k.call),
                                r(k.closing),
                                k.led_to_crime,
                            )
                        });
                        cells
                            .into_iter()
                            .map(|(k, n)| {
                                let cell = IncidentCell {
                                    force_id: text(k.force),
                                    bcu: optional(k.bcu),
                                    period: k.period,
                                    call_type: text(k.call),
                                    closing_code: optional(k.closing),
                                    led_to_crime: k.led_to_crime,
                                };
                                (cell, n as u64)
                            })
                            .collect::<std::collections::BTreeMap<_, _>>()
                    },
                    || {
                        let mut cells: Vec<(CrimeKey, i64)> =
                            crimes.into_iter().filter(|(_, n)| *n > 0).collect();
                        cells.par_sort_unstable_by_key(|(k, _)| {
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
                        cells
                            .into_iter()
                            .map(|(k, n)| {
                                let cell = CrimeCell {
                                    force_id: text(k.force),
                                    bcu: optional(k.bcu),
                                    period: k.period,
                                    offence_initial: text(k.initial),
                                    offence_final: text(k.final_code),
                                    cancelled: k.cancelled,
                                    cancel_reason: optional(k.reason),
                                    delay: k.delay,
                                    from_incident: k.from_incident,
                                };
                                (cell, n as u64)
                            })
                            .collect::<std::collections::BTreeMap<_, _>>()
                    },
                )
            },
            || {
                let mut cells: Vec<(ReclassificationKey, i64)> = reclassifications
                    .into_iter()
                    .filter(|(_, n)| *n > 0)
                    .collect();
                cells.par_sort_unstable_by_key(|(k, _)| {
                    (
                        r(k.force),
                        r(k.bcu),
                        k.period,
                        k.days_before_month_end,
                        r(k.initial),
                        r(k.final_code),
                    )
                });
                cells
                    .into_iter()
                    .map(|(k, n)| {
                        let cell = ReclassificationCell {
                            force_id: text(k.force),
                            bcu: optional(k.bcu),
                            period: k.period,
                            days_before_month_end: k.days_before_month_end,
                            offence_initial: text(k.initial),
                            offence_final: text(k.final_code),
                        };
                        (cell, n as u64)
                    })
                    .collect::<std::collections::BTreeMap<_, _>>()
            },
        );
        for ((table, force), (read, used)) in rows {
            quality.count_rows(
                table,
                names.optional(force),
                read.max(0) as u64,
                used.max(0) as u64,
            );
        }
        Cube {
            incidents: incident_cells,
            crimes: crime_cells,
            reclassifications: reclassification_cells,
            counts: std::collections::BTreeMap::new(),
            quality,
        }
    }
}
