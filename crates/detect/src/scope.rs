//! What part of each force is compared over time: the BCUs present throughout the data.
//!
//! A force that absorbs another area (a merger, a boundary change) or hands one over changes
//! what its rates are rates of. If the absorbed area records differently (its calls lead to
//! crimes more or less often, its offence mix differs), the force's shares move at the merger
//! for no reason to do with gaming, and a contrast of before against after would read that as
//! a shift. Where the data name BCUs, the like-for-like comparison is the force's BCUs that are
//! there before and after: the audit compares those, and says so. When a BCU that comes or
//! goes part-way took its area from the force's other BCUs or gave it to them (they fall or
//! rise by about its size: a reorganisation), the force as a whole is what stays like for like,
//! and it is compared whole; so too when the BCUs present throughout hold less than half of its
//! records (everything renamed, or BCUs filled in only part of the time).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use recount_cube::{Cube, Period};

/// Least share of a force's months a BCU must appear in to count as present throughout.
const PRESENT_SHARE: f64 = 0.9;
/// A BCU present throughout appears within this many months of each end of the force's data.
const END_MONTHS: u32 = 3;
/// Least share of a force's records the BCUs present throughout must hold to be compared alone.
const KEPT_SHARE: f64 = 0.5;

/// A force compared on part of its BCUs.
#[derive(Clone, Debug, PartialEq)]
pub struct Narrowed {
    /// The force.
    pub force_id: String,
    /// The BCUs left out, with the first and last month each appears in.
    pub left_out: Vec<(String, Period, Period)>,
    /// The force's months with data.
    pub months: usize,
    /// Share of the force's records (incidents and crimes) in the BCUs kept.
    pub kept_share: f64,
}

impl Narrowed {
    /// One sentence for the audit's outputs.
    pub fn sentence(&self) -> String {
        let left: Vec<String> = self
            .left_out
            .iter()
            .map(|(bcu, first, last)| format!("`{bcu}` ({first} to {last})"))
            .collect();
        format!(
            "{}: BCU {} not in the data throughout its {} months, so the force is compared on the BCUs that are, which hold {:.0}% of its records; its estimates count those BCUs only",
            self.force_id,
            left.join(", "),
            self.months,
            100.0 * self.kept_share
        )
    }
}

/// Records by month of one BCU (or of the records without one).
#[derive(Default)]
struct Presence {
    months: BTreeMap<Period, f64>,
}

impl Presence {
    fn records(&self) -> f64 {
        self.months.values().sum()
    }

    /// Mean records a month over `span` months from `from` (backwards when `span` is
    /// negative, `from` excluded), counting months without records as zero.
    fn mean_over(&self, from: Period, span: i32) -> f64 {
        let months: Vec<Period> = if span >= 0 {
            (0..span).map(|i| from.offset(i)).collect()
        } else {
            (1..=-span).map(|i| from.offset(-i)).collect()
        };
        let total: f64 = months
            .iter()
            .map(|m| self.months.get(m).copied().unwrap_or(0.0))
            .sum();
        total / months.len().max(1) as f64
    }
}

/// The cube with every force narrowed to its BCUs present throughout, where that is needed and
/// possible; the cube itself when no force needs it.
pub fn continuing_units(cube: &Cube) -> (Cow<'_, Cube>, Vec<Narrowed>) {
    let mut by_force: BTreeMap<&str, BTreeMap<Option<&str>, Presence>> = BTreeMap::new();
    let incidents = cube
        .incidents
        .iter()
        .map(|(c, &n)| (&c.force_id, &c.bcu, c.period, n));
    let crimes = cube
        .crimes
        .iter()
        .map(|(c, &n)| (&c.force_id, &c.bcu, c.period, n));
    for (force, bcu, period, n) in incidents.chain(crimes) {
        let presence = by_force
            .entry(force.as_str())
            .or_default()
            .entry(bcu.as_deref())
            .or_default();
        *presence.months.entry(period).or_insert(0.0) += n as f64;
    }
    let mut national: BTreeMap<Period, f64> = BTreeMap::new();
    for p in by_force.values().flat_map(BTreeMap::values) {
        for (m, n) in &p.months {
            *national.entry(*m).or_insert(0.0) += n;
        }
    }
    let narrowed: Vec<Narrowed> = by_force
        .iter()
        .filter_map(|(force, units)| narrow(force, units, &pace(units, &national)))
        .collect();
    if narrowed.is_empty() {
        return (Cow::Borrowed(cube), narrowed);
    }
    let dropped: BTreeMap<&str, BTreeSet<&str>> = narrowed
        .iter()
        .map(|n| {
            let bcus = n.left_out.iter().map(|(bcu, _, _)| bcu.as_str()).collect();
            (n.force_id.as_str(), bcus)
        })
        .collect();
    let scoped = cube_where(cube, |force, bcu, _| {
        !dropped
            .get(force)
            .is_some_and(|left| bcu.is_some_and(|b| left.contains(b)))
    });
    (Cow::Owned(scoped), narrowed)
}

/// The cube of the record cells `keep` keeps, given each cell's force, BCU and month; published
/// counts and the data-quality summary as they are.
pub(crate) fn cube_where(cube: &Cube, keep: impl Fn(&str, Option<&str>, Period) -> bool) -> Cube {
    Cube {
        incidents: cube
            .incidents
            .filter(|c| keep(&c.force_id, c.bcu.as_deref(), c.period)),
        crimes: cube
            .crimes
            .filter(|c| keep(&c.force_id, c.bcu.as_deref(), c.period)),
        reclassifications: cube
            .reclassifications
            .filter(|c| keep(&c.force_id, c.bcu.as_deref(), c.period)),
        counts: cube.counts.clone(),
        quality: cube.quality.clone(),
    }
}

/// Months either side of a BCU's arrival or departure compared.
const SIDE_MONTHS: i32 = 6;

/// Whether a BCU that is not there throughout came from outside the force and went outside
/// it (a merger, a boundary change) rather than from or to the force's other BCUs (a
/// reorganisation, where the force as a whole is the like-for-like unit). When it arrives,
/// an area from outside adds to the force, and the BCUs kept carry on as before; an area
/// carved out of them takes their records with it, and they fall by about its size. The same
/// in reverse when it leaves. Half its size is the dividing line.
fn came_and_went_from_outside(
    unit: &Presence,
    kept: &Presence,
    first: Period,
    last: Period,
) -> bool {
    let (Some(&arrived), Some(&left)) = (unit.months.keys().next(), unit.months.keys().next_back())
    else {
        return true;
    };
    let arrival_from_outside = arrived <= first || {
        let size = unit.mean_over(arrived, SIDE_MONTHS);
        let lost = kept.mean_over(arrived, -SIDE_MONTHS) - kept.mean_over(arrived, SIDE_MONTHS);
        lost < size / 2.0
    };
    let after = left.offset(1);
    let departure_to_outside = left >= last || {
        let size = unit.mean_over(after, -SIDE_MONTHS);
        let gained = kept.mean_over(after, SIDE_MONTHS) - kept.mean_over(after, -SIDE_MONTHS);
        gained < size / 2.0
    };
    arrival_from_outside && departure_to_outside
}

/// For each month, how much busier than usual the other forces were, inverted: what a count
/// of the month is multiplied by to take out what moved every force (a national shock, the
/// seasons). All ones when the force is alone.
fn pace(
    units: &BTreeMap<Option<&str>, Presence>,
    national: &BTreeMap<Period, f64>,
) -> BTreeMap<Period, f64> {
    let mut others = national.clone();
    for p in units.values() {
        for (m, n) in &p.months {
            if let Some(o) = others.get_mut(m) {
                *o -= n;
            }
        }
    }
    let positive: Vec<f64> = others.values().copied().filter(|o| *o > 0.0).collect();
    if positive.len() < others.len() || positive.is_empty() {
        return others.keys().map(|m| (*m, 1.0)).collect();
    }
    let mean = positive.iter().sum::<f64>() / positive.len() as f64;
    others.into_iter().map(|(m, o)| (m, mean / o)).collect()
}

/// Which of a force's BCUs to leave out, if any.
fn narrow(
    force: &str,
    units: &BTreeMap<Option<&str>, Presence>,
    pace: &BTreeMap<Period, f64>,
) -> Option<Narrowed> {
    if units.len() < 2 {
        return None;
    }
    let months: BTreeSet<Period> = units
        .values()
        .flat_map(|p| p.months.keys().copied())
        .collect();
    let (&first, &last) = (months.first()?, months.last()?);
    let throughout = |p: &Presence| {
        let share = p.months.len() as f64 / months.len() as f64;
        let near = |end: Period| {
            p.months
                .keys()
                .any(|m| m.months_until(end).unsigned_abs() < END_MONTHS)
        };
        share >= PRESENT_SHARE && near(first) && near(last)
    };
    let total: f64 = units.values().map(Presence::records).sum();
    let kept: f64 = units
        .values()
        .filter(|p| throughout(p))
        .map(Presence::records)
        .sum();
    let left_out: Vec<(String, Period, Period)> = units
        .iter()
        .filter(|(_, p)| !throughout(p))
        .filter_map(|(bcu, p)| {
            let first = *p.months.keys().next()?;
            let last = *p.months.keys().next_back()?;
            Some(((*bcu)?.to_string(), first, last))
        })
        .collect();
    // The BCUs kept, month by month at the other forces' pace, to see whether the others came
    // from outside the force: a national shock just after a merger must not read as the kept
    // BCUs losing an area.
    let mut kept_units = Presence::default();
    for p in units.values().filter(|p| throughout(p)) {
        for (m, n) in &p.months {
            let factor = pace.get(m).copied().unwrap_or(1.0);
            *kept_units.months.entry(*m).or_insert(0.0) += n * factor;
        }
    }
    let from_outside = units
        .values()
        .filter(|p| !throughout(p))
        .all(|p| came_and_went_from_outside(p, &kept_units, first, last));
    let kept_share = kept / total.max(1.0);
    let only_named_left_out = units.iter().all(|(bcu, p)| bcu.is_some() || throughout(p));
    let narrows = !left_out.is_empty() && kept_share >= KEPT_SHARE && only_named_left_out;
    (narrows && from_outside).then(|| Narrowed {
        force_id: force.to_string(),
        left_out,
        months: months.len(),
        kept_share,
    })
}

#[cfg(test)]
mod tests {
    use recount_cube::{IncidentCell, Name};

    use super::*;

    /// A cube of one call a month per (force, BCU) over `months` months from January 2020,
    /// where `bcu_of(month)` lists the BCUs present that month.
    fn cube(force: &str, months: i32, bcu_of: impl Fn(i32) -> Vec<Option<&'static str>>) -> Cube {
        let start = Period::new(2020, 1).unwrap();
        let mut cube = Cube::default();
        for m in 0..months {
            for bcu in bcu_of(m) {
                cube.incidents.insert(cell(force, bcu, start.offset(m)), 10);
            }
        }
        cube
    }

    fn cell(force: &str, bcu: Option<&str>, period: Period) -> IncidentCell {
        IncidentCell {
            force_id: Name::from(force),
            bcu: bcu.map(Name::from),
            period,
            call_type: Name::from("ASSAULT"),
            closing_code: None,
            led_to_crime: true,
            crime_offence: None,
        }
    }

    #[test]
    fn a_bcu_absorbed_part_way_is_left_out_and_the_rest_of_the_force_kept() {
        let mut data = cube("F1", 48, |m| {
            let mut b = vec![Some("North"), Some("South")];
            if m >= 30 {
                b.push(Some("Absorbed"));
            }
            b
        });
        data.merge(cube("F2", 48, |_| vec![Some("East"), Some("West")]));
        let (scoped, narrowed) = continuing_units(&data);
        assert_eq!(narrowed.len(), 1);
        let n = &narrowed[0];
        assert_eq!(n.force_id, "F1");
        let first = Period::new(2022, 7).unwrap();
        let last = Period::new(2023, 12).unwrap();
        assert_eq!(n.left_out, vec![("Absorbed".to_string(), first, last)]);
        // 96 of the force's 114 cells of 10 records are kept.
        assert!((n.kept_share - 96.0 / 114.0).abs() < 1e-12);
        assert!(
            n.sentence()
                .starts_with("F1: BCU `Absorbed` (2022-07 to 2023-12)")
        );
        assert!(
            scoped
                .incidents
                .keys()
                .all(|c| c.bcu.as_deref() != Some("Absorbed"))
        );
        assert_eq!(scoped.incident_total(), data.incident_total() - 180);
        assert_eq!(scoped.bcus("F2"), data.bcus("F2"));
    }

    #[test]
    fn a_bcu_that_leaves_part_way_is_left_out_too() {
        let data = cube("F1", 48, |m| {
            let mut b = vec![Some("North"), Some("South")];
            if m < 40 {
                b.push(Some("Ceded"));
            }
            b
        });
        let (_, narrowed) = continuing_units(&data);
        assert_eq!(narrowed.len(), 1);
        assert_eq!(narrowed[0].left_out[0].0, "Ceded");
    }

    #[test]
    fn a_reorganisation_that_renames_every_bcu_keeps_the_force_whole() {
        let data = cube("F1", 48, |m| {
            if m < 24 {
                vec![Some("North"), Some("South")]
            } else {
                vec![Some("East"), Some("West")]
            }
        });
        let (scoped, narrowed) = continuing_units(&data);
        assert!(narrowed.is_empty());
        assert!(matches!(scoped, Cow::Borrowed(_)));
    }

    #[test]
    fn a_bcu_folded_into_the_others_keeps_the_force_whole() {
        // Districts 1 and 2 take over district 3's area after month 20 (as St Louis's six
        // districts took up the records of districts 7 to 9 from 2014): the force as a whole
        // is what stays like for like.
        let start = Period::new(2020, 1).unwrap();
        let mut data = Cube::default();
        for m in 0..48 {
            let mut add = |bcu: &str, n: u64| {
                data.incidents
                    .insert(cell("F1", Some(bcu), start.offset(m)), n);
            };
            if m < 20 {
                add("District 1", 100);
                add("District 2", 100);
                add("District 3", 40);
            } else {
                add("District 1", 120);
                add("District 2", 120);
            }
        }
        assert!(continuing_units(&data).1.is_empty());
    }

    #[test]
    fn a_national_shock_just_after_a_merger_does_not_read_as_a_reorganisation() {
        // Every force falls by 40% for four months, two months after F1 absorbs an area a
        // third of its size: against its own past, its old BCUs lose more than half the new
        // one's size over the six months after; against the other forces, nothing.
        let start = Period::new(2020, 1).unwrap();
        let mut data = Cube::default();
        for m in 0..48 {
            let shock = if (26..30).contains(&m) { 0.6 } else { 1.0 };
            let mut add = |force: &str, bcu: &str, n: f64| {
                let cell = cell(force, Some(bcu), start.offset(m));
                data.incidents.insert(cell, (n * shock) as u64);
            };
            add("F1", "North", 300.0);
            add("F1", "South", 300.0);
            if m >= 24 {
                add("F1", "Absorbed", 200.0);
            }
            add("F2", "East", 500.0);
            add("F2", "West", 500.0);
        }
        let (_, narrowed) = continuing_units(&data);
        assert_eq!(narrowed.len(), 1);
        assert_eq!(narrowed[0].left_out[0].0, "Absorbed");
    }

    #[test]
    fn bcus_filled_in_only_part_of_the_time_keep_the_force_whole() {
        // Before month 20 the BCU column was empty; the records without one do not run
        // throughout, so there is nothing like for like to keep.
        let data = cube("F1", 48, |m| {
            if m < 20 {
                vec![None]
            } else {
                vec![Some("North"), Some("South")]
            }
        });
        assert!(continuing_units(&data).1.is_empty());
    }

    #[test]
    fn records_without_a_bcu_count_as_one_unit() {
        // The force's own records carry no BCU; the absorbed area's do.
        let data = cube("F1", 48, |m| {
            if m < 30 {
                vec![None]
            } else {
                vec![None, Some("Absorbed")]
            }
        });
        let (scoped, narrowed) = continuing_units(&data);
        assert_eq!(narrowed.len(), 1);
        assert_eq!(narrowed[0].left_out[0].0, "Absorbed");
        assert!(scoped.incidents.keys().all(|c| c.bcu.is_none()));
        // One unit throughout is nothing to narrow.
        assert!(
            continuing_units(&cube("F1", 48, |_| vec![Some("North")]))
                .1
                .is_empty()
        );
    }
}
