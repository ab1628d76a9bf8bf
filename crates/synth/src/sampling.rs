//! Small sampling tools on top of `rand`: per-force random streams, a categorical draw, and
//! the few continuous distributions the model needs. Kept here so that every stochastic choice
//! of the generator goes through one place and stays reproducible.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson, StandardNormal};

/// The random streams of one force. Each concern draws from its own ChaCha stream, so that
/// changing what one concern does (planting gaming, say) never shifts the draws of another:
/// a gamed force and the same force un-gamed share every honest draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Force-level parameters: call mix, trends, conversion, shock variation.
    ForceModel,
    /// Monthly volumes: over-dispersion factors and Poisson counts.
    Volume,
    /// Where and when each incident happens.
    Incidents,
    /// What each incident and crime turns out to be, honestly.
    Records,
    /// Crimes reported without an incident (online, front desk).
    OtherChannel,
    /// Role assignment in scenario presets (not tied to a force).
    Scenario,
    /// Month-to-month deviations of the force's recording rates (`NationalPlan::rate_noise`).
    RateNoise,
    /// Decisions of the planned mechanism at this position of the force's plan.
    Gaming(usize),
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::ForceModel => 0,
            Stream::Volume => 1,
            Stream::Incidents => 2,
            Stream::Records => 3,
            Stream::OtherChannel => 4,
            Stream::Scenario => 5,
            Stream::RateNoise => 6,
            Stream::Gaming(position) => 16 + position as u64,
        }
    }
}

/// The generator for one stream of one force: ChaCha8 keyed by (seed, force index), with the
/// stream number selecting an independent sequence.
pub(crate) fn stream_rng(seed: u64, force_index: u64, stream: Stream) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&force_index.to_le_bytes());
    // Domain separation, so that these keys never coincide with another use of the seed.
    key[16..24].copy_from_slice(b"recount!");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream.id());
    rng
}

/// A discrete distribution over a fixed list of items, drawn by inverting the cumulative
/// weights. Written out (rather than using `rand`'s weighted index) so that the draws cannot
/// change with a dependency upgrade.
#[derive(Clone, Debug)]
pub(crate) struct Categorical<T> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T: Copy> Categorical<T> {
    /// A distribution over the items with positive weight. Items with zero or negative weight
    /// are dropped; `None` when nothing is left.
    pub(crate) fn new(weighted: impl IntoIterator<Item = (T, f64)>) -> Option<Self> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for (item, weight) in weighted {
            if weight > 0.0 && weight.is_finite() {
                total += weight;
                items.push(item);
                cumulative.push(total);
            }
        }
        (!items.is_empty()).then_some(Categorical { items, cumulative })
    }

    /// One draw.
    pub(crate) fn sample(&self, rng: &mut impl Rng) -> T {
        let total = self.cumulative[self.cumulative.len() - 1];
        let u = rng.random::<f64>() * total;
        let position = self.cumulative.partition_point(|&c| c <= u);
        self.items[position.min(self.items.len() - 1)]
    }

    /// The items and their probabilities.
    #[cfg(test)]
    pub(crate) fn probabilities(&self) -> impl Iterator<Item = (T, f64)> + '_ {
        let total = self.cumulative[self.cumulative.len() - 1];
        let mut previous = 0.0;
        self.items
            .iter()
            .zip(&self.cumulative)
            .map(move |(item, &c)| {
                let p = (c - previous) / total;
                previous = c;
                (*item, p)
            })
    }
}

/// A standard normal draw.
pub(crate) fn normal(rng: &mut impl Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// A multiplicative factor with mean 1 and coefficient of variation `cv` (Gamma), the usual
/// model of over-dispersion in counts. `cv <= 0` gives exactly 1 without drawing.
pub(crate) fn unit_gamma(rng: &mut impl Rng, cv: f64) -> f64 {
    if cv <= 0.0 {
        return 1.0;
    }
    let shape = 1.0 / (cv * cv);
    match Gamma::new(shape, 1.0 / shape) {
        Ok(gamma) => gamma.sample(rng),
        Err(_) => 1.0,
    }
}

/// A Poisson count with mean `lambda` (0 for a non-positive or non-finite mean).
pub(crate) fn poisson(rng: &mut impl Rng, lambda: f64) -> u64 {
    if !(lambda > 0.0 && lambda.is_finite()) {
        return 0;
    }
    match Poisson::new(lambda) {
        Ok(poisson) => {
            let draw: f64 = poisson.sample(rng);
            draw as u64
        }
        Err(_) => lambda.round() as u64,
    }
}

/// A uniform draw in `[low, high)`, or `low` when the range is empty.
pub(crate) fn uniform(rng: &mut impl Rng, low: f64, high: f64) -> f64 {
    if high > low {
        low + (high - low) * rng.random::<f64>()
    } else {
        low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categorical_matches_its_weights() {
        let dist = Categorical::new([("a", 1.0), ("b", 3.0), ("zero", 0.0)]).unwrap();
        let mut rng = stream_rng(1, 0, Stream::Records);
        let n = 40_000;
        let b = (0..n).filter(|_| dist.sample(&mut rng) == "b").count();
        assert!((b as f64 / n as f64 - 0.75).abs() < 0.01);
        let probabilities: Vec<_> = dist.probabilities().collect();
        assert_eq!(probabilities, vec![("a", 0.25), ("b", 0.75)]);
        assert!(Categorical::new([("x", 0.0)]).is_none());
    }

    #[test]
    fn streams_are_independent_and_reproducible() {
        let a: u64 = stream_rng(7, 3, Stream::Volume).random();
        let b: u64 = stream_rng(7, 3, Stream::Volume).random();
        let c: u64 = stream_rng(7, 3, Stream::Records).random();
        let d: u64 = stream_rng(7, 4, Stream::Volume).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn gamma_factor_has_mean_one_and_the_asked_spread() {
        let mut rng = stream_rng(2, 0, Stream::Volume);
        let draws: Vec<f64> = (0..20_000).map(|_| unit_gamma(&mut rng, 0.07)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!((mean - 1.0).abs() < 0.005, "{mean}");
        assert!((var.sqrt() - 0.07).abs() < 0.005, "{}", var.sqrt());
        assert_eq!(unit_gamma(&mut rng, 0.0), 1.0);
        assert_eq!(poisson(&mut rng, 0.0), 0);
    }
}
