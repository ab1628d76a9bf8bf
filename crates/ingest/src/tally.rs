//! Accumulating counts: a [`Partial`] per reading task keeps interned keys and signed counts
//! (rows found later to be duplicates or unmatched are subtracted by a second pass), and a
//! [`Tally`] merges partials into the cube's string-keyed cells.

use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use recount_cube::{
    CrimeCell, Cube, DataQuality, IncidentCell, Period, QualityCheck, QualityExample, QualityKey,
    ReclassificationCell, RecordingDelay, Table,
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
}

impl Partial {
    pub fn count_read(&mut self, table: Table, force: u32) {
        self.rows.entry((table, force)).or_default().0 += 1;
    }

    pub fn count_used(&mut self, table: Table, force: u32, delta: i64) {
        self.rows.entry((table, force)).or_default().1 += delta;
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

/// Counts merged from partials, keyed by the cube's cells, still signed.
#[derive(Default)]
pub(crate) struct Tally {
    incidents: BTreeMap<IncidentCell, i64>,
    crimes: BTreeMap<CrimeCell, i64>,
    reclassifications: BTreeMap<ReclassificationCell, i64>,
    rows: BTreeMap<(Table, Option<String>), (i64, i64)>,
    quality: DataQuality,
}

impl Tally {
    /// Adds a partial's counts.
    pub fn absorb(&mut self, partial: Partial) {
        let names = &partial.names;
        for (k, n) in partial.incidents {
            let cell = IncidentCell {
                force_id: names.name(k.force).to_string(),
                bcu: names.optional(k.bcu),
                period: k.period,
                call_type: names.name(k.call).to_string(),
                closing_code: names.optional(k.closing),
                led_to_crime: k.led_to_crime,
            };
            *self.incidents.entry(cell).or_insert(0) += n;
        }
        for (k, n) in partial.crimes {
            let cell = CrimeCell {
                force_id: names.name(k.force).to_string(),
                bcu: names.optional(k.bcu),
                period: k.period,
                offence_initial: names.name(k.initial).to_string(),
                offence_final: names.name(k.final_code).to_string(),
                cancelled: k.cancelled,
                cancel_reason: names.optional(k.reason),
                delay: k.delay,
                from_incident: k.from_incident,
            };
            *self.crimes.entry(cell).or_insert(0) += n;
        }
        for (k, n) in partial.reclassifications {
            let cell = ReclassificationCell {
                force_id: names.name(k.force).to_string(),
                bcu: names.optional(k.bcu),
                period: k.period,
                days_before_month_end: k.days_before_month_end,
                offence_initial: names.name(k.initial).to_string(),
                offence_final: names.name(k.final_code).to_string(),
            };
            *self.reclassifications.entry(cell).or_insert(0) += n;
        }
        for ((table, force), (read, used)) in partial.rows {
            let entry = self.rows.entry((table, names.optional(force))).or_default();
            entry.0 += read;
            entry.1 += used;
        }
        self.quality.merge(partial.quality);
    }

    /// Adds another tally.
    pub fn merge(&mut self, other: Tally) {
        fn add<K: Ord>(into: &mut BTreeMap<K, i64>, from: BTreeMap<K, i64>) {
            for (k, n) in from {
                *into.entry(k).or_insert(0) += n;
            }
        }
        add(&mut self.incidents, other.incidents);
        add(&mut self.crimes, other.crimes);
        add(&mut self.reclassifications, other.reclassifications);
        for (k, (read, used)) in other.rows {
            let entry = self.rows.entry(k).or_default();
            entry.0 += read;
            entry.1 += used;
        }
        self.quality.merge(other.quality);
    }

    /// The cube. Every count is non-negative by construction: a row is subtracted only after it
    /// was added, by the same code with the same key.
    pub fn into_cube(self) -> Cube {
        fn positive<K: Ord>(map: BTreeMap<K, i64>) -> BTreeMap<K, u64> {
            map.into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| (k, n as u64))
                .collect()
        }
        let mut quality = self.quality;
        for ((table, force), (read, used)) in self.rows {
            quality.count_rows(table, force, read.max(0) as u64, used.max(0) as u64);
        }
        Cube {
            incidents: positive(self.incidents),
            crimes: positive(self.crimes),
            reclassifications: positive(self.reclassifications),
            counts: BTreeMap::new(),
            quality,
        }
    }
}
