//! Reference facts of the field, built in as defaults: the territorial forces, the Home Office
//! offence codes with their groups and a seriousness order, and the call-type vocabulary of the
//! data contract. Sources are named in `reference/README.md` beside the data files.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::CubeError;

const FORCES_CSV: &str = include_str!("../reference/forces.csv");
const OFFENCE_CODES_CSV: &str = include_str!("../reference/offence-codes.csv");

/// A police force: its code (ONS police force area code for the territorial forces) and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Force {
    /// The force's code, e.g. `E23000005`.
    pub id: String,
    /// The force's name, e.g. `Greater Manchester`.
    pub name: String,
}

/// The forces recount knows by name, so that published tables that name forces can be read.
#[derive(Clone, Debug, Default)]
pub struct ForceRegistry {
    forces: Vec<Force>,
    by_name: BTreeMap<String, String>,
}

impl ForceRegistry {
    /// The 43 territorial forces of England and Wales.
    pub fn builtin() -> Self {
        let mut reader = csv::Reader::from_reader(FORCES_CSV.as_bytes());
        let forces = reader
            .deserialize::<ForceRow>()
            .filter_map(Result::ok)
            .map(|row| Force {
                id: row.force_id,
                name: row.force_name,
            })
            .collect();
        Self::from_forces(forces)
    }

    /// A registry of the given forces.
    pub fn from_forces(forces: Vec<Force>) -> Self {
        let by_name = forces
            .iter()
            .map(|force| (normalise_force_name(&force.name), force.id.clone()))
            .collect();
        ForceRegistry { forces, by_name }
    }

    /// Every known force.
    pub fn forces(&self) -> &[Force] {
        &self.forces
    }

    /// The force's name, if known.
    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.forces
            .iter()
            .find(|force| force.id == id)
            .map(|force| force.name.as_str())
    }

    /// The code of a force given by name in any of the spellings used by the Home Office, ONS and
    /// data.police.uk ("Devon and Cornwall", "Devon & Cornwall", "City of London Police").
    pub fn id_for_name(&self, name: &str) -> Option<&str> {
        self.by_name
            .get(&normalise_force_name(name))
            .map(String::as_str)
    }
}

#[derive(Deserialize)]
struct ForceRow {
    force_id: String,
    force_name: String,
}

/// Folds the spelling differences between publishers: case, `&` for `and`, punctuation, a
/// trailing "Police"/"Constabulary", and "London, City of" for "City of London".
pub fn normalise_force_name(name: &str) -> String {
    let lower = name.to_lowercase().replace('&', " and ");
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| !matches!(*w, "police" | "constabulary" | "service"))
        .collect();
    let mut joined = words.join(" ");
    if joined == "london city of" {
        joined = "city of london".to_string();
    }
    joined
}

/// What the catalogue knows of one Home Office offence code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OffenceInfo {
    /// Home Office offence code, e.g. `8N`. Codes are text: `4.1` and `4.10` differ.
    pub code: String,
    /// Offence description.
    pub offence: String,
    /// Subgroup, e.g. `Violence with injury`.
    pub subgroup: String,
    /// Group, e.g. `Violence against the person`.
    pub group: String,
    /// Ordinal seriousness (higher is more serious); see `reference/README.md`.
    pub severity_rank: i32,
    /// ONS Crime Severity Score weight in days, where confirmed.
    pub ons_weight_days: Option<f64>,
}

/// The offence codes recount recognises, with groups and a seriousness order.
#[derive(Clone, Debug)]
pub struct OffenceCatalogue {
    by_code: BTreeMap<String, OffenceInfo>,
}

impl OffenceCatalogue {
    /// The built-in catalogue (`reference/offence-codes.csv`).
    pub fn builtin() -> Self {
        let mut reader = csv::Reader::from_reader(OFFENCE_CODES_CSV.as_bytes());
        let by_code = reader
            .deserialize::<OffenceRow>()
            .filter_map(Result::ok)
            .map(|row| {
                let info = OffenceInfo {
                    code: row.offence_code.clone(),
                    offence: row.offence,
                    subgroup: row.subgroup,
                    group: row.group,
                    severity_rank: row.severity_rank,
                    ons_weight_days: row.ons_weight_days,
                };
                (row.offence_code, info)
            })
            .collect();
        OffenceCatalogue { by_code }
    }

    /// Adds or replaces an offence.
    pub fn insert(&mut self, info: OffenceInfo) {
        self.by_code.insert(info.code.clone(), info);
    }

    /// Sets the seriousness rank of a known code.
    pub fn set_severity(&mut self, code: &str, rank: i32) -> Result<(), CubeError> {
        let info = self.by_code.get_mut(code).ok_or_else(|| {
            CubeError::Config(format!("[severity] names unknown offence `{code}`"))
        })?;
        info.severity_rank = rank;
        Ok(())
    }

    /// The offence, if the code is known.
    pub fn get(&self, code: &str) -> Option<&OffenceInfo> {
        self.by_code.get(code)
    }

    /// Whether the code is known.
    pub fn contains(&self, code: &str) -> bool {
        self.by_code.contains_key(code)
    }

    /// Seriousness rank of a code; unknown codes have none.
    pub fn severity(&self, code: &str) -> Option<i32> {
        self.get(code).map(|info| info.severity_rank)
    }

    /// Whether moving a record from `initial` to `final_code` made it less serious.
    pub fn is_downgrade(&self, initial: &str, final_code: &str) -> bool {
        matches!((self.severity(initial), self.severity(final_code)), (Some(a), Some(b)) if b < a)
    }

    /// Every code whose group or subgroup is `name` (case-insensitive), or the code itself.
    pub fn expand(&self, name: &str) -> BTreeSet<String> {
        if self.by_code.contains_key(name) {
            return BTreeSet::from([name.to_string()]);
        }
        self.by_code
            .values()
            .filter(|info| {
                info.group.eq_ignore_ascii_case(name) || info.subgroup.eq_ignore_ascii_case(name)
            })
            .map(|info| info.code.clone())
            .collect()
    }

    /// The offence groups, in name order.
    pub fn groups(&self) -> BTreeSet<String> {
        self.by_code
            .values()
            .map(|info| info.group.clone())
            .collect()
    }

    /// Every offence, in code order.
    pub fn iter(&self) -> impl Iterator<Item = &OffenceInfo> {
        self.by_code.values()
    }
}

#[derive(Deserialize)]
struct OffenceRow {
    offence_code: String,
    offence: String,
    subgroup: String,
    group: String,
    severity_rank: i32,
    ons_weight_days: Option<f64>,
}

/// Whether a call type (or closing code) normally leads to a crime record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallClass {
    /// The call normally leads to a crime record (ASSAULT, BURGLARY, ...).
    CrimeRelated,
    /// Not crime-related (ASB, CONCERN_FOR_SAFETY, ...).
    NonCrime,
}

/// The call-type vocabulary: which codes are crime-related and which are not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallVocabulary {
    /// Crime-related call types.
    pub crime_related: BTreeSet<String>,
    /// Call types that are not crime-related.
    pub non_crime: BTreeSet<String>,
}

/// Crime-related call types of the data contract.
pub const CRIME_RELATED_CALL_TYPES: [&str; 13] = [
    "ASSAULT",
    "DOMESTIC_ABUSE",
    "SEXUAL_OFFENCE",
    "ROBBERY",
    "BURGLARY",
    "THEFT",
    "VEHICLE_CRIME",
    "CRIMINAL_DAMAGE",
    "PUBLIC_ORDER",
    "HARASSMENT",
    "WEAPONS",
    "DRUGS",
    "FRAUD",
];

/// Call types of the data contract that are not crime-related.
pub const NON_CRIME_CALL_TYPES: [&str; 9] = [
    "ASB",
    "CONCERN_FOR_SAFETY",
    "DOMESTIC_INCIDENT",
    "SUSPICIOUS",
    "MISSING_PERSON",
    "TRAFFIC",
    "ALARM",
    "ADMIN",
    "OTHER",
];

impl Default for CallVocabulary {
    fn default() -> Self {
        CallVocabulary {
            crime_related: CRIME_RELATED_CALL_TYPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            non_crime: NON_CRIME_CALL_TYPES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl CallVocabulary {
    /// The class of a code, or `None` when the vocabulary does not know it.
    pub fn classify(&self, code: &str) -> Option<CallClass> {
        if self.crime_related.contains(code) {
            Some(CallClass::CrimeRelated)
        } else if self.non_crime.contains(code) {
            Some(CallClass::NonCrime)
        } else {
            None
        }
    }

    /// Every code of the vocabulary.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.crime_related.iter().chain(self.non_crime.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_reads_home_office_and_police_uk_spellings() {
        let forces = ForceRegistry::builtin();
        assert_eq!(forces.forces().len(), 43);
        assert_eq!(forces.id_for_name("Devon and Cornwall"), Some("E23000035"));
        assert_eq!(forces.id_for_name("London, City of"), Some("E23000034"));
        assert_eq!(
            forces.id_for_name("City of London Police"),
            Some("E23000034")
        );
        assert_eq!(
            forces.id_for_name("Avon & Somerset Constabulary"),
            Some("E23000036")
        );
        assert_eq!(forces.id_for_name("British Transport Police"), None);
        assert_eq!(forces.name_of("E23000005"), Some("Greater Manchester"));
    }

    #[test]
    fn catalogue_knows_codes_as_text_and_orders_seriousness() {
        let offences = OffenceCatalogue::builtin();
        assert_eq!(offences.get("4.1").unwrap().offence, "Manslaughter");
        assert_eq!(
            offences.get("4.10").unwrap().offence,
            "Corporate manslaughter"
        );
        assert!(offences.is_downgrade("8N", "105A"));
        assert!(offences.is_downgrade("5D", "8N"));
        assert!(offences.is_downgrade("19C", "20A"));
        assert!(offences.is_downgrade("28E", "49"));
        assert!(offences.is_downgrade("34B", "39"));
        assert!(offences.is_downgrade("8P", "8N"));
        assert!(!offences.is_downgrade("105A", "8N"));
        assert!(!offences.is_downgrade("8N", "unknown"));
    }

    #[test]
    fn groups_expand_to_codes() {
        let offences = OffenceCatalogue::builtin();
        let rape = offences.expand("Rape");
        assert!(rape.contains("19C") && rape.contains("19H") && !rape.contains("20A"));
        assert_eq!(offences.expand("8N"), BTreeSet::from(["8N".to_string()]));
        assert!(offences.expand("sexual offences").contains("17A"));
    }

    #[test]
    fn vocabulary_classifies_contract_codes() {
        let vocabulary = CallVocabulary::default();
        assert_eq!(
            vocabulary.classify("ASSAULT"),
            Some(CallClass::CrimeRelated)
        );
        assert_eq!(
            vocabulary.classify("CONCERN_FOR_SAFETY"),
            Some(CallClass::NonCrime)
        );
        assert_eq!(vocabulary.classify("assault"), None);
    }
}
