//! Which Home Office offence a crime is, given the kind of call it came from, and which lesser
//! code a serious one is downgraded to. Every code here is in `OffenceCatalogue::builtin()`
//! (tested).

use std::collections::{BTreeMap, BTreeSet};

use recount_cube::{DowngradePair, OffenceCatalogue};

use crate::error::SynthError;
use crate::sampling::Categorical;

/// The offence mix of crimes from each crime-related call type (judgement, from the code list
/// in `shared/reference/offence-codes.csv` and the rough national proportions of the Home
/// Office tables: assault without injury outnumbers assault with injury; rape is about a third
/// of sexual offences; shoplifting and other theft dominate theft).
pub(crate) fn offence_mix(family: &str) -> &'static [(&'static str, f64)] {
    match family {
        "ASSAULT" => &[
            ("105A", 0.50),
            ("8N", 0.35),
            ("5D", 0.04),
            ("105B", 0.03),
            ("8P", 0.015),
            ("104", 0.03),
            ("8S", 0.015),
            ("3B", 0.02),
        ],
        "DOMESTIC_ABUSE" => &[
            ("105A", 0.40),
            ("8N", 0.28),
            ("8U", 0.12),
            ("8L", 0.12),
            ("3B", 0.04),
            ("5D", 0.04),
        ],
        "SEXUAL_OFFENCE" => &[
            ("19C", 0.28),
            ("19D", 0.05),
            ("19F", 0.02),
            ("20A", 0.30),
            ("17A", 0.05),
            ("20B", 0.08),
            ("22A", 0.07),
            ("88E", 0.15),
        ],
        "ROBBERY" => &[("34B", 0.80), ("34A", 0.08), ("39", 0.12)],
        "BURGLARY" => &[
            ("28E", 0.45),
            ("28F", 0.12),
            ("30C", 0.22),
            ("30D", 0.06),
            ("58A", 0.07),
            ("49", 0.08),
        ],
        "THEFT" => &[
            ("49", 0.35),
            ("46", 0.35),
            ("39", 0.06),
            ("44", 0.08),
            ("40", 0.06),
            ("49A", 0.10),
        ],
        "VEHICLE_CRIME" => &[("45", 0.45), ("48", 0.25), ("126", 0.10), ("58C", 0.20)],
        "CRIMINAL_DAMAGE" => &[
            ("58A", 0.25),
            ("58B", 0.15),
            ("58C", 0.30),
            ("58D", 0.22),
            ("56B", 0.06),
            ("58J", 0.02),
        ],
        "PUBLIC_ORDER" => &[("9A", 0.70), ("9B", 0.10), ("62A", 0.02), ("8L", 0.18)],
        "HARASSMENT" => &[("8L", 0.40), ("8R", 0.40), ("8Q", 0.15), ("8M", 0.05)],
        "WEAPONS" => &[("10D", 0.60), ("10C", 0.30), ("10B", 0.10)],
        "DRUGS" => &[("92E", 0.55), ("92D", 0.30), ("92A", 0.15)],
        "FRAUD" => &[("53", 1.0)],
        _ => &[],
    }
}

/// The lesser code(s) a serious code is downgraded to, with weights (judgement, following the
/// pairs named in evidence to Parliament in 2014: injury to no injury, rape to sexual assault
/// of the same victim group, burglary to theft or damage, robbery to theft from the person,
/// aggravated to plain).
fn preferred_lesser(serious: &str) -> &'static [(&'static str, f64)] {
    match serious {
        "8N" => &[("105A", 1.0)],
        "5D" => &[("8N", 1.0)],
        "8P" => &[("8N", 1.0)],
        "105B" => &[("105A", 1.0)],
        "19C" | "19D" => &[("20A", 1.0)],
        "19E" => &[("20B", 1.0)],
        "19F" | "19G" => &[("17A", 1.0)],
        "19H" => &[("17B", 1.0)],
        "28E" => &[("49", 0.5), ("58A", 0.5)],
        "28F" => &[("58A", 1.0)],
        "28G" | "28H" | "29A" => &[("49", 1.0)],
        "34B" => &[("39", 1.0)],
        _ => &[],
    }
}

/// Every offence code the generator can produce.
pub(crate) fn generated_codes() -> BTreeSet<&'static str> {
    crate::national::CALL_TYPES
        .iter()
        .flat_map(|facts| offence_mix(facts.code).iter().map(|(code, _)| *code))
        .collect()
}

/// The same code as a `&'static str`, if the generator can produce it.
fn static_code(code: &str) -> Option<&'static str> {
    generated_codes().into_iter().find(|c| *c == code)
}

/// How a force's downgrading is planted: for each serious code it touches, the lesser codes it
/// is recorded as instead.
#[derive(Clone, Debug, Default)]
pub(crate) struct DowngradeRules {
    by_serious: BTreeMap<&'static str, Categorical<&'static str>>,
}

impl DowngradeRules {
    /// The rules for the given pairs, restricted to the pairs named in `only_pairs` and to the
    /// serious codes in `only_offences` (codes or group names) when those are not empty.
    pub(crate) fn new(
        pairs: &[DowngradePair],
        only_pairs: &[String],
        only_offences: &[String],
        catalogue: &OffenceCatalogue,
    ) -> Result<Self, SynthError> {
        for name in only_pairs {
            if !pairs.iter().any(|pair| &pair.name == name) {
                return Err(SynthError::Scenario(format!(
                    "filter names downgrade pair `{name}`, which is not among the scenario's pairs"
                )));
            }
        }
        let allowed = expand_all(only_offences, catalogue)?;
        let mut by_serious = BTreeMap::new();
        for pair in pairs {
            if !only_pairs.is_empty() && !only_pairs.contains(&pair.name) {
                continue;
            }
            let serious = expand_all(&pair.serious, catalogue)?.unwrap_or_default();
            let lesser = expand_all(&pair.lesser, catalogue)?.unwrap_or_default();
            for code in serious {
                if allowed.as_ref().is_some_and(|set| !set.contains(&code)) {
                    continue;
                }
                let Some(code) = static_code(&code) else {
                    continue; // never generated, so never downgraded
                };
                if let Some(choice) = lesser_choice(code, &lesser, catalogue) {
                    by_serious.entry(code).or_insert(choice);
                }
            }
        }
        Ok(DowngradeRules { by_serious })
    }

    /// The lesser codes a serious code goes to, if the rules touch it.
    pub(crate) fn lesser_for(&self, serious: &str) -> Option<&Categorical<&'static str>> {
        self.by_serious.get(serious)
    }

    /// The serious codes touched.
    #[cfg(test)]
    pub(crate) fn serious_codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_serious.keys().copied()
    }
}

/// The preferred lesser codes that the pair allows, or else the most serious code of the
/// pair's lesser side that is still a downgrade.
fn lesser_choice(
    serious: &'static str,
    lesser: &BTreeSet<String>,
    catalogue: &OffenceCatalogue,
) -> Option<Categorical<&'static str>> {
    let preferred = preferred_lesser(serious)
        .iter()
        .filter(|(code, _)| lesser.contains(*code))
        .copied();
    if let Some(choice) = Categorical::new(preferred) {
        return Some(choice);
    }
    let fallback = lesser
        .iter()
        .filter(|code| catalogue.is_downgrade(serious, code))
        .filter_map(|code| static_code(code))
        .max_by_key(|code| catalogue.severity(code).unwrap_or(i32::MIN))?;
    Categorical::new([(fallback, 1.0)])
}

/// Expands codes and group names; `None` for an empty list (no restriction).
pub(crate) fn expand_all(
    names: &[String],
    catalogue: &OffenceCatalogue,
) -> Result<Option<BTreeSet<String>>, SynthError> {
    if names.is_empty() {
        return Ok(None);
    }
    let mut codes = BTreeSet::new();
    for name in names {
        let expanded = catalogue.expand(name);
        if expanded.is_empty() {
            return Err(SynthError::Scenario(format!(
                "`{name}` is neither an offence code nor an offence group"
            )));
        }
        codes.extend(expanded);
    }
    Ok(Some(codes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::national::{CALL_TYPES, N_CRIME_TYPES};
    use recount_cube::default_downgrade_pairs;

    #[test]
    fn every_generated_code_is_in_the_catalogue() {
        let catalogue = OffenceCatalogue::builtin();
        for code in generated_codes() {
            assert!(catalogue.contains(code), "{code} is not in the catalogue");
        }
        for facts in &CALL_TYPES[..N_CRIME_TYPES] {
            let total: f64 = offence_mix(facts.code).iter().map(|(_, w)| w).sum();
            assert!((total - 1.0).abs() < 1e-9, "{} sums to {total}", facts.code);
        }
    }

    #[test]
    fn default_pairs_downgrade_to_sensible_lesser_codes() {
        let catalogue = OffenceCatalogue::builtin();
        let rules = DowngradeRules::new(&default_downgrade_pairs(), &[], &[], &catalogue).unwrap();
        let serious: Vec<_> = rules.serious_codes().collect();
        for code in [
            "8N", "5D", "19C", "19D", "19F", "28E", "28F", "34B", "8P", "105B",
        ] {
            assert!(serious.contains(&code), "{code} is not touched");
        }
        for code in serious {
            for (lesser, _) in rules.lesser_for(code).unwrap().probabilities() {
                assert!(catalogue.is_downgrade(code, lesser), "{code} -> {lesser}");
            }
        }
        let lesser_8n: Vec<_> = rules.lesser_for("8N").unwrap().probabilities().collect();
        assert_eq!(lesser_8n, vec![("105A", 1.0)]);
        let lesser_19f: Vec<_> = rules.lesser_for("19F").unwrap().probabilities().collect();
        assert_eq!(lesser_19f, vec![("17A", 1.0)]);
    }

    #[test]
    fn filters_restrict_the_rules() {
        let catalogue = OffenceCatalogue::builtin();
        let pairs = default_downgrade_pairs();
        let only_8n = DowngradeRules::new(&pairs, &["8N>105A".into()], &[], &catalogue).unwrap();
        assert_eq!(only_8n.serious_codes().collect::<Vec<_>>(), vec!["8N"]);
        let rape = DowngradeRules::new(&pairs, &[], &["Rape".into()], &catalogue).unwrap();
        assert!(rape.serious_codes().all(|c| c.starts_with("19")));
        assert!(DowngradeRules::new(&pairs, &["nope".into()], &[], &catalogue).is_err());
        assert!(DowngradeRules::new(&pairs, &[], &["ZZZ".into()], &catalogue).is_err());
    }
}
