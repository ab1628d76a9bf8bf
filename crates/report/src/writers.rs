//! Writing tables as CSV and Parquet, each file atomically.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use recount_ingest::{IngestError, write_atomically, write_bytes_atomically};

use crate::error::ReportError;
use crate::tables::{Kind, Table};

/// The table as CSV text (RFC 4180 quoting, `\n` line ends, header first).
pub fn csv_bytes(table: &Table) -> Result<Vec<u8>, ReportError> {
    let encode = |e: csv::Error| ReportError::Encode {
        table: table.name.to_string(),
        message: e.to_string(),
    };
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer.write_record(&table.columns).map_err(encode)?;
    for row in &table.rows {
        writer.write_record(row).map_err(encode)?;
    }
    writer.into_inner().map_err(|e| ReportError::Encode {
        table: table.name.to_string(),
        message: e.to_string(),
    })
}

/// Writes the table as `<dir>/<name>.csv`.
pub fn write_csv(table: &Table, dir: &Path) -> Result<(), ReportError> {
    let bytes = csv_bytes(table)?;
    Ok(write_bytes_atomically(
        &dir.join(format!("{}.csv", table.name)),
        &bytes,
    )?)
}

fn column(table: &Table, index: usize) -> ArrayRef {
    let cells = table.rows.iter().map(|r| r[index].as_str());
    match table.kinds[index] {
        Kind::Text => Arc::new(
            cells
                .map(|c| (!c.is_empty()).then_some(c))
                .collect::<StringArray>(),
        ),
        Kind::Number => Arc::new(
            cells
                .map(|c| c.parse::<f64>().ok())
                .collect::<Float64Array>(),
        ),
        Kind::Integer => Arc::new(cells.map(|c| c.parse::<i64>().ok()).collect::<Int64Array>()),
        Kind::Flag => Arc::new(cells.map(|c| Some(c == "true")).collect::<BooleanArray>()),
    }
}

/// The table as a record batch with typed columns.
pub fn record_batch(table: &Table) -> Result<RecordBatch, ReportError> {
    let columns: Vec<ArrayRef> = (0..table.columns.len()).map(|i| column(table, i)).collect();
    let fields: Vec<Field> = table
        .columns
        .iter()
        .zip(&columns)
        .map(|(name, array)| Field::new(name, array.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| ReportError::Encode {
        table: table.name.to_string(),
        message: e.to_string(),
    })
}

/// Writes the table as `<dir>/<name>.parquet` (zstd, no timestamps in the metadata so the bytes
/// repeat run after run).
pub fn write_parquet(table: &Table, dir: &Path) -> Result<(), ReportError> {
    let batch = record_batch(table)?;
    let path = dir.join(format!("{}.parquet", table.name));
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_created_by(format!("recount {}", env!("CARGO_PKG_VERSION")))
        .build();
    write_atomically(&path, |file| {
        let parquet_error = |e: parquet::errors::ParquetError| IngestError::Parquet {
            path: path.clone(),
            row_group: None,
            message: e.to_string(),
        };
        let mut writer =
            ArrowWriter::try_new(file, batch.schema(), Some(properties)).map_err(parquet_error)?;
        writer.write(&batch).map_err(parquet_error)?;
        writer.close().map_err(parquet_error)?;
        Ok(())
    })?;
    Ok(())
}
