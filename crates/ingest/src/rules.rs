//! The recording rules ingest applies to every row, shared by the columnar reader and the
//! row-wise builder so the two cannot drift apart: mapping a force's own codes onto the
//! contract's vocabulary, recognising offence codes, and the timestamp range.

use std::collections::HashMap;

use chrono::NaiveTime;
use recount_cube::{
    AuditConfig, CallVocabulary, CodeKind, CodeMapping, OffenceCatalogue, QualityCheck,
};

use crate::decode::InstantState;
use crate::error::IngestError;

/// The rules of one audit.
#[derive(Clone, Debug)]
pub struct Rules {
    vocabulary: CallVocabulary,
    catalogue: OffenceCatalogue,
    mapping: CodeMapping,
    /// The catalogue's codes from least to most serious (rank, then code), so that "the most
    /// serious of an incident's crimes" is a comparison of small numbers during the join.
    by_seriousness: Vec<String>,
    seriousness: HashMap<String, u16>,
    earliest_micros: i64,
    latest_micros: i64,
}

impl Rules {
    /// The rules an audit configuration sets.
    pub fn from_config(config: &AuditConfig) -> Result<Self, IngestError> {
        let at_midnight =
            |d: chrono::NaiveDate| d.and_time(NaiveTime::MIN).and_utc().timestamp_micros();
        let catalogue = config.catalogue()?;
        let mut by_seriousness: Vec<(i32, String)> = catalogue
            .iter()
            .map(|o| (o.severity_rank, o.code.clone()))
            .collect();
        by_seriousness.sort();
        let by_seriousness: Vec<String> = by_seriousness.into_iter().map(|(_, c)| c).collect();
        let seriousness = by_seriousness
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), u16::try_from(i).unwrap_or(u16::MAX)))
            .collect();
        Ok(Rules {
            vocabulary: config.vocabulary(),
            catalogue,
            by_seriousness,
            seriousness,
            mapping: config.codes.clone(),
            earliest_micros: at_midnight(config.data.earliest),
            latest_micros: at_midnight(config.data.latest),
        })
    }

    /// The contract call type for a force's opening code, or `None` if unknown.
    pub fn call_type(&self, force_id: &str, raw: &str) -> Option<String> {
        let mapped = self.mapping.map(force_id, CodeKind::CallType, raw.trim());
        self.known_call(mapped)
    }

    /// The contract code for a force's closing code, or `None` if unknown.
    pub fn closing_code(&self, force_id: &str, raw: &str) -> Option<String> {
        let mapped = self
            .mapping
            .map(force_id, CodeKind::ClosingCode, raw.trim());
        self.known_call(mapped)
    }

    /// A code of the vocabulary as written, or after folding case and separators
    /// (`Concern for safety` is `CONCERN_FOR_SAFETY`).
    fn known_call(&self, code: &str) -> Option<String> {
        if self.vocabulary.classify(code).is_some() {
            return Some(code.to_string());
        }
        let folded: String = code
            .trim()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        self.vocabulary.classify(&folded).map(|_| folded)
    }

    /// The Home Office code for a force's offence code, or `None` if the catalogue does not know
    /// it. Letters are folded to upper case (`8n` is `8N`).
    pub fn offence(&self, force_id: &str, raw: &str) -> Option<String> {
        let mapped = self.mapping.map(force_id, CodeKind::Offence, raw.trim());
        if self.catalogue.contains(mapped) {
            return Some(mapped.to_string());
        }
        let upper = mapped.to_ascii_uppercase();
        self.catalogue.contains(&upper).then_some(upper)
    }

    /// The place of a catalogue code (as [`Rules::offence`] returns it) in the order from least
    /// to most serious.
    pub(crate) fn seriousness(&self, code: &str) -> Option<u16> {
        self.seriousness.get(code).copied()
    }

    /// The code at a place of [`Rules::seriousness`].
    pub(crate) fn offence_of_seriousness(&self, place: u16) -> &str {
        self.by_seriousness
            .get(usize::from(place))
            .map_or("", String::as_str)
    }

    /// Checks one timestamp value: present, readable, and inside the configured range.
    pub(crate) fn check_instant(
        &self,
        state: InstantState,
        utc_micros: i64,
    ) -> Result<(), QualityCheck> {
        match state {
            InstantState::Null => Err(QualityCheck::MissingValue),
            InstantState::Unparseable => Err(QualityCheck::UnparseableTimestamp),
            InstantState::Valid
                if utc_micros < self.earliest_micros || utc_micros >= self.latest_micros =>
            {
                Err(QualityCheck::OutOfRangeTimestamp)
            }
            InstantState::Valid => Ok(()),
        }
    }

    /// Checks an optional timestamp: absent is fine, present must be valid.
    pub(crate) fn check_optional_instant(
        &self,
        state: InstantState,
        utc_micros: i64,
    ) -> Result<bool, QualityCheck> {
        match state {
            InstantState::Null => Ok(false),
            _ => self.check_instant(state, utc_micros).map(|()| true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(toml: &str) -> Rules {
        Rules::from_config(&AuditConfig::from_toml_str(toml).unwrap()).unwrap()
    }

    #[test]
    fn maps_force_codes_then_folds_case() {
        let r = rules("[codes.call_types]\n\"A1\" = \"ASSAULT\"\n");
        assert_eq!(r.call_type("F", "A1").as_deref(), Some("ASSAULT"));
        assert_eq!(
            r.call_type("F", "Concern for safety").as_deref(),
            Some("CONCERN_FOR_SAFETY")
        );
        assert_eq!(r.call_type("F", "burglary ").as_deref(), Some("BURGLARY"));
        assert_eq!(r.call_type("F", "XYZ"), None);
    }

    #[test]
    fn recognises_offence_codes_as_text() {
        let r = rules("[codes.offences]\n\"ABH\" = \"8N\"\n");
        assert_eq!(r.offence("F", "8n").as_deref(), Some("8N"));
        assert_eq!(r.offence("F", "ABH").as_deref(), Some("8N"));
        assert_eq!(r.offence("F", "4.10").as_deref(), Some("4.10"));
        assert_eq!(r.offence("F", "999Z"), None);
    }

    #[test]
    fn timestamps_outside_the_range_are_flagged() {
        let r = rules("[data]\nearliest = \"2000-01-01\"\nlatest = \"2030-01-01\"\n");
        assert_eq!(
            r.check_instant(InstantState::Valid, 0),
            Err(QualityCheck::OutOfRangeTimestamp)
        );
        assert_eq!(
            r.check_instant(InstantState::Valid, 1_600_000_000_000_000),
            Ok(())
        );
        assert_eq!(
            r.check_instant(InstantState::Null, 0),
            Err(QualityCheck::MissingValue)
        );
        assert_eq!(r.check_optional_instant(InstantState::Null, 0), Ok(false));
    }
}
