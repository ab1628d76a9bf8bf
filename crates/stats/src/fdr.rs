//! False discovery rate control across many tests.

/// Benjamini–Hochberg adjusted p-values (q-values), returned in the input order.
///
/// Source: Benjamini Y, Hochberg Y. "Controlling the false discovery rate: a practical and
/// powerful approach to multiple testing". J R Stat Soc B 1995;57:289–300, the step-up
/// procedure of section 3. With the `m` usable p-values sorted ascending,
/// `p_(1) <= ... <= p_(m)`, the adjusted value of rank `i` is
///
/// ```text
/// q_(i) = min(1, min_{j >= i} m * p_(j) / j)
/// ```
///
/// i.e. the cumulative minimum taken from the largest p-value downwards, capped at 1. Rejecting
/// every hypothesis with `q <= alpha` is the BH procedure at level `alpha`. Tied p-values get
/// the same q-value whatever order they are ranked in.
///
/// Missing values: anything that is not a probability (NaN, infinite, below 0 or above 1) is
/// treated as missing. It is returned as NaN and is *not* counted in `m`, so a test that could
/// not be run does not make the others harder to pass. An empty input gives an empty output.
///
/// ```
/// let q = recount_stats::benjamini_hochberg(&[0.01, f64::NAN, 0.04, 0.03]);
/// assert!((q[0] - 0.03).abs() < 1e-12);
/// assert!(q[1].is_nan());
/// assert!((q[2] - 0.04).abs() < 1e-12);
/// assert!((q[3] - 0.04).abs() < 1e-12);
/// ```
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let mut adjusted = vec![f64::NAN; p_values.len()];
    let mut order: Vec<usize> = (0..p_values.len())
        .filter(|&i| is_probability(p_values[i]))
        .collect();
    if order.is_empty() {
        return adjusted;
    }
    // Stable sort, so tied p-values keep input order; the result does not depend on it.
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let m = order.len() as f64;
    let mut running_min = 1.0_f64;
    for (rank0, &idx) in order.iter().enumerate().rev() {
        let rank = (rank0 + 1) as f64;
        let candidate = m * p_values[idx] / rank;
        running_min = running_min.min(candidate);
        adjusted[idx] = running_min;
    }
    adjusted
}

fn is_probability(p: f64) -> bool {
    (0.0..=1.0).contains(&p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(got: &[f64], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            if w.is_nan() {
                assert!(g.is_nan(), "index {i}: got {g}, want NaN");
            } else {
                assert!(
                    (g - w).abs() <= tol * w.abs().max(1e-300),
                    "index {i}: got {g}, want {w}"
                );
            }
        }
    }

    /// Reference: statsmodels 0.15.0,
    /// `multipletests([0.01, 0.04, 0.03, 0.04, 0.20, 0.001, 0.5, 0.04, 0.9, 0.012], method="fdr_bh")[1]`.
    /// The three tied 0.04 values exercise the tie handling.
    #[test]
    fn matches_statsmodels_fdr_bh_with_ties() {
        let p = [0.01, 0.04, 0.03, 0.04, 0.20, 0.001, 0.5, 0.04, 0.9, 0.012];
        let want = [
            0.04,
            0.05714285714285715,
            0.05714285714285715,
            0.05714285714285715,
            0.25,
            0.01,
            0.5555555555555556,
            0.05714285714285715,
            0.9,
            0.04,
        ];
        assert_close(&benjamini_hochberg(&p), &want, 1e-14);
    }

    /// NaN entries are skipped and m counts only the usable values: the result for the
    /// non-missing entries equals the statsmodels result on the same ten values above.
    #[test]
    fn nan_is_passed_through_and_not_counted() {
        let p = [
            0.01,
            f64::NAN,
            0.04,
            0.03,
            0.04,
            0.20,
            0.001,
            0.5,
            2.0, // not a probability: treated as missing
            0.04,
            0.9,
            0.012,
            f64::NAN,
        ];
        let want = [
            0.04,
            f64::NAN,
            0.05714285714285715,
            0.05714285714285715,
            0.05714285714285715,
            0.25,
            0.01,
            0.5555555555555556,
            f64::NAN,
            0.05714285714285715,
            0.9,
            0.04,
            f64::NAN,
        ];
        assert_close(&benjamini_hochberg(&p), &want, 1e-14);
    }

    #[test]
    fn caps_at_one_and_handles_empty() {
        assert!(benjamini_hochberg(&[]).is_empty());
        assert!(benjamini_hochberg(&[f64::NAN])[0].is_nan());
        // A single p-value is its own q-value.
        assert_eq!(benjamini_hochberg(&[0.3]), vec![0.3]);
        // m * p / rank would exceed 1 for the smallest value here, the cap keeps it at 1.
        assert_eq!(benjamini_hochberg(&[0.9, 1.0]), vec![1.0, 1.0]);
    }
}
