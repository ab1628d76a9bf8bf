//! The written files read back with the contract's names and types, and the side files
//! (truth.json, audit.toml) read back too.

#![allow(clippy::unwrap_used)]

use std::fs::{self, File};
use std::path::Path;

use arrow_array::{Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Encoding;
use recount_cube::AuditConfig;
use recount_synth::{
    ParquetCompression, Scenario, SynthConfig, TimestampUnit, Truth, WriteOptions, generate,
    write_dataset,
};

fn read(path: &Path) -> (Vec<RecordBatch>, parquet::file::metadata::ParquetMetaData) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let metadata = builder.metadata().as_ref().clone();
    let batches = builder.build().unwrap().map(Result::unwrap).collect();
    (batches, metadata)
}

fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

#[test]
fn files_follow_the_contract() {
    let scenario = Scenario::from_config(&SynthConfig::tiny(2, 3, 4)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = WriteOptions {
        row_group_rows: 2_000,
        ..WriteOptions::default()
    };
    let truth = write_dataset(&scenario, dir.path(), &options).unwrap();
    let in_memory = generate(&scenario).unwrap();
    assert_eq!(truth, in_memory.truth, "writing and generating agree");

    for force in &truth.forces {
        let partition = format!("force_id={}", force.force_id);
        let incidents = dir
            .path()
            .join("incidents")
            .join(&partition)
            .join("part-0.parquet");
        let (batches, metadata) = read(&incidents);
        assert_eq!(rows(&batches) as u64, force.incidents);
        let schema = batches[0].schema();
        let expected = [
            ("incident_id", DataType::Utf8, false),
            ("force_id", DataType::Utf8, false),
            ("opened_at", utc_micros(), false),
            ("call_type", DataType::Utf8, false),
            ("closing_code", DataType::Utf8, true),
            ("bcu", DataType::Utf8, true),
        ];
        for (field, (name, data_type, nullable)) in schema.fields().iter().zip(&expected) {
            assert_eq!(field.name(), name);
            assert_eq!(field.data_type(), data_type, "{name}");
            assert_eq!(field.is_nullable(), *nullable, "{name}");
        }
        for row_group in metadata.row_groups() {
            assert!(row_group.num_rows() <= 2_000);
            let encodings = |i: usize| row_group.column(i).encodings().collect::<Vec<_>>();
            assert!(
                !encodings(0).contains(&Encoding::RLE_DICTIONARY),
                "ids: no dictionary"
            );
            assert!(
                encodings(3).contains(&Encoding::RLE_DICTIONARY),
                "call_type: dictionary"
            );
        }
        let ids = batches[0]
            .column(1)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert!(ids.iter().all(|id| id == Some(force.force_id.as_str())));
        let opened = batches[0]
            .column(2)
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap();
        assert!(
            opened.values().windows(2).all(|w| w[0] <= w[1]),
            "time order"
        );

        let crimes = dir
            .path()
            .join("crimes")
            .join(&partition)
            .join("part-0.parquet");
        let (batches, _) = read(&crimes);
        assert_eq!(rows(&batches) as u64, force.crimes);
        let names: Vec<String> = batches[0]
            .schema()
            .fields()
            .iter()
            .map(|f| format!("{}:{}:{}", f.name(), f.data_type(), f.is_nullable()))
            .collect();
        let ts = utc_micros().to_string();
        assert_eq!(
            names,
            vec![
                "crime_id:Utf8:false".to_string(),
                "force_id:Utf8:false".into(),
                "incident_id:Utf8:true".into(),
                format!("reported_at:{ts}:false"),
                format!("recorded_at:{ts}:false"),
                "offence_initial:Utf8:false".into(),
                "offence_final:Utf8:false".into(),
                format!("reclassified_at:{ts}:true"),
                format!("cancelled_at:{ts}:true"),
                "cancel_reason:Utf8:true".into(),
                "bcu:Utf8:true".into(),
            ]
        );
    }

    let text = fs::read_to_string(dir.path().join("truth.json")).unwrap();
    let parsed: Truth = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, truth);
    let audit = fs::read_to_string(dir.path().join("audit.toml")).unwrap();
    let config = AuditConfig::from_toml_str(&audit).unwrap();
    assert_eq!(config.targets, scenario.national.targets);
    let targeted: Vec<&str> = truth
        .forces
        .iter()
        .filter(|f| f.targeted)
        .map(|f| f.force_id.as_str())
        .collect();
    assert_eq!(
        config.targets[0]
            .forces
            .as_ref()
            .unwrap()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        targeted
    );
    assert!(audit.contains("start = \""), "{audit}");
}

#[test]
fn options_drop_force_id_and_change_units() {
    let scenario = Scenario::from_config(&SynthConfig::tiny(4, 2, 2)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = WriteOptions {
        include_force_id: false,
        timestamps: TimestampUnit::MillisecondNaive,
        compression: ParquetCompression::Snappy,
        ..WriteOptions::default()
    };
    let truth = write_dataset(&scenario, dir.path(), &options).unwrap();
    let force = &truth.forces[0];
    let path = dir
        .path()
        .join("crimes")
        .join(format!("force_id={}", force.force_id))
        .join("part-0.parquet");
    let (batches, _) = read(&path);
    let schema = batches[0].schema();
    assert!(schema.field_with_name("force_id").is_err());
    assert_eq!(
        schema.field_with_name("recorded_at").unwrap().data_type(),
        &DataType::Timestamp(TimeUnit::Millisecond, None)
    );
    let reclassified = schema.index_of("reclassified_at").unwrap();
    assert!(
        batches
            .iter()
            .any(|b| b.column(reclassified).null_count() > 0)
    );
}
