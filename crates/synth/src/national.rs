//! The national call model: for each call type of the data contract's vocabulary, its share of
//! calls, seasonality, reaction to a lockdown-like shock, chance of leading to a crime record,
//! and how often its crimes are reported without a call. Forces perturb these (see
//! `force_model.rs`).
//!
//! Almost every number here is a judgement, set so that the national picture looks like
//! England and Wales (crimes about 0.4 of incidents; violence, anti-social behaviour and
//! burglary seasonal; the shock shaped like April-June 2020 in the Home Office tables). The
//! shares and effects are documented per row.

use recount_cube::CRIME_RELATED_CALL_TYPES;

use crate::timing::DayShape;

/// What the model knows about one call type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallTypeFacts {
    /// Contract code.
    pub code: &'static str,
    /// Whether the call normally leads to a crime record.
    pub crime_related: bool,
    /// Percentage of national calls (judgement; the list sums to about 100).
    pub share: f64,
    /// Half the peak-to-trough seasonal swing, as a fraction of the mean.
    pub season_amplitude: f64,
    /// Month of the seasonal peak (1-12).
    pub season_peak: u32,
    /// Relative change in calls at the height of the national shock.
    pub shock: f64,
    /// Probability that an honest call of this type leads to at least one crime record.
    pub conversion: f64,
    /// Relative weight of crimes of this kind reported without a call (online, front desk);
    /// scaled in [`other_channel_scale`] so that about 15% of all crimes come that way.
    pub other_channel: f64,
    /// Hour-of-day profile of the calls.
    pub day_shape: DayShape,
}

// One row of the table below; positional so the table reads as a table.
#[allow(clippy::too_many_arguments)]
const fn facts(
    code: &'static str,
    crime_related: bool,
    share: f64,
    season: (f64, u32),
    shock: f64,
    conversion: f64,
    other_channel: f64,
    day_shape: DayShape,
) -> CallTypeFacts {
    CallTypeFacts {
        code,
        crime_related,
        share,
        season_amplitude: season.0,
        season_peak: season.1,
        shock,
        conversion,
        other_channel,
        day_shape,
    }
}

use DayShape::{General, Night};

/// Every call type, crime-related first, in the order of the contract's vocabulary (the
/// order of `CRIME_RELATED_CALL_TYPES` then `NON_CRIME_CALL_TYPES`; a test checks it).
///
/// Seasonality (judgement, consistent with the summer peak of violence and anti-social
/// behaviour and the winter peak of burglary in recorded crime): violence about +/-10% peaking
/// in July, ASB +/-15% in July, burglary +/-12% in December, other types small.
///
/// Shock (judgement, shaped like April-June 2020 in the Home Office open data tables, where
/// theft fell 43%, robbery 47% and drug offences rose 31%): most calls fall, domestic abuse,
/// welfare concerns, ASB (lockdown breaches were logged as ASB) and drugs rise.
///
/// Conversion (judgement): 0.6-0.85 for crime-related calls, 0.01-0.10 for the others, so that
/// crimes come to about 0.4 of incidents once crimes reported without a call are added.
pub(crate) const CALL_TYPES: [CallTypeFacts; 22] = [
    facts("ASSAULT", true, 7.0, (0.10, 7), -0.20, 0.75, 0.5, Night),
    facts(
        "DOMESTIC_ABUSE",
        true,
        6.0,
        (0.08, 7),
        0.10,
        0.72,
        0.7,
        Night,
    ),
    facts(
        "SEXUAL_OFFENCE",
        true,
        0.8,
        (0.10, 7),
        -0.25,
        0.80,
        2.5,
        Night,
    ),
    facts("ROBBERY", true, 0.6, (0.04, 12), -0.45, 0.80, 0.3, Night),
    facts("BURGLARY", true, 3.0, (0.12, 12), -0.25, 0.82, 0.5, General),
    facts("THEFT", true, 8.0, (0.03, 12), -0.40, 0.80, 1.5, General),
    facts(
        "VEHICLE_CRIME",
        true,
        3.0,
        (0.04, 11),
        -0.30,
        0.80,
        1.5,
        General,
    ),
    facts(
        "CRIMINAL_DAMAGE",
        true,
        4.0,
        (0.05, 7),
        -0.15,
        0.72,
        1.0,
        General,
    ),
    facts(
        "PUBLIC_ORDER",
        true,
        2.5,
        (0.10, 7),
        -0.10,
        0.62,
        0.5,
        Night,
    ),
    facts("HARASSMENT", true, 3.0, (0.03, 7), 0.05, 0.72, 2.0, General),
    facts("WEAPONS", true, 0.8, (0.04, 7), -0.15, 0.70, 0.2, Night),
    facts("DRUGS", true, 1.5, (0.03, 7), 0.20, 0.65, 0.3, General),
    facts("FRAUD", true, 1.5, (0.02, 12), -0.05, 0.75, 6.0, General),
    facts("ASB", false, 12.0, (0.15, 7), 0.30, 0.04, 0.0, Night),
    facts(
        "CONCERN_FOR_SAFETY",
        false,
        12.0,
        (0.03, 12),
        0.15,
        0.05,
        0.0,
        General,
    ),
    facts(
        "DOMESTIC_INCIDENT",
        false,
        4.0,
        (0.05, 7),
        0.10,
        0.10,
        0.0,
        Night,
    ),
    facts(
        "SUSPICIOUS",
        false,
        6.0,
        (0.05, 12),
        0.05,
        0.05,
        0.0,
        General,
    ),
    facts(
        "MISSING_PERSON",
        false,
        2.0,
        (0.04, 7),
        -0.20,
        0.02,
        0.0,
        General,
    ),
    facts("TRAFFIC", false, 9.0, (0.04, 12), -0.35, 0.03, 0.0, General),
    facts("ALARM", false, 4.0, (0.05, 12), -0.20, 0.02, 0.0, General),
    facts("ADMIN", false, 4.0, (0.0, 1), 0.0, 0.01, 0.0, General),
    facts("OTHER", false, 5.5, (0.05, 7), 0.05, 0.03, 0.0, General),
];

/// Number of call types.
pub(crate) const N_CALL_TYPES: usize = CALL_TYPES.len();
/// Number of crime-related call types (they come first in [`CALL_TYPES`]).
pub(crate) const N_CRIME_TYPES: usize = CRIME_RELATED_CALL_TYPES.len();

/// Share of all crime records reported without a call (online, at a front desk), as asked of
/// the model (judgement; forces report that a growing share of crime arrives online).
pub(crate) const OTHER_CHANNEL_SHARE: f64 = 0.15;

/// Share of crime-producing incidents that produce two crime records (judgement).
pub(crate) const TWO_CRIME_SHARE: f64 = 0.05;

/// The index of a call type in [`CALL_TYPES`].
pub(crate) fn call_index(code: &str) -> Option<usize> {
    CALL_TYPES.iter().position(|facts| facts.code == code)
}

/// The seasonal factor of a call type in a month of the year (mean 1 over the year).
pub(crate) fn season(facts: &CallTypeFacts, month_of_year: u32) -> f64 {
    let phase = 2.0 * std::f64::consts::PI * (month_of_year as f64 - facts.season_peak as f64);
    1.0 + facts.season_amplitude * (phase / 12.0).cos()
}

/// The crime families (crime-related call types) whose offences a crime from a non-crime call
/// is drawn from, with weights (judgement): a welfare check that finds an assault, a
/// suspicious-person call that turns out to be a burglary.
pub(crate) fn non_crime_families(code: &str) -> &'static [(&'static str, f64)] {
    match code {
        "ASB" => &[("CRIMINAL_DAMAGE", 0.5), ("PUBLIC_ORDER", 0.5)],
        "CONCERN_FOR_SAFETY" => &[
            ("ASSAULT", 0.4),
            ("HARASSMENT", 0.3),
            ("DOMESTIC_ABUSE", 0.3),
        ],
        "DOMESTIC_INCIDENT" => &[("DOMESTIC_ABUSE", 1.0)],
        "SUSPICIOUS" => &[
            ("BURGLARY", 0.3),
            ("THEFT", 0.3),
            ("DRUGS", 0.2),
            ("VEHICLE_CRIME", 0.2),
        ],
        "MISSING_PERSON" => &[("SEXUAL_OFFENCE", 0.4), ("ASSAULT", 0.3), ("THEFT", 0.3)],
        "TRAFFIC" => &[
            ("VEHICLE_CRIME", 0.5),
            ("CRIMINAL_DAMAGE", 0.3),
            ("ASSAULT", 0.2),
        ],
        "ALARM" => &[("BURGLARY", 1.0)],
        "ADMIN" => &[("FRAUD", 0.6), ("THEFT", 0.4)],
        _ => &[("THEFT", 0.4), ("FRAUD", 0.3), ("HARASSMENT", 0.3)],
    }
}

/// Crime-related codes a call handler might close a crime-related call with instead of its own
/// (judgement): the situation turned out to be a neighbouring kind of crime.
pub(crate) fn similar_crime_codes(code: &str) -> &'static [&'static str] {
    match code {
        "ASSAULT" => &["PUBLIC_ORDER", "DOMESTIC_ABUSE"],
        "DOMESTIC_ABUSE" => &["ASSAULT", "HARASSMENT"],
        "SEXUAL_OFFENCE" => &["ASSAULT"],
        "ROBBERY" => &["THEFT", "ASSAULT"],
        "BURGLARY" => &["THEFT", "CRIMINAL_DAMAGE"],
        "THEFT" => &["VEHICLE_CRIME", "FRAUD", "BURGLARY"],
        "VEHICLE_CRIME" => &["THEFT", "CRIMINAL_DAMAGE"],
        "CRIMINAL_DAMAGE" => &["VEHICLE_CRIME", "PUBLIC_ORDER"],
        "PUBLIC_ORDER" => &["ASSAULT", "HARASSMENT"],
        "HARASSMENT" => &["PUBLIC_ORDER", "DOMESTIC_ABUSE"],
        "WEAPONS" => &["PUBLIC_ORDER", "DRUGS"],
        "DRUGS" => &["WEAPONS"],
        _ => &["THEFT"],
    }
}

/// Non-crime codes a non-crime call is sometimes closed with instead of its own (judgement).
pub(crate) fn similar_non_crime_codes(code: &str) -> &'static [&'static str] {
    match code {
        "ASB" => &["SUSPICIOUS", "OTHER"],
        "CONCERN_FOR_SAFETY" => &["MISSING_PERSON", "DOMESTIC_INCIDENT", "OTHER"],
        "DOMESTIC_INCIDENT" => &["CONCERN_FOR_SAFETY"],
        "SUSPICIOUS" => &["ASB", "OTHER"],
        "MISSING_PERSON" => &["CONCERN_FOR_SAFETY"],
        "TRAFFIC" => &["OTHER"],
        "ALARM" => &["SUSPICIOUS"],
        "ADMIN" => &["OTHER"],
        _ => &["ADMIN", "SUSPICIOUS"],
    }
}

/// The factor that turns [`CallTypeFacts::other_channel`] weights into ratios of
/// other-channel crimes to crimes from calls of the same family, solved from the national
/// shares so that [`OTHER_CHANNEL_SHARE`] of all crimes arrive without a call.
pub(crate) fn other_channel_scale() -> f64 {
    let mut from_calls = 0.0;
    let mut weighted = 0.0;
    for facts in &CALL_TYPES {
        let crimes = facts.share * facts.conversion * (1.0 + TWO_CRIME_SHARE);
        from_calls += crimes;
        weighted += crimes * facts.other_channel;
    }
    // other = K * weighted and other / (from_calls + other) = share.
    OTHER_CHANNEL_SHARE / (1.0 - OTHER_CHANNEL_SHARE) * from_calls / weighted
}

/// Whether the table follows the contract vocabulary, in order.
#[cfg(test)]
fn vocabulary_matches() -> bool {
    let codes: Vec<&str> = CALL_TYPES.iter().map(|f| f.code).collect();
    let contract: Vec<&str> = CRIME_RELATED_CALL_TYPES
        .iter()
        .chain(recount_cube::NON_CRIME_CALL_TYPES.iter())
        .copied()
        .collect();
    codes == contract
        && CALL_TYPES
            .iter()
            .enumerate()
            .all(|(i, f)| f.crime_related == (i < N_CRIME_TYPES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_follows_the_contract_vocabulary() {
        assert!(vocabulary_matches());
        for facts in &CALL_TYPES {
            for (family, _) in non_crime_families(facts.code) {
                assert!(call_index(family).is_some_and(|i| i < N_CRIME_TYPES));
            }
            for code in similar_crime_codes(facts.code) {
                assert!(call_index(code).is_some_and(|i| i < N_CRIME_TYPES));
            }
            for code in similar_non_crime_codes(facts.code) {
                assert!(call_index(code).is_some_and(|i| i >= N_CRIME_TYPES));
            }
        }
    }

    #[test]
    fn national_mix_gives_about_four_crimes_per_ten_incidents() {
        let total: f64 = CALL_TYPES.iter().map(|f| f.share).sum();
        let crimes_from_calls: f64 = CALL_TYPES
            .iter()
            .map(|f| f.share * f.conversion * (1.0 + TWO_CRIME_SHARE))
            .sum();
        let ratio = crimes_from_calls / (1.0 - OTHER_CHANNEL_SHARE) / total;
        assert!((0.36..0.44).contains(&ratio), "{ratio}");
        let crime_share: f64 = CALL_TYPES[..N_CRIME_TYPES].iter().map(|f| f.share).sum();
        assert!((crime_share / total - 0.42).abs() < 0.02);
    }

    #[test]
    fn seasons_peak_where_they_should() {
        let assault = &CALL_TYPES[call_index("ASSAULT").unwrap()];
        let burglary = &CALL_TYPES[call_index("BURGLARY").unwrap()];
        assert!(season(assault, 7) > season(assault, 1));
        assert!(season(burglary, 12) > season(burglary, 6));
        let mean: f64 = (1..=12).map(|m| season(assault, m)).sum::<f64>() / 12.0;
        assert!((mean - 1.0).abs() < 1e-12);
    }
}
