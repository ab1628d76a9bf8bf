//! Writing one force's rows as Parquet, in the data contract's column names and Arrow types:
//! ids as plain Utf8 (no dictionary: every value differs), low-cardinality strings as Utf8 with
//! Parquet dictionary encoding, timestamps as microseconds in UTC (or milliseconds without a
//! zone). Rows arrive in time order and are written in row groups of a fixed number of rows.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch, TimestampMicrosecondArray, TimestampMillisecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use serde::{Deserialize, Serialize};

use recount_cube::{Crime, Incident};

use crate::error::SynthError;
use crate::generator::RecordSink;

/// Compression of the Parquet files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParquetCompression {
    /// Zstandard, level 1 (the default: small files, fast).
    #[default]
    Zstd,
    /// Snappy.
    Snappy,
    /// None.
    None,
}

/// How timestamps are stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampUnit {
    /// `Timestamp(Microsecond, Some("UTC"))` (the default).
    #[default]
    MicrosecondUtc,
    /// `Timestamp(Millisecond, None)`: a timestamp without a zone, which the contract reads
    /// as UTC.
    MillisecondNaive,
}

/// How a data set is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WriteOptions {
    /// Compression of the Parquet files.
    pub compression: ParquetCompression,
    /// Rows per row group (and per Arrow batch).
    pub row_group_rows: usize,
    /// How timestamps are stored.
    pub timestamps: TimestampUnit,
    /// Whether the files keep their `force_id` column; without it the hive partition key
    /// (`force_id=<id>` folders) must supply it.
    pub include_force_id: bool,
    /// Whether to replace existing `incidents/` and `crimes/` folders in the output folder
    /// (otherwise writing into a folder that already holds data is an error).
    pub overwrite: bool,
    /// Worker threads for generation (`None`: rayon's default). The output does not depend
    /// on it.
    pub threads: Option<usize>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            compression: ParquetCompression::Zstd,
            row_group_rows: 128 * 1024,
            timestamps: TimestampUnit::MicrosecondUtc,
            include_force_id: true,
            overwrite: false,
            threads: None,
        }
    }
}

impl WriteOptions {
    fn timestamp_type(&self) -> DataType {
        match self.timestamps {
            TimestampUnit::MicrosecondUtc => {
                DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
            }
            TimestampUnit::MillisecondNaive => DataType::Timestamp(TimeUnit::Millisecond, None),
        }
    }

    fn ticks(&self, instant: DateTime<Utc>) -> i64 {
        match self.timestamps {
            TimestampUnit::MicrosecondUtc => instant.timestamp_micros(),
            TimestampUnit::MillisecondNaive => instant.timestamp_millis(),
        }
    }

    fn timestamps_array(&self, values: Vec<Option<i64>>) -> ArrayRef {
        match self.timestamps {
            TimestampUnit::MicrosecondUtc => {
                Arc::new(TimestampMicrosecondArray::from(values).with_timezone("UTC"))
            }
            TimestampUnit::MillisecondNaive => Arc::new(TimestampMillisecondArray::from(values)),
        }
    }
}

/// Low-cardinality string columns, written with Parquet dictionary encoding.
const DICTIONARY_COLUMNS: [&str; 7] = [
    "force_id",
    "call_type",
    "closing_code",
    "bcu",
    "offence_initial",
    "offence_final",
    "cancel_reason",
];

/// The Arrow schema of the `incidents` files written with these options.
pub fn incidents_schema(options: &WriteOptions) -> SchemaRef {
    let ts = options.timestamp_type();
    let mut fields = vec![Field::new("incident_id", DataType::Utf8, false)];
    if options.include_force_id {
        fields.push(Field::new("force_id", DataType::Utf8, false));
    }
    fields.extend([
        Field::new("opened_at", ts, false),
        Field::new("call_type", DataType::Utf8, false),
        Field::new("closing_code", DataType::Utf8, true),
        Field::new("bcu", DataType::Utf8, true),
    ]);
    Arc::new(Schema::new(fields))
}

/// The Arrow schema of the `crimes` files written with these options.
pub fn crimes_schema(options: &WriteOptions) -> SchemaRef {
    let ts = options.timestamp_type();
    let mut fields = vec![Field::new("crime_id", DataType::Utf8, false)];
    if options.include_force_id {
        fields.push(Field::new("force_id", DataType::Utf8, false));
    }
    fields.extend([
        Field::new("incident_id", DataType::Utf8, true),
        Field::new("reported_at", ts.clone(), false),
        Field::new("recorded_at", ts.clone(), false),
        Field::new("offence_initial", DataType::Utf8, false),
        Field::new("offence_final", DataType::Utf8, false),
        Field::new("reclassified_at", ts.clone(), true),
        Field::new("cancelled_at", ts, true),
        Field::new("cancel_reason", DataType::Utf8, true),
        Field::new("bcu", DataType::Utf8, true),
    ]);
    Arc::new(Schema::new(fields))
}

fn writer_properties(options: &WriteOptions) -> WriterProperties {
    let compression = match options.compression {
        ParquetCompression::Zstd => Compression::ZSTD(ZstdLevel::default()),
        ParquetCompression::Snappy => Compression::SNAPPY,
        ParquetCompression::None => Compression::UNCOMPRESSED,
    };
    // Dictionary encoding only where values repeat; ids and timestamps would overflow the
    // dictionary and fall back anyway, after paying for the attempt.
    let mut builder = WriterProperties::builder()
        .set_compression(compression)
        .set_dictionary_enabled(false)
        .set_max_row_group_row_count(Some(options.row_group_rows.max(1)));
    for column in DICTIONARY_COLUMNS {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(column), true);
    }
    builder.build()
}

/// Columns of incidents being gathered for the next batch.
struct IncidentColumns {
    incident_id: StringBuilder,
    force_id: StringBuilder,
    opened_at: Vec<Option<i64>>,
    call_type: StringBuilder,
    closing_code: StringBuilder,
    bcu: StringBuilder,
}

/// Columns of crimes being gathered for the next batch.
struct CrimeColumns {
    crime_id: StringBuilder,
    force_id: StringBuilder,
    incident_id: StringBuilder,
    reported_at: Vec<Option<i64>>,
    recorded_at: Vec<Option<i64>>,
    offence_initial: StringBuilder,
    offence_final: StringBuilder,
    reclassified_at: Vec<Option<i64>>,
    cancelled_at: Vec<Option<i64>>,
    cancel_reason: StringBuilder,
    bcu: StringBuilder,
}

/// A table's columns: appended to row by row, turned into a batch when full.
trait Columns {
    fn new(capacity: usize) -> Self;
    fn len(&self) -> usize;
    fn take_batch(
        &mut self,
        schema: &SchemaRef,
        options: &WriteOptions,
    ) -> Result<RecordBatch, SynthError>;
}

impl Columns for IncidentColumns {
    fn new(capacity: usize) -> Self {
        IncidentColumns {
            incident_id: StringBuilder::with_capacity(capacity, capacity * 24),
            force_id: StringBuilder::with_capacity(capacity, capacity * 9),
            opened_at: Vec::with_capacity(capacity),
            call_type: StringBuilder::with_capacity(capacity, capacity * 10),
            closing_code: StringBuilder::with_capacity(capacity, capacity * 10),
            bcu: StringBuilder::with_capacity(capacity, capacity * 16),
        }
    }

    fn len(&self) -> usize {
        self.opened_at.len()
    }

    fn take_batch(
        &mut self,
        schema: &SchemaRef,
        options: &WriteOptions,
    ) -> Result<RecordBatch, SynthError> {
        let mut columns: Vec<ArrayRef> = vec![Arc::new(self.incident_id.finish())];
        let force_id = self.force_id.finish();
        if options.include_force_id {
            columns.push(Arc::new(force_id));
        }
        columns.extend([
            options.timestamps_array(std::mem::take(&mut self.opened_at)),
            Arc::new(self.call_type.finish()) as ArrayRef,
            Arc::new(self.closing_code.finish()),
            Arc::new(self.bcu.finish()),
        ]);
        Ok(RecordBatch::try_new(schema.clone(), columns)?)
    }
}

impl IncidentColumns {
    fn push(&mut self, incident: &Incident, options: &WriteOptions) {
        self.incident_id.append_value(&incident.incident_id);
        if options.include_force_id {
            self.force_id.append_value(&incident.force_id);
        }
        self.opened_at.push(Some(options.ticks(incident.opened_at)));
        self.call_type.append_value(&incident.call_type);
        self.closing_code
            .append_option(incident.closing_code.as_deref());
        self.bcu.append_option(incident.bcu.as_deref());
    }
}

impl Columns for CrimeColumns {
    fn new(capacity: usize) -> Self {
        CrimeColumns {
            crime_id: StringBuilder::with_capacity(capacity, capacity * 24),
            force_id: StringBuilder::with_capacity(capacity, capacity * 9),
            incident_id: StringBuilder::with_capacity(capacity, capacity * 24),
            reported_at: Vec::with_capacity(capacity),
            recorded_at: Vec::with_capacity(capacity),
            offence_initial: StringBuilder::with_capacity(capacity, capacity * 3),
            offence_final: StringBuilder::with_capacity(capacity, capacity * 3),
            reclassified_at: Vec::with_capacity(capacity),
            cancelled_at: Vec::with_capacity(capacity),
            cancel_reason: StringBuilder::with_capacity(capacity, capacity),
            bcu: StringBuilder::with_capacity(capacity, capacity * 16),
        }
    }

    fn len(&self) -> usize {
        self.recorded_at.len()
    }

    fn take_batch(
        &mut self,
        schema: &SchemaRef,
        options: &WriteOptions,
    ) -> Result<RecordBatch, SynthError> {
        let mut columns: Vec<ArrayRef> = vec![Arc::new(self.crime_id.finish())];
        let force_id = self.force_id.finish();
        if options.include_force_id {
            columns.push(Arc::new(force_id));
        }
        columns.extend([
            Arc::new(self.incident_id.finish()) as ArrayRef,
            options.timestamps_array(std::mem::take(&mut self.reported_at)),
            options.timestamps_array(std::mem::take(&mut self.recorded_at)),
            Arc::new(self.offence_initial.finish()),
            Arc::new(self.offence_final.finish()),
            options.timestamps_array(std::mem::take(&mut self.reclassified_at)),
            options.timestamps_array(std::mem::take(&mut self.cancelled_at)),
            Arc::new(self.cancel_reason.finish()),
            Arc::new(self.bcu.finish()),
        ]);
        Ok(RecordBatch::try_new(schema.clone(), columns)?)
    }
}

impl CrimeColumns {
    fn push(&mut self, crime: &Crime, options: &WriteOptions) {
        self.crime_id.append_value(&crime.crime_id);
        if options.include_force_id {
            self.force_id.append_value(&crime.force_id);
        }
        self.incident_id.append_option(crime.incident_id.as_deref());
        self.reported_at
            .push(Some(options.ticks(crime.reported_at)));
        self.recorded_at
            .push(Some(options.ticks(crime.recorded_at)));
        self.offence_initial.append_value(&crime.offence_initial);
        self.offence_final.append_value(&crime.offence_final);
        self.reclassified_at
            .push(crime.reclassified_at.map(|t| options.ticks(t)));
        self.cancelled_at
            .push(crime.cancelled_at.map(|t| options.ticks(t)));
        self.cancel_reason
            .append_option(crime.cancel_reason.as_deref());
        self.bcu.append_option(crime.bcu.as_deref());
    }
}

/// One Parquet file being written: to a hidden temporary name, renamed into place when
/// complete, so a reader never sees half a file.
struct TableFile<C> {
    path: PathBuf,
    temp: PathBuf,
    writer: ArrowWriter<BufWriter<File>>,
    schema: SchemaRef,
    columns: C,
    options: WriteOptions,
}

impl<C: Columns> TableFile<C> {
    fn create(dir: &Path, schema: SchemaRef, options: &WriteOptions) -> Result<Self, SynthError> {
        fs::create_dir_all(dir).map_err(SynthError::io(dir))?;
        let path = dir.join("part-0.parquet");
        let temp = dir.join(".part-0.parquet.tmp");
        let file = File::create(&temp).map_err(SynthError::io(&temp))?;
        let writer = ArrowWriter::try_new(
            BufWriter::with_capacity(1 << 20, file),
            schema.clone(),
            Some(writer_properties(options)),
        )
        .map_err(|source| SynthError::Parquet {
            path: path.clone(),
            source,
        })?;
        Ok(TableFile {
            path,
            temp,
            writer,
            schema,
            columns: C::new(options.row_group_rows.clamp(1, 1 << 20)),
            options: options.clone(),
        })
    }

    fn row_added(&mut self) -> Result<(), SynthError> {
        if self.columns.len() >= self.options.row_group_rows.max(1) {
            self.write_batch()?;
        }
        Ok(())
    }

    fn write_batch(&mut self) -> Result<(), SynthError> {
        if self.columns.len() == 0 {
            return Ok(());
        }
        let batch = self.columns.take_batch(&self.schema, &self.options)?;
        self.writer
            .write(&batch)
            .map_err(|source| SynthError::Parquet {
                path: self.path.clone(),
                source,
            })
    }

    fn finish(mut self) -> Result<(), SynthError> {
        self.write_batch()?;
        let path = self.path;
        let buffered = self
            .writer
            .into_inner()
            .map_err(|source| SynthError::Parquet {
                path: path.clone(),
                source,
            })?;
        let mut file = buffered.into_inner().map_err(|e| SynthError::Io {
            path: self.temp.clone(),
            source: e.into_error(),
        })?;
        file.flush().map_err(SynthError::io(&self.temp))?;
        drop(file);
        fs::rename(&self.temp, &path).map_err(SynthError::io(&path))
    }
}

/// The two Parquet files of one force, fed by the generator.
pub(crate) struct ForceFiles {
    incidents: TableFile<IncidentColumns>,
    crimes: TableFile<CrimeColumns>,
}

impl ForceFiles {
    /// Opens `<out>/incidents/force_id=<id>/part-0.parquet` and its crimes counterpart.
    pub(crate) fn create(
        out_dir: &Path,
        force_id: &str,
        options: &WriteOptions,
    ) -> Result<Self, SynthError> {
        let partition = format!("force_id={force_id}");
        Ok(ForceFiles {
            incidents: TableFile::create(
                &out_dir.join("incidents").join(&partition),
                incidents_schema(options),
                options,
            )?,
            crimes: TableFile::create(
                &out_dir.join("crimes").join(&partition),
                crimes_schema(options),
                options,
            )?,
        })
    }

    /// Writes the last row groups and the footers, and moves both files into place.
    pub(crate) fn finish(self) -> Result<(), SynthError> {
        self.incidents.finish()?;
        self.crimes.finish()
    }
}

impl RecordSink for ForceFiles {
    fn incident(&mut self, incident: Incident) -> Result<(), SynthError> {
        let options = &self.incidents.options;
        self.incidents.columns.push(&incident, options);
        self.incidents.row_added()
    }

    fn crime(&mut self, crime: Crime) -> Result<(), SynthError> {
        let options = &self.crimes.options;
        self.crimes.columns.push(&crime, options);
        self.crimes.row_added()
    }
}
