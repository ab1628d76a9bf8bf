//! Reading the `crimes` table into counts, one row group at a time.

use recount_cube::{QualityCheck, RecordingDelay, Table};

use crate::calendar::Calendar;
use crate::columns::{BatchColumns, CodeLookup, UNKNOWN};
use crate::decode::{CodeColumn, IdColumn, Instants, NULL_KEY, force_seed};
use crate::error::IngestError;
use crate::rules::Rules;
use crate::tally::{CrimeKey, IdSet, NONE, Partial, ReclassificationKey, RowPlace};
use crate::unit::{BatchPlace, Unit};

const ID: usize = 0;
const FORCE: usize = 1;
const INCIDENT: usize = 2;
const REPORTED: usize = 3;
const RECORDED: usize = 4;
const INITIAL: usize = 5;
const FINAL: usize = 6;
const RECLASSIFIED: usize = 7;
const CANCELLED: usize = 8;
const REASON: usize = 9;
const BCU: usize = 10;

/// What a pass over the crimes does.
#[derive(Clone, Copy)]
pub(crate) enum CrimePass<'a> {
    /// Count every valid row, note every problem, collect ids and incident links.
    Count,
    /// Take back out every duplicated crime and every crime naming an incident that does not
    /// exist, and report each.
    Exclude {
        duplicates: &'a IdSet,
        unmatched_links: &'a IdSet,
    },
}

/// Scans one unit.
pub(crate) fn scan_crimes(
    unit: &Unit,
    rules: &Rules,
    pass: CrimePass,
    partial: &mut Partial,
) -> Result<(), IngestError> {
    let mut calendar = Calendar::default();
    unit.for_each_batch(|columns, place| {
        let Some(data) = CrimeColumns::read(columns)? else {
            return Ok(());
        };
        let mut scan = CrimeScan {
            place,
            bcu_ids: Vec::new(),
            reason_ids: Vec::new(),
            force_names: data.forces.values.iter().map(|f| f.trim()).collect(),
            rules,
            pass,
            calendar: &mut calendar,
            data: &data,
            offence_lookup: CodeLookup::new(data.forces.values.len(), data.offences_len()),
        };
        scan.batch(partial);
        Ok(())
    })
}

struct CrimeColumns<'a> {
    ids: IdColumn<'a>,
    forces: CodeColumn<'a>,
    incidents: Option<IdColumn<'a>>,
    reported: Instants,
    recorded: Instants,
    initial: CodeColumn<'a>,
    final_code: CodeColumn<'a>,
    reclassified: Option<Instants>,
    cancelled: Option<Instants>,
    reasons: Option<CodeColumn<'a>>,
    bcus: Option<CodeColumn<'a>>,
}

impl<'a> CrimeColumns<'a> {
    fn read(columns: &BatchColumns<'a>) -> Result<Option<Self>, IngestError> {
        let (
            Some(ids),
            Some(forces),
            Some(reported),
            Some(recorded),
            Some(initial),
            Some(final_code),
        ) = (
            columns.ids(ID)?,
            columns.codes(FORCE)?,
            columns.instants(REPORTED)?,
            columns.instants(RECORDED)?,
            columns.codes(INITIAL)?,
            columns.codes(FINAL)?,
        )
        else {
            return Ok(None); // required columns are checked when the file is planned
        };
        Ok(Some(CrimeColumns {
            ids,
            forces,
            incidents: columns.ids(INCIDENT)?,
            reported,
            recorded,
            initial,
            final_code,
            reclassified: columns.instants(RECLASSIFIED)?,
            cancelled: columns.instants(CANCELLED)?,
            reasons: columns.codes(REASON)?,
            bcus: columns.codes(BCU)?,
        }))
    }

    /// Offence codes of both columns share one lookup: initial keys first, then final keys.
    fn offences_len(&self) -> usize {
        self.initial.values.len() + self.final_code.values.len()
    }
}

struct CrimeScan<'a> {
    place: BatchPlace<'a>,
    /// Per batch: interned BCU and cancel reason of each dictionary key, trimmed force names.
    bcu_ids: Vec<u32>,
    reason_ids: Vec<u32>,
    force_names: Vec<&'a str>,
    rules: &'a Rules,
    pass: CrimePass<'a>,
    calendar: &'a mut Calendar,
    data: &'a CrimeColumns<'a>,
    offence_lookup: CodeLookup,
}

/// The parts of a valid crime row.
struct ValidCrime {
    key: CrimeKey,
    reclassification: Option<ReclassificationKey>,
    /// Where the final offence of a crime not cancelled stands in the order of seriousness,
    /// when the catalogue knows it: what the incident it names was recorded as.
    standing_offence: Option<u16>,
}

impl CrimeScan<'_> {
    fn batch(&mut self, partial: &mut Partial) {
        let data = self.data;
        let intern_all = |column: &Option<CodeColumn>, partial: &mut Partial| -> Vec<u32> {
            column
                .as_ref()
                .map(|c| {
                    c.values
                        .iter()
                        .map(|v| partial.names.id(v.trim()))
                        .collect()
                })
                .unwrap_or_default()
        };
        self.bcu_ids = intern_all(&data.bcus, partial);
        self.reason_ids = intern_all(&data.reasons, partial);
        let force_ids: Vec<u32> = data
            .forces
            .values
            .iter()
            .map(|f| partial.names.id(f.trim()))
            .collect();
        let seeds: Vec<u64> = data
            .forces
            .values
            .iter()
            .map(|f| force_seed(f.trim()))
            .collect();
        let rows = data.forces.keys.len();
        let counting = matches!(self.pass, CrimePass::Count);
        if counting {
            partial.ids.start_batch(rows);
            if data.incidents.is_some() {
                partial.links.start_batch(rows);
            }
        }
        for row in 0..rows {
            let place = RowPlace {
                file: self.place.file,
                row_group: self.place.row_group,
                row: self.place.first_row + row as u64,
            };
            let force_key = data.forces.keys[row];
            if force_key == NULL_KEY {
                if counting {
                    partial.count_read(Table::Crimes, NONE);
                    partial.problem(
                        Table::Crimes,
                        QualityCheck::MissingValue,
                        "force_id",
                        NONE,
                        place,
                        "",
                    );
                }
                continue;
            }
            let force = force_ids[force_key as usize];
            let seed = seeds[force_key as usize];
            if counting {
                partial.count_read(Table::Crimes, force);
            }
            let Some(hash) = data.ids.hash(row, seed) else {
                if counting {
                    partial.problem(
                        Table::Crimes,
                        QualityCheck::MissingValue,
                        "crime_id",
                        force,
                        place,
                        "",
                    );
                }
                continue;
            };
            let link = data.incidents.as_ref().and_then(|c| c.hash(row, seed));
            if counting {
                partial.ids.push(hash);
                // Every crime that names an incident shows the incident led to a crime record,
                // even if the crime itself is kept out of the statistics for a data error:
                // otherwise a typo in an offence code would look like a call never recorded.
                if let Some(link) = link {
                    partial.links.push(link);
                }
            }
            let at = Place {
                row,
                force_key,
                force,
                place,
            };
            let valid = self.validate(at, link.is_some(), counting, partial);
            match self.pass {
                CrimePass::Count => {
                    if let Some(crime) = valid {
                        if let (Some(link), Some(offence)) = (link, crime.standing_offence) {
                            partial.link_offences.push((link, offence));
                        }
                        add(partial, &crime, force, 1);
                    }
                }
                CrimePass::Exclude {
                    duplicates,
                    unmatched_links,
                } => {
                    let check = if duplicates.contains(&hash) {
                        Some((QualityCheck::DuplicateId, "crime_id", data.ids.text(row)))
                    } else if link.is_some_and(|l| unmatched_links.contains(&l)) {
                        let text = data.incidents.as_ref().and_then(|c| c.text(row));
                        Some((QualityCheck::UnmatchedIncident, "incident_id", text))
                    } else {
                        None
                    };
                    if let Some((check, column, value)) = check {
                        partial.problem(
                            Table::Crimes,
                            check,
                            column,
                            force,
                            place,
                            &value.unwrap_or_default(),
                        );
                        if let Some(crime) = valid {
                            add(partial, &crime, force, -1);
                        }
                    }
                }
            }
        }
    }

    /// The crime's cells if the row is valid; problems are reported when `report` is set.
    fn validate(
        &mut self,
        at: Place,
        from_incident: bool,
        report: bool,
        partial: &mut Partial,
    ) -> Option<ValidCrime> {
        let Place {
            row,
            force_key,
            force,
            place,
        } = at;
        let data = self.data;
        let rules = self.rules;
        let problem = |partial: &mut Partial, check: QualityCheck, column: &str, value: &str| {
            if report {
                partial.problem(Table::Crimes, check, column, force, place, value);
            }
        };
        let mut valid = true;
        for (column, instants) in [
            ("reported_at", &data.reported),
            ("recorded_at", &data.recorded),
        ] {
            if let Err(check) = rules.check_instant(instants.state[row], instants.utc[row]) {
                problem(partial, check, column, &instants.describe(row));
                valid = false;
            }
        }
        let mut optional_instant =
            |partial: &mut Partial, column: &str, instants: &Option<Instants>| -> bool {
                let Some(i) = instants else { return false };
                match rules.check_optional_instant(i.state[row], i.utc[row]) {
                    Ok(present) => present,
                    Err(check) => {
                        problem(partial, check, column, &i.describe(row));
                        valid = false;
                        false
                    }
                }
            };
        let reclassified = optional_instant(partial, "reclassified_at", &data.reclassified);
        let cancelled_at = optional_instant(partial, "cancelled_at", &data.cancelled);

        let force_name = self.force_names[force_key as usize];
        let initial = self.offence(partial, force_key, force_name, &data.initial, 0, row);
        let final_code = self.offence(
            partial,
            force_key,
            force_name,
            &data.final_code,
            data.initial.values.len(),
            row,
        );
        for (column, code, codes) in [
            ("offence_initial", initial, &data.initial),
            ("offence_final", final_code, &data.final_code),
        ] {
            match code {
                Offence::Missing => {
                    problem(partial, QualityCheck::MissingValue, column, "");
                    valid = false;
                }
                // Counted, and the crime kept under its own code: a record whose offence
                // recount does not know is a crime all the same, so it counts in every rate
                // over all crime (cancelled, recorded late, led to by a call) and in no offence
                // group or pair. Kept out, it would bias each such count by its share.
                Offence::Unknown(_) => problem(
                    partial,
                    QualityCheck::UnknownCode,
                    column,
                    codes.values[codes.keys[row] as usize],
                ),
                Offence::Known(_) => {}
            }
        }
        if !valid {
            return None;
        }
        let final_code_offence = final_code;
        let (Some(initial), Some(final_code)) = (initial.id(), final_code.id()) else {
            return None;
        };

        let delay_seconds = (data.recorded.utc[row] - data.reported.utc[row]).div_euclid(1_000_000);
        if delay_seconds < 0 {
            problem(
                partial,
                QualityCheck::InconsistentTimestamps,
                "recorded_at",
                &data.recorded.describe(row),
            );
        }
        let interned = |column: &Option<CodeColumn>, ids: &[u32]| match column {
            Some(c) if c.keys[row] != NULL_KEY => ids[c.keys[row] as usize],
            _ => NONE,
        };
        let reason = interned(&data.reasons, &self.reason_ids);
        let cancelled = cancelled_at || reason != NONE;
        let bcu = interned(&data.bcus, &self.bcu_ids);
        let day = self.calendar.day(data.reported.wall[row])?;
        let key = CrimeKey {
            force,
            bcu,
            period: day.period,
            initial,
            final_code,
            cancelled,
            reason,
            delay: RecordingDelay::from_seconds(delay_seconds),
            from_incident,
        };
        let reclassification = match (&data.reclassified, reclassified && initial != final_code) {
            (Some(at), true) => self
                .calendar
                .day(at.wall[row])
                .map(|day| ReclassificationKey {
                    force,
                    bcu,
                    period: day.period,
                    days_before_month_end: day.days_before_month_end(),
                    initial,
                    final_code,
                }),
            _ => None,
        };
        let standing_offence = match final_code_offence {
            Offence::Known(id) if !cancelled => self.rules.seriousness(partial.names.name(id)),
            _ => None,
        };
        Some(ValidCrime {
            key,
            reclassification,
            standing_offence,
        })
    }

    fn offence(
        &mut self,
        partial: &mut Partial,
        force_key: u32,
        force_name: &str,
        codes: &CodeColumn,
        key_offset: usize,
        row: usize,
    ) -> Offence {
        let key = codes.keys[row];
        if key == NULL_KEY {
            return Offence::Missing;
        }
        let raw = codes.values[key as usize];
        let rules = self.rules;
        let id = self
            .offence_lookup
            .get(force_key, key + key_offset as u32, || {
                rules
                    .offence(force_name, raw)
                    .map_or(UNKNOWN, |c| partial.names.id(&c))
            });
        if id == UNKNOWN {
            Offence::Unknown(partial.names.id(raw.trim()))
        } else {
            Offence::Known(id)
        }
    }
}

/// Where a row is and whose it is.
#[derive(Clone, Copy)]
struct Place<'a> {
    row: usize,
    force_key: u32,
    force: u32,
    place: RowPlace<'a>,
}

#[derive(Clone, Copy)]
enum Offence {
    Missing,
    /// Not a code of the catalogue nor mapped onto one: the id of the code as written.
    Unknown(u32),
    Known(u32),
}

impl Offence {
    /// The id the crime is counted under, if any.
    fn id(self) -> Option<u32> {
        match self {
            Offence::Missing => None,
            Offence::Unknown(id) | Offence::Known(id) => Some(id),
        }
    }
}

fn add(partial: &mut Partial, crime: &ValidCrime, force: u32, delta: i64) {
    *partial.crimes.entry(crime.key).or_insert(0) += delta;
    if let Some(r) = crime.reclassification {
        *partial.reclassifications.entry(r).or_insert(0) += delta;
    }
    partial.count_used(Table::Crimes, force, delta);
}
