//! Downgrades through offence codes that several serious/lesser pairs share.
//!
//! Each offence pair's test counts the serious records it is short of: the pair's records
//! after the start times the serious share its past and peers imply, less the serious records
//! seen (`Counterfactual::ShareOfTotal`). That counts the records the pair moved only when no
//! other pair moves records into or out of its codes. The default pairs chain: 5D is
//! downgraded to 8N while 8N is downgraded to 105A, and racially aggravated offences (8P,
//! 105B) to 8N and 105A. The 5D/8N pair then sees 8N shrink as well as 5D, and shows almost no
//! shortfall however many 5D records became 8N; the 8N/105A pair sees the 5D records arriving
//! in 8N and shows fewer than it moved. Summed, the pairs under-count.
//!
//! The model (the flows, per force and target): pair `j` moves `F_j` records from its serious
//! codes `S_j` to its lesser codes `L_j`. Assumption: they leave `S_j`'s codes and arrive in
//! `L_j`'s in proportion to each code's records before the start (a pair whose sides are one
//! code each, as most are, needs no assumption). For pair `k`, with counterfactual serious
//! share `p_k` and `n_k(X)` the records the other pairs' flows move into the codes `X` on
//! balance, its records after the start are `T + n_k(S_k) + n_k(L_k)` and its serious records
//! `S - F_k + n_k(S_k)`, so its measured shortfall is
//!
//! ```text
//! s_k = F_k - (1 - p_k) n_k(S_k) + p_k n_k(L_k),     n_k(X) = sum_{j != k} F_j (l_j(X) - m_j(X))
//! ```
//!
//! where `l_j(X)` is the part of `F_j` arriving in `X` and `m_j(X)` the part leaving it. In
//! matrix form `s = (I - A) F`, so `F = (I - A)^-1 s`, computed as the Neumann series
//! `sum_n A^n` (each term is one more step along the chain; it converges exactly when the
//! spectral radius of `A` is below one, and then equals the inverse: Horn & Johnson, *Matrix
//! Analysis*, 2nd ed. 2013, corollary 5.6.16). Pairs that share no code have `A = 0` and keep
//! their estimates. When the series does not converge the flows are not identified by the
//! pairs and the estimates are left as measured.
//!
//! Intervals: each `F_k` and the family total are linear in the shortfalls, and the
//! shortfalls' intervals are combined as independent (half-widths in quadrature, on each side
//! separately, each side chosen by the sign of its weight). Adjacent pairs' shortfalls are in
//! fact negatively correlated (a chance excess of 8N records raises the 5D/8N shortfall and
//! lowers the 8N/105A one) while their weights are positive, so the combined interval errs
//! wide. Each test keeps, as its `family_contribution`, its own shortfall times its weight in
//! the family total (`sum_k ((I - A)^-1)_kj`): contributions are independent, so the total's
//! interval adds them in quadrature without counting a shortfall twice.

use std::collections::{BTreeMap, BTreeSet};

use recount_cube::{Cube, Period};

use crate::finding::{Contribution, Test};
use crate::spec::SeriesSpec;

/// The codes on each side of an offence pair, as the pair's test counts them.
#[derive(Clone, Debug, PartialEq)]
pub struct PairSides {
    /// Serious codes.
    pub serious: BTreeSet<String>,
    /// Lesser codes.
    pub lesser: BTreeSet<String>,
}

/// Terms of the Neumann series after which it is taken not to converge.
const MAX_TERMS: usize = 1000;
/// A term whose entries are all below this ends the series.
const CONVERGED: f64 = 1e-12;

/// Replaces the estimates of offence-pair tests by the records each pair moved, for every
/// force and target whose pairs share codes (see the module documentation).
pub(crate) fn solve_shared_codes(tests: &mut [Test], specs: &[SeriesSpec], cube: &Cube) {
    type Group<'a> = Vec<(usize, &'a PairSides)>;
    let mut groups: BTreeMap<(String, String, Period), Group> = BTreeMap::new();
    for (i, test) in tests.iter().enumerate() {
        let sides = specs
            .iter()
            .find(|s| s.detector == test.detector && s.main.series == test.series)
            .and_then(|s| s.pair_sides.as_ref());
        if let Some(sides) = sides {
            groups
                .entry((
                    test.force_id.clone(),
                    test.target.clone(),
                    test.target_start,
                ))
                .or_default()
                .push((i, sides));
        }
    }
    // Pairs of one force share codes only when there are two or more of them.
    groups.retain(|_, members| members.len() > 1);
    let sizes = code_sizes(
        cube,
        groups.keys().map(|(f, _, start)| (f.as_str(), *start)),
    );
    let no_sizes = BTreeMap::new();
    for ((force, _, start), members) in &groups {
        let sizes = sizes.get(&(force.clone(), *start)).unwrap_or(&no_sizes);
        let sides: Vec<&PairSides> = members.iter().map(|(_, s)| *s).collect();
        let shares: Vec<f64> = members
            .iter()
            .map(|(i, _)| tests[*i].rate_expected)
            .collect();
        let Some(inverse) = flow_inverse(&sides, &shares, sizes) else {
            continue;
        };
        let shortfalls: Vec<Contribution> = members
            .iter()
            .map(|(i, _)| Contribution::of_estimate(&tests[*i]))
            .collect();
        let (flows, contributions) = flows_and_contributions(&inverse, &shortfalls);
        for (k, (i, _)) in members.iter().enumerate() {
            let test = &mut tests[*i];
            test.estimated_affected = flows[k].estimate;
            test.estimated_affected_low = flows[k].low;
            test.estimated_affected_high = flows[k].high;
            test.family_contribution = contributions[k];
        }
    }
}

/// Each pair's flow (row `k` of `(I - A)^-1` applied to the shortfalls) and each pair's
/// independent contribution to the family total (its shortfall times column `k`'s sum).
fn flows_and_contributions(
    inverse: &[Vec<f64>],
    shortfalls: &[Contribution],
) -> (Vec<Contribution>, Vec<Contribution>) {
    let flows = inverse
        .iter()
        .map(|row| Contribution::combine(row, shortfalls))
        .collect();
    let contributions = shortfalls
        .iter()
        .enumerate()
        .map(|(k, shortfall)| shortfall.scaled(inverse.iter().map(|row| row[k]).sum()))
        .collect();
    (flows, contributions)
}

/// Each code's records before the start, not cancelled, for every force and start asked for,
/// in one pass over the cube: the weights by which a pair's flow leaves and reaches the codes
/// of a side.
fn code_sizes<'a>(
    cube: &Cube,
    wanted: impl Iterator<Item = (&'a str, Period)>,
) -> BTreeMap<(String, Period), BTreeMap<String, f64>> {
    let wanted: Vec<(&str, Period)> = wanted.collect();
    let mut by_force: BTreeMap<&str, Vec<(Period, usize)>> = BTreeMap::new();
    for (slot, (force, start)) in wanted.iter().enumerate() {
        by_force.entry(force).or_default().push((*start, slot));
    }
    let mut sizes: Vec<BTreeMap<String, f64>> = vec![BTreeMap::new(); wanted.len()];
    for (cell, &n) in &cube.crimes {
        let Some(starts) = by_force.get(cell.force_id.as_str()) else {
            continue;
        };
        if cell.cancelled {
            continue;
        }
        for &(_, slot) in starts.iter().filter(|(start, _)| cell.period < *start) {
            let codes = &mut sizes[slot];
            match codes.get_mut(cell.offence_final.as_str()) {
                Some(size) => *size += n as f64,
                None => {
                    codes.insert(cell.offence_final.to_string(), n as f64);
                }
            }
        }
    }
    wanted
        .into_iter()
        .map(|(force, start)| (force.to_string(), start))
        .zip(sizes)
        .collect()
}

/// The part of a side's flow that touches the codes `x`, by the codes' sizes (equal parts
/// when the side had no records).
fn part_in(side: &BTreeSet<String>, x: &BTreeSet<String>, sizes: &BTreeMap<String, f64>) -> f64 {
    let size = |c: &String| sizes.get(c).copied().unwrap_or(0.0);
    let total: f64 = side.iter().map(size).sum();
    let inside = side.iter().filter(|c| x.contains(*c));
    if total > 0.0 {
        inside.map(size).sum::<f64>() / total
    } else if side.is_empty() {
        0.0
    } else {
        inside.count() as f64 / side.len() as f64
    }
}

/// The matrix `A` of the module documentation: `A[k][j]` is how much of pair `j`'s flow pair
/// `k`'s shortfall fails to count (negative: counts too much).
fn flow_matrix(
    sides: &[&PairSides],
    shares: &[f64],
    sizes: &BTreeMap<String, f64>,
) -> Vec<Vec<f64>> {
    let net_into = |j: usize, x: &BTreeSet<String>| {
        part_in(&sides[j].lesser, x, sizes) - part_in(&sides[j].serious, x, sizes)
    };
    (0..sides.len())
        .map(|k| {
            (0..sides.len())
                .map(|j| {
                    if j == k {
                        0.0
                    } else {
                        (1.0 - shares[k]) * net_into(j, &sides[k].serious)
                            - shares[k] * net_into(j, &sides[k].lesser)
                    }
                })
                .collect()
        })
        .collect()
}

/// `(I - A)^-1` by its Neumann series; `None` when a share is unknown or the series does not
/// converge.
fn flow_inverse(
    sides: &[&PairSides],
    shares: &[f64],
    sizes: &BTreeMap<String, f64>,
) -> Option<Vec<Vec<f64>>> {
    if shares.iter().any(|p| !p.is_finite()) {
        return None;
    }
    let a = flow_matrix(sides, shares, sizes);
    let n = a.len();
    let identity: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let mut sum = identity.clone();
    let mut term = identity;
    for _ in 0..MAX_TERMS {
        term = multiply(&a, &term);
        sum.iter_mut()
            .flatten()
            .zip(term.iter().flatten())
            .for_each(|(s, t)| *s += t);
        let largest = term.iter().flatten().fold(0.0f64, |m, t| m.max(t.abs()));
        if largest < CONVERGED {
            return Some(sum);
        }
        if !largest.is_finite() {
            return None;
        }
    }
    None
}

fn multiply(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    a.iter()
        .map(|row| {
            (0..b.len())
                .map(|j| row.iter().zip(b).map(|(x, b_row)| x * b_row[j]).sum())
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sides(serious: &[&str], lesser: &[&str]) -> PairSides {
        let set = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect();
        PairSides {
            serious: set(serious),
            lesser: set(lesser),
        }
    }

    /// Counts each pair would show, from true counts and flows, by the module's model.
    fn measured_shortfall(
        serious: f64,
        lesser: f64,
        moved_out: f64,
        into_serious: f64,
        into_lesser: f64,
    ) -> f64 {
        let p = serious / (serious + lesser);
        let total = serious + lesser + into_serious + into_lesser;
        let serious_seen = serious - moved_out + into_serious;
        total * p - serious_seen
    }

    #[test]
    fn a_chain_of_two_pairs_gives_back_both_flows() {
        // 5D: 100 records, 8N: 600, 105A: 1500. 20 records 5D -> 8N, 120 records 8N -> 105A.
        let (five_d, eight_n, one_o_five) = (100.0, 600.0, 1500.0);
        let (f_5d, f_8n) = (20.0, 120.0);
        // 5D/8N: 8N loses 120 to 105A (into its lesser side, on balance -120).
        let s_5d = measured_shortfall(five_d, eight_n, f_5d, 0.0, -f_8n);
        // 8N/105A: 8N gains 20 from 5D.
        let s_8n = measured_shortfall(eight_n, one_o_five, f_8n, f_5d, 0.0);
        assert!(s_5d < 5.0, "the chain hides the 5D flow: {s_5d}");
        let pairs = [sides(&["8N"], &["105A"]), sides(&["5D"], &["8N"])];
        let refs: Vec<&PairSides> = pairs.iter().collect();
        let shares = [
            eight_n / (eight_n + one_o_five),
            five_d / (five_d + eight_n),
        ];
        let inverse = flow_inverse(&refs, &shares, &BTreeMap::new()).unwrap();
        let flows: Vec<f64> = inverse
            .iter()
            .map(|row| row[0] * s_8n + row[1] * s_5d)
            .collect();
        assert!((flows[0] - f_8n).abs() < 1e-9, "{flows:?}");
        assert!((flows[1] - f_5d).abs() < 1e-9, "{flows:?}");
    }

    #[test]
    fn the_family_total_counts_each_shortfall_once() {
        // A chain where each flow feeds the other: F = (I - A)^-1 s.
        let inverse = vec![vec![1.2, 0.3], vec![0.8, 1.2]];
        let shortfalls = [
            Contribution {
                estimate: 100.0,
                low: 40.0,
                high: 160.0,
            },
            Contribution {
                estimate: 10.0,
                low: -20.0,
                high: 40.0,
            },
        ];
        let (flows, contributions) = flows_and_contributions(&inverse, &shortfalls);
        assert!((flows[0].estimate - 123.0).abs() < 1e-9);
        assert!((flows[1].estimate - 92.0).abs() < 1e-9);
        // Same total either way; contributions are 2.0 * 100 and 1.5 * 10.
        assert!((contributions[0].estimate - 200.0).abs() < 1e-9);
        assert!((contributions[1].estimate - 15.0).abs() < 1e-9);
        let total = Contribution::combine(&[1.0, 1.0], &contributions);
        let naive = Contribution::combine(&[1.0, 1.0], &flows);
        assert!((total.estimate - naive.estimate).abs() < 1e-9);
        // Half-width sqrt(120^2 + 45^2) = 128.2 against the flows' sqrt(72.6^2 + 60.0^2) =
        // 94.2: adding the flows as independent would count the shared shortfall's noise as
        // if it cancelled.
        assert!(
            (total.high - total.estimate - (120.0f64.powi(2) + 45.0f64.powi(2)).sqrt()).abs()
                < 1e-9
        );
        assert!(naive.high - naive.estimate < total.high - total.estimate);
    }

    #[test]
    fn a_flow_split_over_lesser_codes_follows_their_sizes() {
        // Racially aggravated (8P 40, 105B 60) to plain (8N 600, 105A 1500), beside 8N/105A.
        let sizes: BTreeMap<String, f64> = [
            ("8P", 40.0),
            ("105B", 60.0),
            ("8N", 600.0),
            ("105A", 1500.0),
        ]
        .into_iter()
        .map(|(c, n)| (c.to_string(), n))
        .collect();
        let pairs = [
            sides(&["8N"], &["105A"]),
            sides(&["8P", "105B"], &["8N", "105A"]),
        ];
        let refs: Vec<&PairSides> = pairs.iter().collect();
        let a = flow_matrix(&refs, &[0.3, 0.05], &sizes);
        // The 8N/105A pair: of the aggravated flow, 600/2100 arrives in 8N and 1500/2100 in
        // 105A.
        let expected = 0.7 * (600.0 / 2100.0) - 0.3 * (1500.0 / 2100.0);
        assert!((a[0][1] - expected).abs() < 1e-12);
        // The aggravated pair: the 8N/105A flow stays inside its lesser side.
        assert!(a[1][0].abs() < 1e-12);
    }

    #[test]
    fn pairs_without_shared_codes_are_left_alone_and_unknown_shares_give_up() {
        let pairs = [sides(&["34B"], &["39"]), sides(&["28E"], &["49", "58A"])];
        let refs: Vec<&PairSides> = pairs.iter().collect();
        let inverse = flow_inverse(&refs, &[0.2, 0.4], &BTreeMap::new()).unwrap();
        assert_eq!(inverse, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
        assert!(flow_inverse(&refs, &[f64::NAN, 0.4], &BTreeMap::new()).is_none());
    }

    #[test]
    fn a_series_that_does_not_converge_is_refused() {
        // Two pairs that move records in opposite directions between the same codes: each
        // pair's shortfall counts the other's flow in full, whatever the shares, and the
        // flows are not identified.
        let pairs = [sides(&["A"], &["B"]), sides(&["B"], &["A"])];
        let refs: Vec<&PairSides> = pairs.iter().collect();
        assert!(flow_inverse(&refs, &[0.5, 0.5], &BTreeMap::new()).is_none());
    }
}
