//! Cubes on disk: a folder with one Parquet file per table of the cube, the data-quality summary
//! as JSON, and a manifest written last. Every file is written atomically, so a reader sees the
//! old cube or the new one, never a mixture of half-written files.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{UInt8Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, RecordBatch, StringArray, UInt8Array, UInt64Array,
};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use recount_cube::{
    Cells, CountCell, CrimeCell, Cube, DataQuality, IncidentCell, Name, Period, QualityIssue,
    QualityKey, ReclassificationCell, RecordingDelay, RowCounts, Table,
};
use serde::{Deserialize, Serialize};

use crate::atomic::{write_atomically, write_bytes_atomically};
use crate::error::IngestError;

/// Version of the cube folder layout; bumped on any change a reader must know about.
pub const CUBE_FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "cube.json";

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    tool_version: String,
}

/// The data-quality summary in a JSON-friendly shape (JSON maps need text keys).
#[derive(Serialize, Deserialize)]
struct QualityFile {
    rows: Vec<RowsEntry>,
    issues: Vec<IssueEntry>,
}

#[derive(Serialize, Deserialize)]
struct RowsEntry {
    table: Table,
    force_id: Option<String>,
    read: u64,
    used: u64,
}

#[derive(Serialize, Deserialize)]
struct IssueEntry {
    #[serde(flatten)]
    key: QualityKey,
    #[serde(flatten)]
    issue: QualityIssue,
}

fn text_column<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(values.collect::<StringArray>())
}

fn write_table(path: &Path, columns: Vec<(&str, ArrayRef)>) -> Result<(), IngestError> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(|e| IngestError::parquet(path, None, e))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_created_by(format!("recount {}", env!("CARGO_PKG_VERSION")))
        .build();
    write_atomically(path, |file| {
        let mut writer = ArrowWriter::try_new(file, schema, Some(properties))
            .map_err(|e| IngestError::parquet(path, None, e))?;
        writer
            .write(&batch)
            .map_err(|e| IngestError::parquet(path, None, e))?;
        writer
            .close()
            .map_err(|e| IngestError::parquet(path, None, e))?;
        Ok(())
    })
}

fn periods<'a>(values: impl Iterator<Item = &'a Period>) -> ArrayRef {
    Arc::new(values.map(|p| Some(p.to_string())).collect::<StringArray>())
}

fn counts<'a>(values: impl Iterator<Item = &'a u64>) -> ArrayRef {
    Arc::new(values.copied().collect::<UInt64Array>())
}

fn flags(values: impl Iterator<Item = bool>) -> ArrayRef {
    Arc::new(values.map(Some).collect::<BooleanArray>())
}

/// Writes a cube into a folder (created if needed).
pub fn write_cube(cube: &Cube, dir: &Path) -> Result<(), IngestError> {
    std::fs::create_dir_all(dir).map_err(|e| IngestError::io(dir, e))?;
    let i = &cube.incidents;
    write_table(
        &dir.join("incidents.parquet"),
        vec![
            (
                "force_id",
                text_column(i.keys().map(|c| Some(c.force_id.as_str()))),
            ),
            ("bcu", text_column(i.keys().map(|c| c.bcu.as_deref()))),
            ("period", periods(i.keys().map(|c| &c.period))),
            (
                "call_type",
                text_column(i.keys().map(|c| Some(c.call_type.as_str()))),
            ),
            (
                "closing_code",
                text_column(i.keys().map(|c| c.closing_code.as_deref())),
            ),
            ("led_to_crime", flags(i.keys().map(|c| c.led_to_crime))),
            (
                "crime_offence",
                text_column(i.keys().map(|c| c.crime_offence.as_deref())),
            ),
            ("count", counts(i.values())),
        ],
    )?;
    let c = &cube.crimes;
    write_table(
        &dir.join("crimes.parquet"),
        vec![
            (
                "force_id",
                text_column(c.keys().map(|c| Some(c.force_id.as_str()))),
            ),
            ("bcu", text_column(c.keys().map(|c| c.bcu.as_deref()))),
            ("period", periods(c.keys().map(|c| &c.period))),
            (
                "offence_initial",
                text_column(c.keys().map(|c| Some(c.offence_initial.as_str()))),
            ),
            (
                "offence_final",
                text_column(c.keys().map(|c| Some(c.offence_final.as_str()))),
            ),
            ("cancelled", flags(c.keys().map(|c| c.cancelled))),
            (
                "cancel_reason",
                text_column(c.keys().map(|c| c.cancel_reason.as_deref())),
            ),
            ("delay", text_column(c.keys().map(|c| Some(c.delay.name())))),
            ("from_incident", flags(c.keys().map(|c| c.from_incident))),
            ("count", counts(c.values())),
        ],
    )?;
    let r = &cube.reclassifications;
    write_table(
        &dir.join("reclassifications.parquet"),
        vec![
            (
                "force_id",
                text_column(r.keys().map(|c| Some(c.force_id.as_str()))),
            ),
            ("bcu", text_column(r.keys().map(|c| c.bcu.as_deref()))),
            ("period", periods(r.keys().map(|c| &c.period))),
            (
                "days_before_month_end",
                Arc::new(
                    r.keys()
                        .map(|c| Some(c.days_before_month_end))
                        .collect::<UInt8Array>(),
                ),
            ),
            (
                "offence_initial",
                text_column(r.keys().map(|c| Some(c.offence_initial.as_str()))),
            ),
            (
                "offence_final",
                text_column(r.keys().map(|c| Some(c.offence_final.as_str()))),
            ),
            ("count", counts(r.values())),
        ],
    )?;
    let n = &cube.counts;
    write_table(
        &dir.join("counts.parquet"),
        vec![
            (
                "force_id",
                text_column(n.keys().map(|c| Some(c.force_id.as_str()))),
            ),
            ("period", periods(n.keys().map(|c| &c.period))),
            (
                "months",
                Arc::new(n.keys().map(|c| Some(c.months)).collect::<UInt8Array>()),
            ),
            (
                "offence_code",
                text_column(n.keys().map(|c| Some(c.offence_code.as_str()))),
            ),
            ("count", counts(n.values())),
        ],
    )?;
    let quality = quality_file(&cube.quality);
    let json = serde_json::to_vec_pretty(&quality).map_err(|e| cube_error(dir, e))?;
    write_bytes_atomically(&dir.join("quality.json"), &json)?;
    let manifest = Manifest {
        format: "recount-cube".into(),
        version: CUBE_FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| cube_error(dir, e))?;
    write_bytes_atomically(&dir.join(MANIFEST), &json)
}

fn quality_file(quality: &DataQuality) -> QualityFile {
    QualityFile {
        rows: quality
            .rows
            .iter()
            .map(|((table, force_id), c)| RowsEntry {
                table: *table,
                force_id: force_id.clone(),
                read: c.read,
                used: c.used,
            })
            .collect(),
        issues: quality
            .issues
            .iter()
            .map(|(key, issue)| IssueEntry {
                key: key.clone(),
                issue: issue.clone(),
            })
            .collect(),
    }
}

fn cube_error(path: &Path, message: impl std::fmt::Display) -> IngestError {
    IngestError::CubeFile {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Reads a cube folder written by [`write_cube`].
pub fn read_cube(dir: &Path) -> Result<Cube, IngestError> {
    let manifest_path = dir.join(MANIFEST);
    let manifest: Manifest = std::fs::read(&manifest_path)
        .map_err(|e| cube_error(dir, format!("no {MANIFEST}: {e}")))
        .and_then(|bytes| {
            serde_json::from_slice(&bytes).map_err(|e| cube_error(&manifest_path, e))
        })?;
    if manifest.format != "recount-cube" || manifest.version != CUBE_FORMAT_VERSION {
        return Err(cube_error(
            dir,
            format!(
                "format {} version {}, this recount reads version {CUBE_FORMAT_VERSION}",
                manifest.format, manifest.version
            ),
        ));
    }
    // Rows come in the order the cube was written (sorted); should a file have been rewritten
    // in another order, the cells are sorted once, at the end.
    let (mut incidents, mut crimes, mut reclassifications, mut counts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let path = dir.join("incidents.parquet");
    for batch in read_table(&path)? {
        let t = Columns::new(&batch, &path)?;
        for row in 0..batch.num_rows() {
            let cell = IncidentCell {
                force_id: t.text("force_id", row)?,
                bcu: t.optional_text("bcu", row)?,
                period: t.period("period", row)?,
                call_type: t.text("call_type", row)?,
                closing_code: t.optional_text("closing_code", row)?,
                led_to_crime: t.flag("led_to_crime", row)?,
                // Absent from cubes written before stop 22: read as unknown.
                crime_offence: match t.has("crime_offence") {
                    true => t.optional_text("crime_offence", row)?,
                    false => None,
                },
            };
            incidents.push((cell, t.count(row)?));
        }
    }
    let path = dir.join("crimes.parquet");
    for batch in read_table(&path)? {
        let t = Columns::new(&batch, &path)?;
        for row in 0..batch.num_rows() {
            let delay = t.text("delay", row)?;
            let cell = CrimeCell {
                force_id: t.text("force_id", row)?,
                bcu: t.optional_text("bcu", row)?,
                period: t.period("period", row)?,
                offence_initial: t.text("offence_initial", row)?,
                offence_final: t.text("offence_final", row)?,
                cancelled: t.flag("cancelled", row)?,
                cancel_reason: t.optional_text("cancel_reason", row)?,
                delay: RecordingDelay::from_name(&delay)
                    .ok_or_else(|| t.bad("delay", row, &delay))?,
                from_incident: t.flag("from_incident", row)?,
            };
            crimes.push((cell, t.count(row)?));
        }
    }
    let path = dir.join("reclassifications.parquet");
    for batch in read_table(&path)? {
        let t = Columns::new(&batch, &path)?;
        for row in 0..batch.num_rows() {
            let cell = ReclassificationCell {
                force_id: t.text("force_id", row)?,
                bcu: t.optional_text("bcu", row)?,
                period: t.period("period", row)?,
                days_before_month_end: t.small("days_before_month_end", row)?,
                offence_initial: t.text("offence_initial", row)?,
                offence_final: t.text("offence_final", row)?,
            };
            reclassifications.push((cell, t.count(row)?));
        }
    }
    let path = dir.join("counts.parquet");
    for batch in read_table(&path)? {
        let t = Columns::new(&batch, &path)?;
        for row in 0..batch.num_rows() {
            let cell = CountCell {
                force_id: t.text("force_id", row)?,
                period: t.period("period", row)?,
                months: t.small("months", row)?,
                offence_code: t.text("offence_code", row)?,
            };
            counts.push((cell, t.count(row)?));
        }
    }
    let mut cube = Cube {
        incidents: Cells::from(incidents),
        crimes: Cells::from(crimes),
        reclassifications: Cells::from(reclassifications),
        counts: Cells::from(counts),
        ..Cube::default()
    };
    let quality_path = dir.join("quality.json");
    let quality: QualityFile = std::fs::read(&quality_path)
        .map_err(|e| IngestError::io(&quality_path, e))
        .and_then(|bytes| {
            serde_json::from_slice(&bytes).map_err(|e| cube_error(&quality_path, e))
        })?;
    for entry in quality.rows {
        let counts = RowCounts {
            read: entry.read,
            used: entry.used,
        };
        cube.quality
            .rows
            .insert((entry.table, entry.force_id), counts);
    }
    cube.quality.issues = quality
        .issues
        .into_iter()
        .map(|e| (e.key, e.issue))
        .collect::<BTreeMap<_, _>>();
    Ok(cube)
}

fn read_table(path: &Path) -> Result<Vec<RecordBatch>, IngestError> {
    let file = File::open(path).map_err(|e| IngestError::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| IngestError::parquet(path, None, e))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| IngestError::parquet(path, None, e))
}

/// Named access to a cube table's columns with errors that name the file.
struct Columns<'a> {
    batch: &'a RecordBatch,
    path: &'a Path,
}

impl<'a> Columns<'a> {
    fn new(batch: &'a RecordBatch, path: &'a Path) -> Result<Self, IngestError> {
        if batch.num_columns() == 0 {
            return Err(cube_error(path, "no columns"));
        }
        Ok(Columns { batch, path })
    }

    fn has(&self, name: &str) -> bool {
        self.batch.column_by_name(name).is_some()
    }

    fn column(&self, name: &str) -> Result<&'a ArrayRef, IngestError> {
        self.batch
            .column_by_name(name)
            .ok_or_else(|| cube_error(self.path, format!("no column `{name}`")))
    }

    fn bad(&self, name: &str, row: usize, value: &str) -> IngestError {
        cube_error(
            self.path,
            format!("column `{name}`, row {row}: unexpected value `{value}`"),
        )
    }

    fn optional_text(&self, name: &str, row: usize) -> Result<Option<Name>, IngestError> {
        let column = self.column(name)?;
        let strings = column.as_string_opt::<i32>().ok_or_else(|| {
            cube_error(
                self.path,
                format!("column `{name}` is {}, expected text", column.data_type()),
            )
        })?;
        Ok((!strings.is_null(row)).then(|| Name::from(strings.value(row))))
    }

    fn text(&self, name: &str, row: usize) -> Result<Name, IngestError> {
        self.optional_text(name, row)?
            .ok_or_else(|| self.bad(name, row, "null"))
    }

    fn period(&self, name: &str, row: usize) -> Result<Period, IngestError> {
        let text = self.text(name, row)?;
        text.parse().map_err(|_| self.bad(name, row, &text))
    }

    fn flag(&self, name: &str, row: usize) -> Result<bool, IngestError> {
        let column = self.column(name)?;
        let flags = column.as_boolean_opt().ok_or_else(|| {
            cube_error(
                self.path,
                format!(
                    "column `{name}` is {}, expected boolean",
                    column.data_type()
                ),
            )
        })?;
        Ok(flags.value(row))
    }

    fn small(&self, name: &str, row: usize) -> Result<u8, IngestError> {
        let column = self.column(name)?;
        let values = column.as_primitive_opt::<UInt8Type>().ok_or_else(|| {
            cube_error(
                self.path,
                format!("column `{name}` is {}, expected UInt8", column.data_type()),
            )
        })?;
        Ok(values.value(row))
    }

    fn count(&self, row: usize) -> Result<u64, IngestError> {
        let column = self.column("count")?;
        let values = column.as_primitive_opt::<UInt64Type>().ok_or_else(|| {
            cube_error(
                self.path,
                format!("column `count` is {}, expected UInt64", column.data_type()),
            )
        })?;
        Ok(values.value(row))
    }
}
