#![allow(clippy::unwrap_used, missing_docs)]
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).unwrap();
    println!(
        "file schema: {:?}",
        meta.schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect::<Vec<_>>()
    );
    let rg = meta.metadata().row_group(0);
    for c in rg.columns() {
        println!(
            "{} encodings {:?}",
            c.column_path(),
            c.encodings().collect::<Vec<_>>()
        );
    }
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let _ = reader;
}
