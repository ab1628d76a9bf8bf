//! Reading the `incidents` table into counts, one row group at a time.

use recount_cube::{QualityCheck, Table};
use rustc_hash::FxHashMap;

use crate::calendar::Calendar;
use crate::columns::{BatchColumns, CodeLookup, UNKNOWN};
use crate::decode::{NULL_KEY, force_seed};
use crate::error::IngestError;
use crate::rules::Rules;
use crate::tally::{IdSet, IncidentKey, Link, Links, NONE, Partial, RowPlace};
use crate::unit::{BatchPlace, Unit};

const ID: usize = 0;
const FORCE: usize = 1;
const OPENED: usize = 2;
const CALL: usize = 3;
const CLOSING: usize = 4;
const BCU: usize = 5;

/// What a pass over the incidents does.
#[derive(Clone, Copy)]
pub(crate) enum IncidentPass<'a> {
    /// Count every valid row, note every problem.
    Count,
    /// Take back out every row whose id is among the duplicates, and report each copy.
    Exclude { duplicates: &'a IdSet },
}

/// Scans one unit. `links` holds the hashes of the incidents that crimes name.
pub(crate) fn scan_incidents(
    unit: &Unit,
    rules: &Rules,
    links: &Links,
    pass: IncidentPass,
    partial: &mut Partial,
) -> Result<(), IngestError> {
    let mut calendar = Calendar::default();
    unit.for_each_batch(|columns, place| {
        let mut scan = BatchScan {
            place,
            rules,
            links,
            pass,
            calendar: &mut calendar,
        };
        scan.batch(columns, partial)
    })
}

struct BatchScan<'a> {
    place: BatchPlace<'a>,
    rules: &'a Rules,
    links: &'a Links,
    pass: IncidentPass<'a>,
    calendar: &'a mut Calendar,
}

impl BatchScan<'_> {
    fn batch(&mut self, columns: &BatchColumns, partial: &mut Partial) -> Result<(), IngestError> {
        let rows = columns.rows();
        let (Some(ids), Some(forces), Some(opened), Some(calls)) = (
            columns.ids(ID)?,
            columns.codes(FORCE)?,
            columns.instants(OPENED)?,
            columns.codes(CALL)?,
        ) else {
            return Ok(()); // required columns are checked when the file is planned
        };
        let closings = columns.codes(CLOSING)?;
        let bcus = columns.codes(BCU)?;
        let counting = matches!(self.pass, IncidentPass::Count);

        let force_names: Vec<&str> = forces.values.iter().map(|f| f.trim()).collect();
        let force_ids: Vec<u32> = force_names.iter().map(|f| partial.names.id(f)).collect();
        let seeds: Vec<u64> = force_names.iter().map(|f| force_seed(f)).collect();
        let mut call_lookup = CodeLookup::new(forces.values.len(), calls.values.len());
        let closing_count = closings.as_ref().map_or(0, |c| c.values.len());
        let mut closing_lookup = CodeLookup::new(forces.values.len(), closing_count);
        let bcu_ids: Vec<u32> = bcus
            .as_ref()
            .map(|b| {
                b.values
                    .iter()
                    .map(|v| partial.names.id(v.trim()))
                    .collect()
            })
            .unwrap_or_default();

        // Hashes and join probes first, in tight loops of their own: the probes are
        // independent cache misses, and a loop that does nothing else lets the processor
        // overlap them, where the main loop's other work would serialise them.
        let hashes: Vec<Option<u64>> = (0..rows)
            .map(|row| match forces.keys[row] {
                NULL_KEY => None,
                key => ids.hash(row, seeds[key as usize]),
            })
            .collect();
        let links = self.links.find_all(&hashes);
        let mut offence_ids: FxHashMap<u16, u32> = FxHashMap::default();
        if counting {
            partial.ids.start_batch(rows);
        }

        for row in 0..rows {
            let place = RowPlace {
                file: self.place.file,
                row_group: self.place.row_group,
                row: self.place.first_row + row as u64,
            };
            let force_key = forces.keys[row];
            if force_key == NULL_KEY {
                if counting {
                    partial.count_read(Table::Incidents, NONE);
                    partial.problem(
                        Table::Incidents,
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
            let force_name = force_names[force_key as usize];
            if counting {
                partial.count_read(Table::Incidents, force);
            }
            let Some(hash) = hashes[row] else {
                if counting {
                    partial.problem(
                        Table::Incidents,
                        QualityCheck::MissingValue,
                        "incident_id",
                        force,
                        place,
                        "",
                    );
                }
                continue;
            };
            if counting {
                partial.ids.push(hash);
            }

            let report = |partial: &mut Partial, check: QualityCheck, column: &str, value: &str| {
                if counting {
                    partial.problem(Table::Incidents, check, column, force, place, value);
                }
            };

            let mut valid = true;
            if let Err(check) = self.rules.check_instant(opened.state[row], opened.utc[row]) {
                report(partial, check, "opened_at", &opened.describe(row));
                valid = false;
            }
            let call_key = calls.keys[row];
            let call = if call_key == NULL_KEY {
                report(partial, QualityCheck::MissingValue, "call_type", "");
                valid = false;
                UNKNOWN
            } else {
                let raw = calls.values[call_key as usize];
                let code = call_lookup.get(force_key, call_key, || {
                    self.rules
                        .call_type(force_name, raw)
                        .map_or(UNKNOWN, |c| partial.names.id(&c))
                });
                if code == UNKNOWN {
                    report(partial, QualityCheck::UnknownCode, "call_type", raw);
                    valid = false;
                }
                code
            };
            // An unknown closing code is reported but does not exclude the row: the field is
            // optional, so the incident counts as closed without a known code.
            let closing = match &closings {
                Some(c) if c.keys[row] != NULL_KEY => {
                    let raw = c.values[c.keys[row] as usize];
                    let code = closing_lookup.get(force_key, c.keys[row], || {
                        self.rules
                            .closing_code(force_name, raw)
                            .map_or(UNKNOWN, |c| partial.names.id(&c))
                    });
                    if code == UNKNOWN {
                        report(partial, QualityCheck::UnknownCode, "closing_code", raw);
                        NONE
                    } else {
                        code
                    }
                }
                _ => NONE,
            };
            let bcu = match &bcus {
                Some(b) if b.keys[row] != NULL_KEY => bcu_ids[b.keys[row] as usize],
                _ => NONE,
            };

            let (led_to_crime, crime_offence) = match links[row] {
                Link::None => (false, NONE),
                Link::Crime(None) => (true, NONE),
                Link::Crime(Some(place)) => {
                    (true, self.offence_id(place, &mut offence_ids, partial))
                }
            };
            let key = if valid {
                self.calendar.day(opened.wall[row]).map(|day| IncidentKey {
                    force,
                    bcu,
                    period: day.period,
                    call,
                    closing,
                    led_to_crime,
                    crime_offence,
                })
            } else {
                None
            };

            match self.pass {
                IncidentPass::Count => {
                    if let Some(key) = key {
                        *partial.incidents.entry(key).or_insert(0) += 1;
                        partial.count_used(Table::Incidents, force, 1);
                    }
                }
                IncidentPass::Exclude { duplicates } => {
                    if duplicates.contains(&hash) {
                        let id = ids.text(row).unwrap_or_default();
                        partial.problem(
                            Table::Incidents,
                            QualityCheck::DuplicateId,
                            "incident_id",
                            force,
                            place,
                            &id,
                        );
                        if let Some(key) = key {
                            *partial.incidents.entry(key).or_insert(0) -= 1;
                            partial.count_used(Table::Incidents, force, -1);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The name id of an offence's place in the order of seriousness; `ids` keeps the ids of
    /// the offences already named in this batch.
    fn offence_id(&self, place: u16, ids: &mut FxHashMap<u16, u32>, partial: &mut Partial) -> u32 {
        *ids.entry(place)
            .or_insert_with(|| partial.names.id(self.rules.offence_of_seriousness(place)))
    }
}
