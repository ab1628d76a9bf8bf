//! The audit configuration (TOML): targets, column and code mappings, detector settings and
//! grade thresholds. One file serves ingest (mappings), detect (targets, pairs) and score
//! (grades), so a whole audit is described in one place and recorded in `audit.json`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::CubeError;
use crate::reference::{CallVocabulary, OffenceCatalogue, OffenceInfo};

/// The whole audit configuration. Every section is optional; an empty file is a valid
/// configuration (no targets: the audit searches for breaks at unknown dates).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditConfig {
    /// What the audit tests around.
    pub targets: Vec<Target>,
    /// Column names in the user's files, when they differ from the contract's.
    pub columns: ColumnMapping,
    /// The user's codes mapped onto the contract's vocabulary.
    pub codes: CodeMapping,
    /// Replaces the contract's call-type vocabulary.
    pub vocabulary: Option<CallVocabulary>,
    /// Adds offence codes to the built-in catalogue, or replaces them.
    pub offences: BTreeMap<String, OffenceDefinition>,
    /// Overrides the seriousness rank of offence codes (higher is more serious).
    pub severity: BTreeMap<String, i32>,
    /// Serious/lesser offence pairs watched for downgrading; replaces the defaults when given.
    pub downgrade_pairs: Option<Vec<DowngradePair>>,
    /// Crime-related call types and the non-crime types they could be re-badged as.
    pub rebadge_pairs: Option<Vec<RebadgePair>>,
    /// Most-similar peer groups: force code to the codes of its peers.
    pub peers: BTreeMap<String, Vec<String>>,
    /// Detector settings.
    pub detect: DetectSettings,
    /// Integrity grade thresholds.
    pub grades: GradeThresholds,
    /// Input validation settings.
    pub data: DataSettings,
    /// Review sample settings.
    pub review: ReviewSettings,
}

/// A numeric target, from its start date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// What the target was called.
    #[serde(default)]
    pub name: String,
    /// The date the target took effect.
    pub start: NaiveDate,
    /// The date it ended, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// The forces under the target; `None` for every force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forces: Option<Vec<String>>,
    /// What the target is about (offence codes or group names), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offences: Option<Vec<String>>,
}

impl Target {
    /// Whether the target applies to the force.
    pub fn covers(&self, force_id: &str) -> bool {
        self.forces
            .as_ref()
            .is_none_or(|forces| forces.iter().any(|f| f == force_id))
    }
}

/// Column names per table: contract name to the name in the user's files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColumnMapping {
    /// Renames for the `incidents` table.
    pub incidents: BTreeMap<String, String>,
    /// Renames for the `crimes` table.
    pub crimes: BTreeMap<String, String>,
    /// Renames for the `counts` table.
    pub counts: BTreeMap<String, String>,
}

/// Code mappings: the user's code to the contract's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CodeMapping {
    /// Opening call types.
    pub call_types: BTreeMap<String, String>,
    /// Closing codes.
    pub closing_codes: BTreeMap<String, String>,
    /// Offence codes onto Home Office codes.
    pub offences: BTreeMap<String, String>,
    /// Per-force mappings, which take precedence over the ones above for that force.
    pub force: BTreeMap<String, ForceCodeMapping>,
}

/// One force's own code mappings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForceCodeMapping {
    /// Opening call types.
    pub call_types: BTreeMap<String, String>,
    /// Closing codes.
    pub closing_codes: BTreeMap<String, String>,
    /// Offence codes.
    pub offences: BTreeMap<String, String>,
}

/// Which code list a mapping applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// Opening call types.
    CallType,
    /// Closing codes.
    ClosingCode,
    /// Offence codes.
    Offence,
}

impl CodeMapping {
    /// The contract code for a force's own code: the force's mapping first, then the global
    /// one, then the code itself.
    pub fn map<'a>(&'a self, force_id: &str, kind: CodeKind, code: &'a str) -> &'a str {
        let pick = |m: &'a ForceCodeMapping| match kind {
            CodeKind::CallType => &m.call_types,
            CodeKind::ClosingCode => &m.closing_codes,
            CodeKind::Offence => &m.offences,
        };
        if let Some(mapped) = self.force.get(force_id).and_then(|m| pick(m).get(code)) {
            return mapped;
        }
        let global = match kind {
            CodeKind::CallType => &self.call_types,
            CodeKind::ClosingCode => &self.closing_codes,
            CodeKind::Offence => &self.offences,
        };
        global.get(code).map(String::as_str).unwrap_or(code)
    }

    /// Whether any mapping is configured (lets the hot path skip lookups).
    pub fn is_empty(&self) -> bool {
        self.call_types.is_empty()
            && self.closing_codes.is_empty()
            && self.offences.is_empty()
            && self.force.is_empty()
    }
}

/// An offence added to the catalogue by configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OffenceDefinition {
    /// Description.
    #[serde(default)]
    pub offence: String,
    /// Subgroup.
    pub subgroup: String,
    /// Group.
    pub group: String,
    /// Seriousness rank (higher is more serious).
    pub severity_rank: i32,
}

/// A serious offence set and the lesser set it could be downgraded to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DowngradePair {
    /// A short name, used as the finding's series.
    pub name: String,
    /// Offence codes or group/subgroup names of the serious side.
    pub serious: Vec<String>,
    /// Offence codes or group/subgroup names of the lesser side.
    pub lesser: Vec<String>,
}

/// A crime-related call type and the non-crime types calls could be re-badged as at opening.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RebadgePair {
    /// The crime-related call type.
    pub crime: String,
    /// The non-crime call types it could be opened as instead.
    pub non_crime: Vec<String>,
}

/// Detector settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectSettings {
    /// The false discovery rate controlled across every test of an audit (Benjamini-Hochberg).
    pub fdr: f64,
    /// A finding is material only when the rate moved by at least this relative amount.
    pub min_relative_effect: f64,
    /// A finding is material only when it affects at least this many records.
    pub min_affected: f64,
    /// The recording time limit in hours: 24 (the current rule), 72 (the rule in 2014) or 168.
    pub late_hours: u32,
    /// Days at the end of a month in which bunched reclassifications are counted.
    pub month_end_days: u32,
    /// Fewest months of history before a target for a force to be tested.
    pub min_pre_months: u32,
    /// Fewest months after a target for a force to be tested.
    pub min_post_months: u32,
    /// Shortest segment between breaks at unknown dates, in months.
    pub min_segment_months: u32,
}

impl Default for DetectSettings {
    fn default() -> Self {
        DetectSettings {
            fdr: 0.05,
            min_relative_effect: 0.05,
            min_affected: 10.0,
            late_hours: 24,
            month_end_days: 3,
            min_pre_months: 12,
            min_post_months: 3,
            min_segment_months: 6,
        }
    }
}

/// Thresholds on the integrity score (0 to 100) for each grade: a force gets the first grade
/// whose threshold its score reaches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GradeThresholds {
    /// Lowest score graded Outstanding.
    pub outstanding: f64,
    /// Lowest score graded Good.
    pub good: f64,
    /// Lowest score graded Requires improvement; below it is Inadequate.
    pub requires_improvement: f64,
}

impl Default for GradeThresholds {
    fn default() -> Self {
        GradeThresholds {
            outstanding: 95.0,
            good: 90.0,
            requires_improvement: 80.0,
        }
    }
}

/// Input validation settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataSettings {
    /// Timestamps before this date are out of range.
    pub earliest: NaiveDate,
    /// Timestamps on or after this date are out of range.
    pub latest: NaiveDate,
}

impl Default for DataSettings {
    fn default() -> Self {
        DataSettings {
            earliest: NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or(NaiveDate::MIN),
            latest: NaiveDate::from_ymd_opt(2100, 1, 1).unwrap_or(NaiveDate::MAX),
        }
    }
}

/// Review sample settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewSettings {
    /// Half-width of the 95% interval an auditor's review should achieve (0.05 is +/-5 points).
    pub margin: f64,
    /// Seed of the random sample.
    pub seed: u64,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings {
            margin: 0.05,
            seed: 20140101,
        }
    }
}

const KNOWN_SECTIONS: [&str; 13] = [
    "targets",
    "columns",
    "codes",
    "vocabulary",
    "offences",
    "severity",
    "downgrade_pairs",
    "rebadge_pairs",
    "peers",
    "detect",
    "grades",
    "data",
    "review",
];

impl AuditConfig {
    /// Reads a configuration from TOML text. Dates may be TOML dates or quoted strings.
    /// Unknown top-level sections are tolerated (see [`AuditConfig::unknown_sections`]).
    pub fn from_toml_str(text: &str) -> Result<Self, CubeError> {
        let mut value: toml::Value = text
            .parse::<toml::Table>()
            .map(toml::Value::Table)
            .map_err(|e| CubeError::Config(e.to_string()))?;
        stringify_dates(&mut value);
        let config: AuditConfig = value
            .try_into()
            .map_err(|e: toml::de::Error| CubeError::Config(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Top-level sections of the TOML text that recount does not use (likely misspelt).
    pub fn unknown_sections(text: &str) -> Vec<String> {
        text.parse::<toml::Table>()
            .map(|table| {
                table
                    .keys()
                    .filter(|k| !KNOWN_SECTIONS.contains(&k.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Checks what serde cannot: settings in range, codes the catalogue knows.
    pub fn validate(&self) -> Result<(), CubeError> {
        let fail = |msg: String| Err(CubeError::Config(msg));
        let d = &self.detect;
        if !(d.fdr > 0.0 && d.fdr < 1.0) {
            return fail(format!("detect.fdr must be between 0 and 1, got {}", d.fdr));
        }
        if ![24, 72, 168].contains(&d.late_hours) {
            return fail(format!(
                "detect.late_hours must be 24, 72 or 168, got {}",
                d.late_hours
            ));
        }
        if d.month_end_days == 0 || d.month_end_days > 10 {
            return fail("detect.month_end_days must be between 1 and 10".to_string());
        }
        let g = &self.grades;
        if !(g.outstanding >= g.good && g.good >= g.requires_improvement) {
            return fail("grades must satisfy outstanding >= good >= requires_improvement".into());
        }
        if !(self.review.margin > 0.0 && self.review.margin < 0.5) {
            return fail("review.margin must be between 0 and 0.5".to_string());
        }
        for target in &self.targets {
            if let Some(end) = target.end
                && end <= target.start
            {
                return fail(format!("target `{}` ends before it starts", target.name));
            }
        }
        let catalogue = self.catalogue()?;
        for pair in self.downgrade_pairs() {
            for side in [&pair.serious, &pair.lesser] {
                for name in side {
                    if catalogue.expand(name).is_empty() {
                        return fail(format!(
                            "downgrade pair `{}` names `{name}`, which is neither an offence code nor a group",
                            pair.name
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The offence catalogue with this configuration's additions and severity overrides.
    pub fn catalogue(&self) -> Result<OffenceCatalogue, CubeError> {
        let mut catalogue = OffenceCatalogue::builtin();
        for (code, def) in &self.offences {
            catalogue.insert(OffenceInfo {
                code: code.clone(),
                offence: def.offence.clone(),
                subgroup: def.subgroup.clone(),
                group: def.group.clone(),
                severity_rank: def.severity_rank,
                ons_weight_days: None,
            });
        }
        for (code, rank) in &self.severity {
            catalogue.set_severity(code, *rank)?;
        }
        Ok(catalogue)
    }

    /// The call-type vocabulary in force.
    pub fn vocabulary(&self) -> CallVocabulary {
        self.vocabulary.clone().unwrap_or_default()
    }

    /// The downgrade pairs in force: the configured ones, or the defaults from the reference
    /// facts (evidence to Parliament, 2014).
    pub fn downgrade_pairs(&self) -> Vec<DowngradePair> {
        self.downgrade_pairs
            .clone()
            .unwrap_or_else(default_downgrade_pairs)
    }

    /// The re-badging pairs in force.
    pub fn rebadge_pairs(&self) -> Vec<RebadgePair> {
        self.rebadge_pairs
            .clone()
            .unwrap_or_else(default_rebadge_pairs)
    }

    /// Every force named by a target.
    pub fn targeted_forces(&self) -> BTreeSet<String> {
        self.targets
            .iter()
            .filter_map(|t| t.forces.as_ref())
            .flatten()
            .cloned()
            .collect()
    }
}

fn pair(name: &str, serious: &[&str], lesser: &[&str]) -> DowngradePair {
    DowngradePair {
        name: name.to_string(),
        serious: serious.iter().map(|s| s.to_string()).collect(),
        lesser: lesser.iter().map(|s| s.to_string()).collect(),
    }
}

/// The default serious/lesser pairs (shared reference README, "How gaming shows up").
pub fn default_downgrade_pairs() -> Vec<DowngradePair> {
    vec![
        pair("8N>105A", &["8N"], &["105A"]),
        pair("5D>8N", &["5D"], &["8N"]),
        pair(
            "rape>other sexual",
            &["Rape"],
            &["17A", "17B", "20A", "20B", "22A"],
        ),
        pair(
            "residential burglary>damage or theft",
            &["Residential burglary"],
            &["58A", "49"],
        ),
        pair("robbery>theft from person", &["34B"], &["39"]),
        pair(
            "racially aggravated>plain",
            &["8P", "105B"],
            &["8N", "105A"],
        ),
    ]
}

fn rebadge(crime: &str, non_crime: &[&str]) -> RebadgePair {
    RebadgePair {
        crime: crime.to_string(),
        non_crime: non_crime.iter().map(|s| s.to_string()).collect(),
    }
}

/// The default re-badging pairs: each crime-related call type with the non-crime types a call
/// handler could plausibly open it as instead.
pub fn default_rebadge_pairs() -> Vec<RebadgePair> {
    vec![
        rebadge(
            "DOMESTIC_ABUSE",
            &["DOMESTIC_INCIDENT", "CONCERN_FOR_SAFETY"],
        ),
        rebadge("ASSAULT", &["CONCERN_FOR_SAFETY", "ASB"]),
        rebadge("SEXUAL_OFFENCE", &["CONCERN_FOR_SAFETY"]),
        rebadge("HARASSMENT", &["ASB", "CONCERN_FOR_SAFETY"]),
        rebadge("PUBLIC_ORDER", &["ASB"]),
        rebadge("CRIMINAL_DAMAGE", &["ASB"]),
        rebadge("BURGLARY", &["SUSPICIOUS", "ALARM"]),
        rebadge("ROBBERY", &["SUSPICIOUS", "OTHER"]),
        rebadge("THEFT", &["SUSPICIOUS", "OTHER"]),
        rebadge("VEHICLE_CRIME", &["SUSPICIOUS", "OTHER"]),
        rebadge("WEAPONS", &["SUSPICIOUS"]),
        rebadge("DRUGS", &["SUSPICIOUS"]),
        rebadge("FRAUD", &["ADMIN", "OTHER"]),
    ]
}

/// TOML dates become strings, so that one deserializer reads both `2022-01-01` and
/// `"2022-01-01"`.
fn stringify_dates(value: &mut toml::Value) {
    match value {
        toml::Value::Datetime(dt) => *value = toml::Value::String(dt.to_string()),
        toml::Value::Array(items) => items.iter_mut().for_each(stringify_dates),
        toml::Value::Table(table) => table.iter_mut().for_each(|(_, v)| stringify_dates(v)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_contract_example() {
        let config = AuditConfig::from_toml_str(
            r#"
            [[targets]]
            name = "Cut violence by 20%"
            start = "2022-01-01"
            forces = ["E23000005"]
            offences = ["8N", "105A"]
            "#,
        )
        .unwrap();
        assert_eq!(config.targets.len(), 1);
        assert_eq!(
            config.targets[0].start,
            NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()
        );
        assert!(config.targets[0].covers("E23000005"));
        assert!(!config.targets[0].covers("E23000001"));
        assert_eq!(config.downgrade_pairs().len(), 6);
    }

    #[test]
    fn reads_unquoted_toml_dates() {
        let config = AuditConfig::from_toml_str("[[targets]]\nstart = 2021-04-01\n").unwrap();
        assert_eq!(
            config.targets[0].start,
            NaiveDate::from_ymd_opt(2021, 4, 1).unwrap()
        );
        assert!(config.targets[0].covers("anything"));
    }

    #[test]
    fn empty_config_is_valid() {
        let config = AuditConfig::from_toml_str("").unwrap();
        assert!(config.targets.is_empty());
        assert_eq!(config.detect.fdr, 0.05);
    }

    #[test]
    fn rejects_bad_settings_with_a_reason() {
        let err = AuditConfig::from_toml_str("[detect]\nlate_hours = 30\n").unwrap_err();
        assert!(err.to_string().contains("late_hours"));
        let err = AuditConfig::from_toml_str(
            "[[downgrade_pairs]]\nname = \"x\"\nserious = [\"ZZZ\"]\nlesser = [\"8N\"]\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("ZZZ"));
        let err = AuditConfig::from_toml_str("[[targets]]\nstart = \"soon\"\n").unwrap_err();
        assert!(err.to_string().contains("start"), "{err}");
    }

    #[test]
    fn force_mappings_take_precedence() {
        let config = AuditConfig::from_toml_str(
            r#"
            [codes.call_types]
            "A1" = "ASSAULT"
            [codes.force.F2.call_types]
            "A1" = "ROBBERY"
            "#,
        )
        .unwrap();
        assert_eq!(config.codes.map("F1", CodeKind::CallType, "A1"), "ASSAULT");
        assert_eq!(config.codes.map("F2", CodeKind::CallType, "A1"), "ROBBERY");
        assert_eq!(config.codes.map("F2", CodeKind::CallType, "B"), "B");
        assert_eq!(config.codes.map("F2", CodeKind::Offence, "A1"), "A1");
    }

    #[test]
    fn lists_unknown_sections() {
        let unknown = AuditConfig::unknown_sections("[tragets]\n[detect]\n");
        assert_eq!(unknown, vec!["tragets".to_string()]);
    }
}
