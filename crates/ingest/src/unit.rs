//! A unit of reading work: one row group of a Parquet file, or one record batch already in
//! memory. The scanners see only batches and their columns, so both go through the same code.

use std::path::Path;

use arrow_array::RecordBatch;
use recount_cube::Table;

use crate::columns::BatchColumns;
use crate::error::IngestError;
use crate::schema::{ColumnSource, FilePlan};

/// One task's share of a table.
pub(crate) enum Unit<'a> {
    /// A row group of a planned file.
    RowGroup {
        plan: &'a FilePlan,
        row_group: usize,
    },
    /// A batch in memory whose columns are in the table's spec order.
    Batch {
        batch: &'a RecordBatch,
        sources: &'a [ColumnSource],
        name: &'a Path,
        table: Table,
    },
}

/// Where a batch sits, for the examples of the data-quality summary.
#[derive(Clone, Copy)]
pub(crate) struct BatchPlace<'a> {
    pub file: &'a str,
    pub row_group: Option<usize>,
    pub first_row: u64,
}

impl Unit<'_> {
    /// The table the unit belongs to.
    pub fn table(&self) -> Table {
        match self {
            Unit::RowGroup { plan, .. } => plan.table,
            Unit::Batch { table, .. } => *table,
        }
    }

    /// Rows in the unit.
    pub fn rows(&self) -> u64 {
        match self {
            Unit::RowGroup { plan, row_group } => plan.row_group_rows(*row_group),
            Unit::Batch { batch, .. } => batch.num_rows() as u64,
        }
    }

    /// Calls `each` with every batch of the unit.
    pub fn for_each_batch(
        &self,
        mut each: impl FnMut(&BatchColumns, BatchPlace) -> Result<(), IngestError>,
    ) -> Result<(), IngestError> {
        match self {
            Unit::RowGroup { plan, row_group } => {
                let file = plan.file.path.display().to_string();
                plan.read_row_group(*row_group, |batch, first_row| {
                    let columns = BatchColumns {
                        batch,
                        sources: &plan.sources,
                        path: &plan.file.path,
                        table: plan.table,
                    };
                    let place = BatchPlace {
                        file: &file,
                        row_group: Some(*row_group),
                        first_row,
                    };
                    each(&columns, place)
                })
            }
            Unit::Batch {
                batch,
                sources,
                name,
                table,
            } => {
                let file = name.display().to_string();
                let columns = BatchColumns {
                    batch,
                    sources,
                    path: name,
                    table: *table,
                };
                let place = BatchPlace {
                    file: &file,
                    row_group: None,
                    first_row: 0,
                };
                each(&columns, place)
            }
        }
    }
}
