//! Typed access to the columns of one record batch, whichever way the file supplies them
//! (a column, a partition folder, or not at all).

use std::path::Path;

use arrow_array::RecordBatch;
use recount_cube::Table;

use crate::decode::{CodeColumn, IdColumn, Instants, code_column, id_column, instants};
use crate::error::IngestError;
use crate::schema::ColumnSource;

/// The columns of one batch.
pub(crate) struct BatchColumns<'a> {
    pub batch: &'a RecordBatch,
    pub sources: &'a [ColumnSource],
    pub path: &'a Path,
    pub table: Table,
}

impl<'a> BatchColumns<'a> {
    pub fn rows(&self) -> usize {
        self.batch.num_rows()
    }

    fn wrong_type(&self, position: usize, expected: &str) -> IngestError {
        let field = self.batch.schema_ref().field(position).clone();
        IngestError::WrongType {
            path: self.path.to_path_buf(),
            table: self.table,
            column: field.name().clone(),
            found: field.data_type().to_string(),
            expected: expected.to_string(),
        }
    }

    /// A code column; `None` when absent from the file.
    pub fn codes(&self, index: usize) -> Result<Option<CodeColumn<'a>>, IngestError> {
        match &self.sources[index] {
            ColumnSource::Batch(position) => code_column(self.batch.column(*position).as_ref())
                .map(Some)
                .ok_or_else(|| self.wrong_type(*position, "text")),
            ColumnSource::Partition(value) => Ok(Some(CodeColumn {
                keys: vec![0; self.rows()],
                values: vec![value.as_str()],
            })),
            ColumnSource::Absent => Ok(None),
        }
    }

    /// An id column; `None` when absent.
    pub fn ids(&self, index: usize) -> Result<Option<IdColumn<'a>>, IngestError> {
        match &self.sources[index] {
            ColumnSource::Batch(position) => id_column(self.batch.column(*position).as_ref())
                .map(Some)
                .ok_or_else(|| self.wrong_type(*position, "text or integer")),
            ColumnSource::Partition(value) => Ok(Some(IdColumn::Text(vec![
                Some(value.as_str());
                self.rows()
            ]))),
            ColumnSource::Absent => Ok(None),
        }
    }

    /// A timestamp column; `None` when absent.
    pub fn instants(&self, index: usize) -> Result<Option<Instants>, IngestError> {
        match &self.sources[index] {
            ColumnSource::Batch(position) => instants(self.batch.column(*position).as_ref())
                .map(Some)
                .ok_or_else(|| self.wrong_type(*position, "a timestamp with a known time zone")),
            ColumnSource::Partition(value) => {
                let array = arrow_array::StringArray::from(vec![value.as_str(); self.rows()]);
                Ok(instants(&array))
            }
            ColumnSource::Absent => Ok(None),
        }
    }
}

/// What each (force, code) pair of a batch maps to, worked out once per distinct pair: codes are
/// mapped per force, and a batch holds few distinct forces and codes.
pub(crate) struct CodeLookup {
    table: Vec<Vec<u32>>,
}

/// A pair not yet worked out.
const UNSET: u32 = u32::MAX - 1;
/// A code the rules do not know.
pub(crate) const UNKNOWN: u32 = u32::MAX - 2;

impl CodeLookup {
    pub fn new(forces: usize, codes: usize) -> Self {
        CodeLookup {
            table: vec![vec![UNSET; codes]; forces],
        }
    }

    /// The interned code for the pair, computing it with `work_out` the first time.
    pub fn get(&mut self, force_key: u32, code_key: u32, work_out: impl FnOnce() -> u32) -> u32 {
        let slot = &mut self.table[force_key as usize][code_key as usize];
        if *slot == UNSET {
            *slot = work_out();
        }
        *slot
    }
}
