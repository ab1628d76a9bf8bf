//! What a detector asks the audit to test: a rate, the way gaming would move it, the rates that
//! must move with it, and how a shift turns into crime records.

use std::collections::BTreeMap;

use recount_cube::RecordSelection;

use crate::contrast::{Counterfactual, Direction};
use crate::finding::Mechanism;
use crate::pair_flows::PairSides;
use crate::rates::RateTable;

/// What is compared between a force and its peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// A share (hits out of a total) of the force against the same share of its peers.
    Share,
    /// A volume (the hits; totals are ignored) of the force against the same volume of its
    /// peers: the log-ratio, which is the logit of the force's part of the combined volume.
    Volume,
}

/// A named rate and the way gaming moves it.
#[derive(Clone, Debug)]
pub struct RateSpec {
    /// Name of the series in outputs.
    pub series: String,
    /// Which way gaming moves it.
    pub direction: Direction,
    /// The rates of every force.
    pub rates: RateTable,
    /// Share or volume.
    pub measure: Measure,
    /// How its shift turns into hits.
    pub counterfactual: Counterfactual,
    /// The wider rate of the same force this one is part of (all crime for an offence group,
    /// all crime-related calls for a call type), whose drift before the target is carried on
    /// when this rate's own months are too few to show it (see [`RateSpec::part_of`]).
    pub part_of: Option<Box<RateSpec>>,
    /// Per force, the share of the records the gaming moves that this rate sees, where it
    /// sees only some (a rate of calls sees the crimes that name a call); a force not listed
    /// sees `sees_otherwise`. Used only for what the audit could have seen
    /// (`sensitivity.rs`).
    pub sees: BTreeMap<String, f64>,
    /// The share seen by a force not in `sees`: all (1), or none (0) for a view of a form
    /// of the gaming that it need not take (reclassifications, for downgrading).
    pub sees_otherwise: f64,
}

impl RateSpec {
    /// A share.
    pub fn share(series: impl Into<String>, direction: Direction, rates: RateTable) -> Self {
        RateSpec {
            series: series.into(),
            direction,
            rates,
            measure: Measure::Share,
            counterfactual: Counterfactual::ShareOfTotal,
            part_of: None,
            sees: BTreeMap::new(),
            sees_otherwise: 1.0,
        }
    }

    /// A volume: its counterfactual is the peers' volume times the force's usual ratio to it.
    pub fn volume(series: impl Into<String>, direction: Direction, rates: RateTable) -> Self {
        RateSpec {
            series: series.into(),
            direction,
            rates,
            measure: Measure::Volume,
            counterfactual: Counterfactual::OddsOfMisses,
            part_of: None,
            sees: BTreeMap::new(),
            sees_otherwise: 1.0,
        }
    }

    /// The same rate as a part of `whole`. Recording practice drifts force-wide (staff,
    /// systems, scrutiny), so a drift the force's whole rate shows before the target is the
    /// best evidence of one in a part whose own months are too few to show it: a group of 60
    /// crimes a month cannot establish a drift of 10% a year in its share recorded late, the
    /// force's 1,000 can. Only the whole's drift before the target is used, which gaming after
    /// it cannot move.
    pub fn part_of(mut self, whole: &RateSpec) -> Self {
        let mut whole = whole.clone();
        whole.part_of = None;
        self.part_of = Some(Box::new(whole));
        self
    }

    /// The same rate with another counterfactual.
    pub fn counted_by(mut self, counterfactual: Counterfactual) -> Self {
        self.counterfactual = counterfactual;
        self
    }

    /// The same rate seeing, per force, only a share of the records the gaming moves.
    pub fn seeing(mut self, shares: BTreeMap<String, f64>) -> Self {
        self.sees = shares;
        self
    }

    /// The same rate seeing none of the records the gaming moves unless it takes one form
    /// of several: what the audit could have seen is then judged on the others.
    pub fn seeing_one_form(mut self) -> Self {
        self.sees.clear();
        self.sees_otherwise = 0.0;
        self
    }

    /// The share of the records the gaming moves that this rate sees in `force`.
    pub fn sees_in(&self, force: &str) -> f64 {
        self.sees.get(force).copied().unwrap_or(self.sees_otherwise)
    }
}

/// Further rates that must also have moved. A test counts only if its corroboration holds,
/// tested as an intersection-union test: the p-value of "all of these moved" is the largest
/// of their p-values (Berger 1982), and of "one of these moved" the smallest times their
/// number (Bonferroni).
#[derive(Clone, Debug)]
pub enum Corroboration {
    /// This rate must have moved.
    Rate(RateSpec),
    /// All of these must hold.
    All(Vec<Corroboration>),
    /// At least one of these must hold.
    Any(Vec<Corroboration>),
    /// The rate must have moved, and by a matching number of records: it must have gained at
    /// least half of what the main series lost, and at most what `cap` allows (calls
    /// re-badged from one type to another, records downgraded from one offence to another, are
    /// neither created nor destroyed).
    Transfer {
        /// The receiving rate.
        spec: RateSpec,
        /// The most the receiving rate may gain.
        cap: TransferCap,
    },
    /// Unless this rate moved in its direction (one-sided p below [`EXPLAINED_AT`]) by at
    /// least [`Explained::share_needed`] of what `of` says was lost: then a change that is not
    /// gaming explains the main series, and the test does not count (p 1). Otherwise it adds
    /// nothing (p 0 in an [`Corroboration::All`]); not for use inside [`Corroboration::Any`].
    Unless {
        /// The rate whose move would explain the main series.
        spec: RateSpec,
        /// What its move is measured against.
        of: Explained,
    },
}

/// What a [`Corroboration::Unless`] rate's move is measured against.
#[derive(Clone, Debug)]
pub enum Explained {
    /// What the main series lost; half of it must be explained (both counts are noisy
    /// estimates of the same records when the honest change is the cause).
    Main,
    /// The least this series lost by its 95% interval (nothing when the interval reaches a
    /// gain): a whole the main series is part of, when the honest change would show in the
    /// whole's loss rather than in each part's (a change in one offence explains a call type's
    /// loss only as far as it explains all the calls' loss). All of it must be explained: the
    /// rate is one that the gaming moves too, by a part of what it loses. The interval's end,
    /// not the point estimate: a whole of a large force's every call carries honest drift of
    /// thousands of records, which a point estimate adds to what the honest change must
    /// explain.
    Whole(Box<RateSpec>),
}

impl Explained {
    /// The least share of the loss the rate's move must reach to explain it.
    pub fn share_needed(&self) -> f64 {
        match self {
            Explained::Main => 0.5,
            Explained::Whole(_) => 1.0,
        }
    }
}

/// The one-sided p-value below which a [`Corroboration::Unless`] rate counts as having moved.
/// Judgement: it should rarely veto real gaming by chance (1 in 100 when the rate did not
/// move, and the half-of-the-size condition makes that rarer still), while an honest change
/// big enough to explain a finding shows at far smaller p-values (1e-5 and below in the
/// synth's link-loss probe).
pub const EXPLAINED_AT: f64 = 0.01;

/// The most a transfer's receiving rate may gain.
#[derive(Clone, Debug)]
pub enum TransferCap {
    /// [`TRANSFER_CAP`] times what the main series lost: it is the only sender.
    OfMain,
    /// [`TRANSFER_CAP`] times what these series lost together (each counted by its own
    /// counterfactual, gains counted as nothing): every series that sends to the same receiving
    /// types, the main one among them. A receiving type that gains far more than all its
    /// senders lost has taken on calls of its own (a change of call mix), whatever the main
    /// series did.
    OfSenders(Vec<RateSpec>),
}

/// How many times what its senders lost a transfer's receiving types may gain. Both counts
/// are point estimates that each carry 30-50% noise at a force's volumes over two years, so a
/// true transfer often shows a ratio near two; three still keeps out a force whose non-crime
/// calls grow several times faster than its crime-related calls fall (a change of call mix
/// that coincides with a small fall). Judgement, not fitted.
pub const TRANSFER_CAP: f64 = 3.0;

/// Crime records each hit of the rate stands for.
#[derive(Clone, Debug)]
pub enum RecordsPerHit {
    /// One record per hit.
    One,
    /// A factor per force (e.g. crimes per incident that led to a crime); 1 where absent.
    ByForce(BTreeMap<String, f64>),
}

impl RecordsPerHit {
    /// The factor for one force.
    pub fn of(&self, force_id: &str) -> f64 {
        match self {
            RecordsPerHit::One => 1.0,
            RecordsPerHit::ByForce(map) => map.get(force_id).copied().unwrap_or(1.0),
        }
    }
}

/// One series a detector wants tested.
#[derive(Clone, Debug)]
pub struct SeriesSpec {
    /// The detector's name.
    pub detector: &'static str,
    /// The mechanism it looks for.
    pub mechanism: Mechanism,
    /// The rate tested.
    pub main: RateSpec,
    /// How the shift turns into hits.
    pub counterfactual: Counterfactual,
    /// Crime records per hit.
    pub records_per_hit: RecordsPerHit,
    /// Offence categories of the affected records (`violence`, `sexual`, `rape`).
    pub categories: Vec<String>,
    /// Rates that must move with it.
    pub corroboration: Option<Corroboration>,
    /// The rate in words, e.g. "the share of 8N among 8N and 105A records".
    pub rate_label: String,
    /// What the affected records are, e.g. "crime records downgraded".
    pub affected_label: String,
    /// Series of one family see disjoint records (their affected records add up: the pairs of
    /// offences, the call types); series of different families of one mechanism see the same
    /// records from different angles (one total stands: see `recount_score::affected`).
    pub family: String,
    /// Whether the family's sum estimates the mechanism's whole effect even when none of its
    /// tests is a finding (the offence pairs see every downgrade; most families see part of
    /// their mechanism, or are too noisy to count unless one of their tests stands out).
    pub complete: bool,
    /// The records an auditor should pull when this series is a finding.
    pub review: Option<RecordSelection>,
    /// For an offence pair, its codes: flows between pairs that share codes are solved
    /// together (see `pair_flows`).
    pub pair_sides: Option<PairSides>,
}
