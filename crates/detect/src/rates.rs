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
        // Looked up before inserting: a cube's cells visit each force many times, and an
        // owned key for `entry` would be allocated on every visit.
        if let Some(monthly) = self.forces.get_mut(force_id) {
            monthly.entry(period).or_default().add(hit, count);
            return;
        }
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

/// The pooled rate of several strata (call types, say) with each force's mix of strata held
/// at its mix over all its months: direct standardisation (e.g. Breslow & Day 1987,
/// *Statistical Methods in Cancer Research* II, ch. 2). A force whose calls shift towards a
/// type that converts less often has a lower pooled conversion with no type converting less;
/// the standardised rate moves only when the strata's own rates move.
///
/// Each month's rate is the weighted mean of the strata's rates that month, over the strata
/// with records that month (their weights renormalised); it is carried on the month's real
/// total, so the binomial variance the contrast assumes stays about right (exact when every
/// stratum keeps its share of the month).
pub fn mix_standardised(strata: &[&RateTable]) -> RateTable {
    standardised(strata, |r| r.total, |hits, total| Rate { hits, total })
}

/// As [`mix_standardised`], on the odds: each month's odds is the weighted mean of the strata's
/// odds (hits per miss), weights their misses over all the force's months, carried on the
/// month's real misses. For a rate counted against misses the gaming leaves alone
/// ([`crate::Counterfactual::OddsOfMisses`]: lesser records against the calls recorded as
/// neither side of a pair), `R` hits added in one stratum then raise the pooled hits by `R`
/// (exactly when each stratum keeps its share of the misses); standardising the share, a
/// stratum whose hits are a part `p` of its records would count `(1 - p) R`: the pair's
/// lesser records per call read about 0.6 of the records moved at five times the
/// cross-check's size. Months where a stratum has no misses leave it out (its odds are
/// unbounded), with the weights renormalised.
pub fn mix_standardised_odds(strata: &[&RateTable]) -> RateTable {
    standardised(strata, Rate::misses, |hits, misses| Rate {
        hits,
        total: hits + misses,
    })
}

/// Each force's strata pooled on one scale: each month's hits per unit of `scale` (records,
/// or misses) is the mean of the strata's, weighted by their `scale` over all the force's
/// months and over the strata with some that month; `carried` turns the month's hits and its
/// real `scale` back into a rate.
fn standardised(
    strata: &[&RateTable],
    scale: impl Fn(&Rate) -> f64,
    carried: impl Fn(f64, f64) -> Rate,
) -> RateTable {
    let mut forces: BTreeMap<String, Monthly> = BTreeMap::new();
    let names: std::collections::BTreeSet<&String> =
        strata.iter().flat_map(|t| t.forces.keys()).collect();
    for force in names {
        let series: Vec<&Monthly> = strata.iter().filter_map(|t| t.forces.get(force)).collect();
        let weights: Vec<f64> = series
            .iter()
            .map(|m| m.values().map(&scale).sum())
            .collect();
        let mut months: BTreeMap<Period, (f64, f64, f64)> = BTreeMap::new();
        for (monthly, weight) in series.iter().zip(&weights) {
            for (period, rate) in monthly.iter().filter(|(_, r)| scale(r) > 0.0) {
                let (weighted, weight_sum, month_scale) = months.entry(*period).or_default();
                *weighted += weight * rate.hits / scale(rate);
                *weight_sum += weight;
                *month_scale += scale(rate);
            }
        }
        let monthly = months
            .into_iter()
            .filter(|(_, (_, weight_sum, _))| *weight_sum > 0.0)
            .map(|(period, (weighted, weight_sum, month_scale))| {
                let hits = month_scale * weighted / weight_sum;
                (period, carried(hits, month_scale))
            })
            .collect();
        forces.insert(force.clone(), monthly);
    }
    RateTable { forces }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odds_standardised_rates_count_added_hits_against_the_misses() {
        // Stratum one: 40 hits to 60 misses; stratum two: 10 hits to 240 misses. In February
        // 30 hits are added to stratum one, its misses untouched.
        let (jan, feb) = (Period::new(2022, 1).unwrap(), Period::new(2022, 2).unwrap());
        let mut one = RateTable::default();
        let mut two = RateTable::default();
        for (period, added) in [(jan, 0), (feb, 30)] {
            one.add("A", period, true, 40 + added);
            one.add("A", period, false, 60);
            two.add("A", period, true, 10);
            two.add("A", period, false, 240);
        }
        let odds = mix_standardised_odds(&[&one, &two]);
        let a = &odds.forces["A"];
        // Weights 120 and 480 misses: odds (120 * 40/60 + 480 * 10/240) / 600 = 1/6 in
        // January, carried on its 300 misses: 50 hits; February's odds add 120/600 * 30/60.
        assert!((a[&jan].hits - 50.0).abs() < 1e-9);
        assert_eq!(a[&jan].total - a[&jan].hits, 300.0);
        assert!((a[&feb].hits - a[&jan].hits - 30.0).abs() < 1e-9);
        // Standardising the share counts 60% of them: stratum one's share rises from 0.4 to
        // 70/130, weighted by its 230 of 730 records, on February's 330 records.
        let shares = mix_standardised(&[&one, &two]);
        let s = &shares.forces["A"];
        let gained = s[&feb].hits - s[&jan].hits * 330.0 / 300.0;
        assert!(gained < 0.75 * 30.0, "{gained}");
        // A shift of mix leaves the odds alone: stratum two's calls double in March.
        let mar = Period::new(2022, 3).unwrap();
        let (mut one, mut two) = (one, two);
        one.add("A", mar, true, 40);
        one.add("A", mar, false, 60);
        two.add("A", mar, true, 20);
        two.add("A", mar, false, 480);
        let a = &mix_standardised_odds(&[&one, &two]).forces["A"];
        let odds_of = |r: &Rate| r.hits / (r.total - r.hits);
        assert!((odds_of(&a[&mar]) - odds_of(&a[&jan])).abs() < 1e-12);
    }

    #[test]
    fn a_shift_of_mix_leaves_the_standardised_rate_alone() {
        // Two call types converting at 80% and 40%; the second doubles in the second month.
        let (jan, feb) = (Period::new(2022, 1).unwrap(), Period::new(2022, 2).unwrap());
        let mut high = RateTable::default();
        let mut low = RateTable::default();
        for (period, low_calls) in [(jan, 100), (feb, 200)] {
            high.add("A", period, true, 80);
            high.add("A", period, false, 20);
            low.add("A", period, true, 2 * low_calls / 5);
            low.add("A", period, false, 3 * low_calls / 5);
        }
        let standardised = mix_standardised(&[&high, &low]);
        let a = &standardised.forces["A"];
        // Weights 200 and 300 calls: (200 * 0.8 + 300 * 0.4) / 500 = 0.56 in both months.
        assert!((a[&jan].hits / a[&jan].total - 0.56).abs() < 1e-12);
        assert!((a[&feb].hits / a[&feb].total - 0.56).abs() < 1e-12);
        assert_eq!(a[&feb].total, 300.0);
        // The raw pooled rate falls from 0.6 to 0.533 with no type converting less.
        let mut raw = high.clone();
        for (period, rate) in &low.forces["A"] {
            raw.add("A", *period, true, rate.hits as u64);
            raw.add("A", *period, false, rate.misses() as u64);
        }
        let share = |p: Period| raw.forces["A"][&p].hits / raw.forces["A"][&p].total;
        assert!((share(jan) - 0.6).abs() < 1e-12 && share(feb) < 0.54);

        // When the first type converts a quarter less in February, so does its part.
        let mut lower = RateTable::default();
        lower.add("A", jan, true, 80);
        lower.add("A", jan, false, 20);
        lower.add("A", feb, true, 60);
        lower.add("A", feb, false, 40);
        let standardised = mix_standardised(&[&lower, &low]);
        let a = &standardised.forces["A"];
        let (r_jan, r_feb) = (a[&jan].hits / a[&jan].total, a[&feb].hits / a[&feb].total);
        assert!((r_jan - 0.56).abs() < 1e-12);
        assert!((r_feb - (200.0 * 0.6 + 300.0 * 0.4) / 500.0).abs() < 1e-12);
    }

    #[test]
    fn strata_without_records_in_a_month_are_left_out_of_its_mean() {
        let (jan, feb) = (Period::new(2022, 1).unwrap(), Period::new(2022, 2).unwrap());
        let mut first = RateTable::default();
        let mut second = RateTable::default();
        first.add("A", jan, true, 5);
        first.add("A", jan, false, 5);
        first.add("A", feb, true, 5);
        first.add("A", feb, false, 5);
        second.add("A", jan, true, 10);
        let a = &mix_standardised(&[&first, &second]).forces["A"];
        assert_eq!(
            a[&feb],
            Rate {
                hits: 5.0,
                total: 10.0
            }
        );
        // January: weights 20 and 10, rates 0.5 and 1.0.
        assert!((a[&jan].hits / a[&jan].total - 2.0 / 3.0).abs() < 1e-12);
    }

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
