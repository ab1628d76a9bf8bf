//! Small hand-made tables and Parquet writing for the ingest tests.

#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use chrono::{DateTime, TimeZone, Utc};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use recount_cube::{Crime, Incident};

pub fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

pub fn incident(
    force: &str,
    id: &str,
    when: DateTime<Utc>,
    call: &str,
    closing: Option<&str>,
    bcu: Option<&str>,
) -> Incident {
    Incident {
        incident_id: id.into(),
        force_id: force.into(),
        opened_at: when,
        call_type: call.into(),
        closing_code: closing.map(Into::into),
        bcu: bcu.map(Into::into),
    }
}

pub fn crime(
    force: &str,
    id: &str,
    incident: Option<&str>,
    when: DateTime<Utc>,
    initial: &str,
    last: &str,
) -> Crime {
    Crime {
        crime_id: id.into(),
        force_id: force.into(),
        incident_id: incident.map(Into::into),
        reported_at: when,
        recorded_at: when + chrono::Duration::hours(2),
        offence_initial: initial.into(),
        offence_final: last.into(),
        reclassified_at: None,
        cancelled_at: None,
        cancel_reason: None,
        bcu: None,
    }
}

/// Two forces over three months: some incidents lead to crimes, one crime is reported without
/// an incident, one is reclassified at month end, one cancelled, one recorded late.
pub fn sample() -> (Vec<Incident>, Vec<Crime>) {
    let mut incidents = Vec::new();
    let mut crimes = Vec::new();
    for (force, bcu) in [("F1", Some("North")), ("F2", None)] {
        for month in 1..=3u32 {
            for n in 0..6u32 {
                let id = format!("{force}-{month}-{n}");
                let call = [
                    "ASSAULT",
                    "BURGLARY",
                    "ASB",
                    "CONCERN_FOR_SAFETY",
                    "ASSAULT",
                    "THEFT",
                ][n as usize];
                let when = at(2022, month, 3 + n, 10);
                incidents.push(incident(force, &id, when, call, Some(call), bcu));
                if n == 0 || n == 1 || n == 5 {
                    let offence = match call {
                        "ASSAULT" => "8N",
                        "BURGLARY" => "28E",
                        _ => "49",
                    };
                    let mut c = crime(force, &format!("C{id}"), Some(&id), when, offence, offence);
                    c.bcu = bcu.map(Into::into);
                    if n == 0 && month == 2 {
                        c.offence_final = "105A".into();
                        c.reclassified_at = Some(at(2022, 2, 28, 9));
                    }
                    if n == 1 && month == 3 {
                        c.cancelled_at = Some(when + chrono::Duration::days(3));
                        c.cancel_reason = Some("C2".into());
                    }
                    if n == 5 && month == 1 {
                        c.recorded_at = when + chrono::Duration::hours(30);
                    }
                    crimes.push(c);
                }
            }
            crimes.push(crime(
                force,
                &format!("W{force}{month}"),
                None,
                at(2022, month, 20, 12),
                "53",
                "53",
            ));
        }
    }
    (incidents, crimes)
}

pub fn write_parquet(path: &Path, batch: &RecordBatch, properties: Option<WriterProperties>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), properties).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// The batch with one column replaced (same name).
pub fn replace_column(batch: &RecordBatch, name: &str, array: ArrayRef) -> RecordBatch {
    let schema = batch.schema();
    let index = schema.index_of(name).unwrap();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields[index] = Field::new(name, array.data_type().clone(), true);
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns[index] = array;
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

/// The batch without one column.
pub fn drop_column(batch: &RecordBatch, name: &str) -> RecordBatch {
    let index = batch.schema().index_of(name).unwrap();
    let mut b = batch.clone();
    b.remove_column(index);
    b
}

/// The batch with a column renamed.
pub fn rename_column(batch: &RecordBatch, from: &str, to: &str) -> RecordBatch {
    let schema = batch.schema();
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            if f.name() == from {
                f.as_ref().clone().with_name(to)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), batch.columns().to_vec()).unwrap()
}
