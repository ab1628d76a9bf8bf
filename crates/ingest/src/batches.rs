//! Record batches built from rows in memory, with the contract's columns in the contract's
//! order: how generated data and tests reach the same scanning code as Parquet files.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{DateTime, Utc};
use recount_cube::{Crime, Incident};

fn text(values: impl Iterator<Item = Option<String>>) -> ArrayRef {
    Arc::new(values.collect::<StringArray>())
}

fn instants(values: impl Iterator<Item = Option<DateTime<Utc>>>) -> ArrayRef {
    let array: TimestampMicrosecondArray =
        values.map(|v| v.map(|t| t.timestamp_micros())).collect();
    Arc::new(array.with_timezone("UTC"))
}

fn timestamp_field(name: &str, nullable: bool) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        nullable,
    )
}

/// The Arrow schema of the `incidents` table as recount writes it.
pub fn incident_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("incident_id", DataType::Utf8, false),
        Field::new("force_id", DataType::Utf8, false),
        timestamp_field("opened_at", false),
        Field::new("call_type", DataType::Utf8, false),
        Field::new("closing_code", DataType::Utf8, true),
        Field::new("bcu", DataType::Utf8, true),
    ]))
}

/// The Arrow schema of the `crimes` table as recount writes it.
pub fn crime_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("crime_id", DataType::Utf8, false),
        Field::new("force_id", DataType::Utf8, false),
        Field::new("incident_id", DataType::Utf8, true),
        timestamp_field("reported_at", false),
        timestamp_field("recorded_at", false),
        Field::new("offence_initial", DataType::Utf8, false),
        Field::new("offence_final", DataType::Utf8, false),
        timestamp_field("reclassified_at", true),
        timestamp_field("cancelled_at", true),
        Field::new("cancel_reason", DataType::Utf8, true),
        Field::new("bcu", DataType::Utf8, true),
    ]))
}

/// Incidents as a record batch with the contract's columns.
pub fn incident_batch(rows: &[Incident]) -> RecordBatch {
    let columns = vec![
        text(rows.iter().map(|r| Some(r.incident_id.clone()))),
        text(rows.iter().map(|r| Some(r.force_id.clone()))),
        instants(rows.iter().map(|r| Some(r.opened_at))),
        text(rows.iter().map(|r| Some(r.call_type.clone()))),
        text(rows.iter().map(|r| r.closing_code.clone())),
        text(rows.iter().map(|r| r.bcu.clone())),
    ];
    batch(incident_schema(), columns)
}

/// Crimes as a record batch with the contract's columns.
pub fn crime_batch(rows: &[Crime]) -> RecordBatch {
    let columns = vec![
        text(rows.iter().map(|r| Some(r.crime_id.clone()))),
        text(rows.iter().map(|r| Some(r.force_id.clone()))),
        text(rows.iter().map(|r| r.incident_id.clone())),
        instants(rows.iter().map(|r| Some(r.reported_at))),
        instants(rows.iter().map(|r| Some(r.recorded_at))),
        text(rows.iter().map(|r| Some(r.offence_initial.clone()))),
        text(rows.iter().map(|r| Some(r.offence_final.clone()))),
        instants(rows.iter().map(|r| r.reclassified_at)),
        instants(rows.iter().map(|r| r.cancelled_at)),
        text(rows.iter().map(|r| r.cancel_reason.clone())),
        text(rows.iter().map(|r| r.bcu.clone())),
    ];
    batch(crime_schema(), columns)
}

fn batch(schema: Arc<Schema>, columns: Vec<ArrayRef>) -> RecordBatch {
    // The columns are built here to match the schema, so this cannot fail; an empty batch of
    // the schema is the harmless answer if it ever did.
    RecordBatch::try_new(schema.clone(), columns).unwrap_or_else(|_| RecordBatch::new_empty(schema))
}
