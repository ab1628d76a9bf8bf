//! Monthly rates: for each force and month, hits out of a total (serious records out of
//! serious and lesser ones, incidents that led to a crime out of incidents, ...). Every
//! detector reduces the cube to rate tables and hands them to the contrast model.

use std::collections::BTreeMap;

use recount_cube::Period;

/// Hits out of a total in one force and month.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rate {
    /// Records with the property (e.g. serious).
    pub hits: f64,
    /// Records in the comparison (e.g. serious and lesser).
    pub total: f64,
}

impl Rate {
    /// Adds one cell's records.
    pub fn add(&mut self, hit: bool, count: u64) {
        let n = count as f64;
        self.total += n;
        if hit {
            self.hits += n;
        }
    }

    /// Records without the property.
    pub fn misses(&self) -> f64 {
        self.total - self.hits
    }

    /// Adds another rate's records.
    pub fn absorb(&mut self, other: Rate) {
        self.hits += other.hits;
        self.total += other.total;
    }
}

/// One force's rate by month.
pub type Monthly = BTreeMap<Period, Rate>;

/// Rates of every force by month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateTable {
    /// Force code to its monthly rates.
    pub forces: BTreeMap<String, Monthly>,
}

impl RateTable {
    /// Adds records of one force and month.
    pub fn add(&mut self, force_id: &str, period: Period, hit: bool, count: u64) {
        self.forces
            .entry(force_id.to_string())
            .or_default()
            .entry(period)
            .or_default()
            .add(hit, count);
    }

    /// The force's rates (empty if the force has none).
    pub fn force(&self, force_id: &str) -> Monthly {
        self.forces.get(force_id).cloned().unwrap_or_default()
    }

    /// The month-by-month sum of the given forces' rates.
    pub fn pooled<'a>(&self, forces: impl IntoIterator<Item = &'a str>) -> Monthly {
        let mut pool = Monthly::new();
        for force in forces {
            if let Some(monthly) = self.forces.get(force) {
                for (period, rate) in monthly {
                    pool.entry(*period).or_default().absorb(*rate);
                }
            }
        }
        pool
    }

    /// Total records of a force from `from` on (inclusive), or all if `None`.
    pub fn total(&self, force_id: &str, from: Option<Period>) -> f64 {
        self.forces.get(force_id).map_or(0.0, |m| {
            m.iter()
                .filter(|(p, _)| from.is_none_or(|f| **p >= f))
                .map(|(_, r)| r.total)
                .sum()
        })
    }
}

/// The month-by-month difference `pool - force` (the pool without one of its members).
pub fn without(pool: &Monthly, force: &Monthly) -> Monthly {
    pool.iter()
        .map(|(period, rate)| {
            let mine = force.get(period).copied().unwrap_or_default();
            let rest = Rate {
                hits: (rate.hits - mine.hits).max(0.0),
                total: (rate.total - mine.total).max(0.0),
            };
            (*period, rest)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_and_removes_forces_month_by_month() {
        let mut table = RateTable::default();
        let jan = Period::new(2022, 1).unwrap();
        table.add("A", jan, true, 3);
        table.add("A", jan, false, 7);
        table.add("B", jan, true, 1);
        let pool = table.pooled(["A", "B"]);
        assert_eq!(
            pool[&jan],
            Rate {
                hits: 4.0,
                total: 11.0
            }
        );
        let rest = without(&pool, &table.force("A"));
        assert_eq!(
            rest[&jan],
            Rate {
                hits: 1.0,
                total: 1.0
            }
        );
        assert_eq!(table.total("A", None), 10.0);
    }
}
