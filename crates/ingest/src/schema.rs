//! Which columns a table needs, where each is found in a file (a column, a partition folder, or
//! nowhere), and the read plan of a file: projection, dictionary hints and row-group offsets.

use std::collections::BTreeMap;
use std::fs::File;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::statistics::Statistics;
use recount_cube::Table;

use crate::decode::{is_id, is_text, is_timestamp};
use crate::error::IngestError;
use crate::files::InputFile;

/// What a column holds, which decides the types accepted for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Identifiers: text or integers.
    Id,
    /// Codes and names: text in any encoding.
    Code,
    /// Instants: timestamps of any unit and zone, dates, or text.
    Timestamp,
    /// Counts: integers (or whole floats).
    Count,
}

impl Kind {
    fn accepts(self, data_type: &DataType) -> bool {
        match self {
            Kind::Id => is_id(data_type),
            Kind::Code => is_text(data_type),
            Kind::Timestamp => is_timestamp(data_type),
            Kind::Count => data_type.is_integer() || data_type.is_floating() || is_text(data_type),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Kind::Id => "text (Utf8, LargeUtf8, Utf8View or dictionary) or an integer",
            Kind::Code => "text (Utf8, LargeUtf8, Utf8View or dictionary)",
            Kind::Timestamp => "a timestamp (any unit, with or without zone), a date, or text",
            Kind::Count => "an integer",
        }
    }
}

/// A column of the data contract.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ColumnSpec {
    /// The contract's name.
    pub name: &'static str,
    pub kind: Kind,
    /// Whether a file without the column is an error. Nullable columns may be absent: every
    /// value is then null.
    pub required: bool,
}

const fn col(name: &'static str, kind: Kind, required: bool) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        required,
    }
}

/// The `incidents` table, in the order the scanner indexes it.
pub(crate) const INCIDENT_COLUMNS: [ColumnSpec; 6] = [
    col("incident_id", Kind::Id, true),
    col("force_id", Kind::Code, true),
    col("opened_at", Kind::Timestamp, true),
    col("call_type", Kind::Code, true),
    col("closing_code", Kind::Code, false),
    col("bcu", Kind::Code, false),
];

/// The `crimes` table, in the order the scanner indexes it.
pub(crate) const CRIME_COLUMNS: [ColumnSpec; 11] = [
    col("crime_id", Kind::Id, true),
    col("force_id", Kind::Code, true),
    col("incident_id", Kind::Id, false),
    col("reported_at", Kind::Timestamp, true),
    col("recorded_at", Kind::Timestamp, true),
    col("offence_initial", Kind::Code, true),
    col("offence_final", Kind::Code, true),
    col("reclassified_at", Kind::Timestamp, false),
    col("cancelled_at", Kind::Timestamp, false),
    col("cancel_reason", Kind::Code, false),
    col("bcu", Kind::Code, false),
];

/// The `counts` table.
pub(crate) const COUNT_COLUMNS: [ColumnSpec; 4] = [
    col("force_id", Kind::Code, true),
    col("period_start", Kind::Timestamp, true),
    col("offence_code", Kind::Code, true),
    col("count", Kind::Count, true),
];

/// Where a column's values come from in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ColumnSource {
    /// Position in the projected record batch.
    Batch(usize),
    /// A hive partition folder supplies one value for the whole file.
    Partition(String),
    /// Not present: every value is null.
    Absent,
}

/// Everything needed to read one file's row groups.
pub(crate) struct FilePlan {
    pub file: InputFile,
    pub table: Table,
    metadata: ArrowReaderMetadata,
    mask: ProjectionMask,
    /// One per column spec, in spec order.
    pub sources: Vec<ColumnSource>,
    /// First row (within the file) of each row group.
    pub row_group_offsets: Vec<u64>,
    /// The single force the file holds, when its partition folder or its statistics say so.
    pub force_hint: Option<String>,
}

impl FilePlan {
    /// Rows in the file.
    pub fn rows(&self) -> u64 {
        self.metadata.metadata().file_metadata().num_rows().max(0) as u64
    }

    /// Number of row groups.
    pub fn row_groups(&self) -> usize {
        self.metadata.metadata().num_row_groups()
    }

    /// Rows in one row group.
    pub fn row_group_rows(&self, row_group: usize) -> u64 {
        self.metadata
            .metadata()
            .row_group(row_group)
            .num_rows()
            .max(0) as u64
    }

    /// Reads one row group batch by batch; `each` gets the batch and the file row of its first
    /// row.
    pub fn read_row_group(
        &self,
        row_group: usize,
        mut each: impl FnMut(&RecordBatch, u64) -> Result<(), IngestError>,
    ) -> Result<(), IngestError> {
        let path = &self.file.path;
        let handle = File::open(path).map_err(|e| IngestError::io(path, e))?;
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(handle, self.metadata.clone())
                .with_projection(self.mask.clone())
                .with_row_groups(vec![row_group])
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| IngestError::parquet(path, Some(row_group), e))?;
        let mut first_row = self.row_group_offsets[row_group];
        for batch in reader {
            let batch = batch.map_err(|e| IngestError::parquet(path, Some(row_group), e))?;
            each(&batch, first_row)?;
            first_row += batch.num_rows() as u64;
        }
        Ok(())
    }
}

/// Rows per decoded batch: large enough to amortise per-batch work, small enough to stay in
/// cache-friendly sizes.
const BATCH_ROWS: usize = 64 * 1024;

/// Finds a column by its configured name: exactly, else ignoring case when that is unambiguous.
fn find_field(schema: &Schema, name: &str) -> Option<usize> {
    if let Ok(index) = schema.index_of(name) {
        return Some(index);
    }
    let matches: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name().eq_ignore_ascii_case(name))
        .map(|(i, _)| i)
        .collect();
    (matches.len() == 1).then(|| matches[0])
}

/// Plans the read of one Parquet file: checks every required column is there with a type it
/// can hold, and asks the reader for dictionary arrays on code columns so that aggregation can
/// work on dictionary keys.
pub(crate) fn plan_file(
    file: InputFile,
    table: Table,
    specs: &[ColumnSpec],
    renames: &BTreeMap<String, String>,
) -> Result<FilePlan, IngestError> {
    let path = file.path.clone();
    let handle = File::open(&path).map_err(|e| IngestError::io(&path, e))?;
    let plain = ArrowReaderMetadata::load(&handle, ArrowReaderOptions::new())
        .map_err(|e| IngestError::parquet(&path, None, e))?;
    let schema = plain.schema().clone();

    let mut chosen: Vec<(usize, usize)> = Vec::new(); // (spec index, field index)
    let mut sources = vec![ColumnSource::Absent; specs.len()];
    for (spec_index, spec) in specs.iter().enumerate() {
        let source_name = renames
            .get(spec.name)
            .map(String::as_str)
            .unwrap_or(spec.name);
        match find_field(&schema, source_name) {
            Some(field_index) => {
                let field = schema.field(field_index);
                if !spec.kind.accepts(field.data_type()) {
                    return Err(IngestError::WrongType {
                        path,
                        table,
                        column: field.name().clone(),
                        found: field.data_type().to_string(),
                        expected: spec.kind.expected().to_string(),
                    });
                }
                chosen.push((spec_index, field_index));
            }
            None => {
                if let Some(value) = file
                    .partition_value(source_name)
                    .or_else(|| file.partition_value(spec.name))
                {
                    sources[spec_index] = ColumnSource::Partition(value.to_string());
                } else if spec.required {
                    return Err(IngestError::MissingColumn {
                        path,
                        table,
                        column: spec.name.to_string(),
                        source_name: source_name.to_string(),
                        available: schema
                            .fields()
                            .iter()
                            .map(|f| f.name().as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
        }
    }

    // The projected batch holds the chosen fields in file order.
    let mut field_order: Vec<usize> = chosen.iter().map(|&(_, f)| f).collect();
    field_order.sort_unstable();
    field_order.dedup();
    for &(spec_index, field_index) in &chosen {
        let position = field_order
            .iter()
            .position(|&f| f == field_index)
            .unwrap_or(0);
        sources[spec_index] = ColumnSource::Batch(position);
    }

    let code_fields: Vec<usize> = chosen
        .iter()
        .filter(|(s, _)| specs[*s].kind == Kind::Code)
        .map(|&(_, f)| f)
        .collect();
    let hint = dictionary_hint(&schema, &code_fields);
    let metadata = ArrowReaderMetadata::try_new(
        plain.metadata().clone(),
        ArrowReaderOptions::new().with_schema(hint),
    )
    .map_err(|e| IngestError::parquet(&path, None, e))?;
    let mask = ProjectionMask::roots(metadata.parquet_schema(), field_order.iter().copied());

    let mut row_group_offsets = Vec::with_capacity(metadata.metadata().num_row_groups());
    let mut next = 0u64;
    for rg in metadata.metadata().row_groups() {
        row_group_offsets.push(next);
        next += rg.num_rows().max(0) as u64;
    }

    let force_spec = specs.iter().position(|s| s.name == "force_id");
    let force_hint = match force_spec.map(|i| &sources[i]) {
        Some(ColumnSource::Partition(value)) => Some(value.clone()),
        Some(ColumnSource::Batch(_)) => chosen
            .iter()
            .find(|(s, _)| Some(*s) == force_spec)
            .and_then(|&(_, field)| single_value_from_statistics(&metadata, &schema, field)),
        _ => None,
    };

    Ok(FilePlan {
        file,
        table,
        metadata,
        mask,
        sources,
        row_group_offsets,
        force_hint,
    })
}

/// The file's schema with text code columns asked for as `Dictionary(Int32, Utf8)`. The reader
/// keeps Parquet's dictionary pages as they are, and builds a dictionary for chunks that fell
/// back to plain encoding.
fn dictionary_hint(schema: &Schema, code_fields: &[usize]) -> Arc<Schema> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let is_plain_text = matches!(
                f.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            );
            if code_fields.contains(&i) && is_plain_text {
                f.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(DataType::Utf8),
                ))
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// The one value a column takes in every row group, read from the column statistics; `None` if
/// any row group lacks statistics or holds more than one value.
fn single_value_from_statistics(
    metadata: &ArrowReaderMetadata,
    schema: &Schema,
    field_index: usize,
) -> Option<String> {
    let name = schema.field(field_index).name();
    let descriptor = metadata.parquet_schema();
    let leaf = (0..descriptor.num_columns())
        .find(|&i| descriptor.column(i).path().parts() == [name.as_str()])?;
    let mut value: Option<String> = None;
    for rg in metadata.metadata().row_groups() {
        let Some(Statistics::ByteArray(stats)) = rg.column(leaf).statistics() else {
            return None;
        };
        if stats.null_count_opt().unwrap_or(1) != 0 {
            return None;
        }
        let (min, max) = (stats.min_opt()?, stats.max_opt()?);
        if min != max || !stats.min_is_exact() || !stats.max_is_exact() {
            return None;
        }
        let text = std::str::from_utf8(min.data()).ok()?.to_string();
        match &value {
            Some(v) if *v != text => return None,
            _ => value = Some(text),
        }
    }
    value
}
