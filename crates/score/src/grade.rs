//! Grades, as inspectorates publish them, from the integrity score.

use std::fmt;

use recount_cube::GradeThresholds;
use serde::{Deserialize, Serialize};

/// The four grades HMICFRS uses for crime data integrity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grade {
    /// At or above the Outstanding threshold, with no finding.
    Outstanding,
    /// At or above the Good threshold.
    Good,
    /// At or above the Requires improvement threshold.
    #[serde(rename = "Requires improvement")]
    RequiresImprovement,
    /// Below it.
    Inadequate,
}

impl Grade {
    /// The grade's name as published.
    pub fn name(self) -> &'static str {
        match self {
            Grade::Outstanding => "Outstanding",
            Grade::Good => "Good",
            Grade::RequiresImprovement => "Requires improvement",
            Grade::Inadequate => "Inadequate",
        }
    }

    /// The grade of a score. A flagged force is never Outstanding: a material finding of
    /// mis-recording is incompatible with it, however large the force.
    pub fn of(score: f64, flagged: bool, thresholds: &GradeThresholds) -> Grade {
        let grade = if score >= thresholds.outstanding {
            Grade::Outstanding
        } else if score >= thresholds.good {
            Grade::Good
        } else if score >= thresholds.requires_improvement {
            Grade::RequiresImprovement
        } else {
            Grade::Inadequate
        };
        if flagged && grade == Grade::Outstanding {
            Grade::Good
        } else {
            grade
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_inclusive_and_flags_cap_the_grade() {
        let t = GradeThresholds::default();
        assert_eq!(Grade::of(95.0, false, &t), Grade::Outstanding);
        assert_eq!(Grade::of(94.99, false, &t), Grade::Good);
        assert_eq!(Grade::of(90.0, false, &t), Grade::Good);
        assert_eq!(Grade::of(85.0, false, &t), Grade::RequiresImprovement);
        assert_eq!(Grade::of(79.9, false, &t), Grade::Inadequate);
        assert_eq!(Grade::of(99.0, true, &t), Grade::Good);
        assert_eq!(Grade::of(70.0, true, &t), Grade::Inadequate);
    }
}
