//! Decoding one Arrow column into what aggregation needs, whatever its physical form:
//! - code columns (call types, offence codes, BCUs) become per-row keys into a small table of
//!   distinct values, so aggregation works on dictionary keys and never builds a string per row;
//! - id columns become 64-bit hashes (strings or integers, hashed through their text so that an
//!   integer `incident_id` in one table matches a string one in the other);
//! - timestamp columns become UTC instants plus wall-clock times in the column's zone.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::timezone::Tz;
use arrow_array::types::{
    Date32Type, Date64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType, LargeStringArray, StringArray, StringViewArray};
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset, TimeZone};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Key of a null (or empty) value in a [`CodeColumn`].
pub(crate) const NULL_KEY: u32 = u32::MAX;

/// Per-row keys into the column's distinct values.
pub(crate) struct CodeColumn<'a> {
    /// One key per row; [`NULL_KEY`] for null or empty.
    pub keys: Vec<u32>,
    /// The distinct values the keys index.
    pub values: Vec<&'a str>,
}

/// Whether a type can be read as text (codes, names).
pub(crate) fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, value) => is_text(value),
        _ => false,
    }
}

/// Whether a type can hold ids: text or integers.
pub(crate) fn is_id(data_type: &DataType) -> bool {
    is_text(data_type) || data_type.is_integer()
}

/// Whether a type can hold timestamps: timestamps of any unit and zone, dates, or text.
pub(crate) fn is_timestamp(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
    ) || is_text(data_type)
}

/// Every row of a text array as `Option<&str>`; `None` if the array is not text.
fn text_rows(array: &dyn Array) -> Option<Vec<Option<&str>>> {
    if let Some(a) = array.as_string_opt::<i32>() {
        return Some(a.iter().collect());
    }
    if let Some(a) = array.as_string_opt::<i64>() {
        return Some(a.iter().collect());
    }
    array.as_string_view_opt().map(|a| a.iter().collect())
}

/// Reads a text column as keys and distinct values.
pub(crate) fn code_column(array: &dyn Array) -> Option<CodeColumn<'_>> {
    if let Some(dict) = array.as_any_dictionary_opt() {
        let values = text_rows(dict.values().as_ref())?;
        if values.is_empty() {
            return Some(CodeColumn {
                keys: vec![NULL_KEY; array.len()],
                values: Vec::new(),
            });
        }
        // Whether each dictionary value is usable, decided once per value, not per row.
        let usable: Vec<bool> = values
            .iter()
            .map(|v| v.is_some_and(|v| !v.trim().is_empty()))
            .collect();
        let nulls = dict.keys().logical_nulls();
        let keys = dict
            .normalized_keys()
            .into_iter()
            .enumerate()
            .map(|(row, key)| {
                let null_row = nulls.as_ref().is_some_and(|n| n.is_null(row));
                if usable[key] && !null_row {
                    key as u32
                } else {
                    NULL_KEY
                }
            })
            .collect();
        let values = values.into_iter().map(|v| v.unwrap_or("")).collect();
        return Some(CodeColumn { keys, values });
    }
    let rows = text_rows(array)?;
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut values = Vec::new();
    let keys = rows
        .into_iter()
        .map(|row| match row {
            Some(v) if !v.trim().is_empty() => *index.entry(v).or_insert_with(|| {
                values.push(v);
                values.len() as u32 - 1
            }),
            _ => NULL_KEY,
        })
        .collect();
    Some(CodeColumn { keys, values })
}

/// The hashing seed of a force: ids are unique only within their force, so the force is part
/// of the key of every id hash.
pub(crate) fn force_seed(force_id: &str) -> u64 {
    xxh3_64_with_seed(force_id.as_bytes(), 0x0072_6563_6f75_6e74)
}

/// Hash of an id within its force, ignoring surrounding white space (checked at the edges
/// only: ids almost never have any, and this runs for every row).
pub(crate) fn id_hash(seed: u64, id: &str) -> u64 {
    let bytes = id.as_bytes();
    let padded = bytes.first().is_some_and(u8::is_ascii_whitespace)
        || bytes.last().is_some_and(u8::is_ascii_whitespace);
    let id = if padded { id.trim() } else { id };
    xxh3_64_with_seed(id.as_bytes(), seed)
}

/// Whether an id is missing: empty, or only white space.
fn blank(id: &str) -> bool {
    id.is_empty() || (id.as_bytes()[0].is_ascii_whitespace() && id.trim().is_empty())
}

/// An id column: text (any encoding) or integers. Plain text arrays are read in place, row by
/// row: ids are distinct, so there is nothing to gain from a table of values, and copying tens
/// of millions of them out first would cost a pass over memory.
pub(crate) enum IdColumn<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    View(&'a StringViewArray),
    /// Dictionary-encoded or partition text, one entry per row.
    Text(Vec<Option<&'a str>>),
    Integer(Vec<Option<i128>>),
}

impl IdColumn<'_> {
    /// The row's id if it is text and not null.
    fn str(&self, row: usize) -> Option<&str> {
        match self {
            IdColumn::Utf8(a) => a.is_valid(row).then(|| a.value(row)),
            IdColumn::LargeUtf8(a) => a.is_valid(row).then(|| a.value(row)),
            IdColumn::View(a) => a.is_valid(row).then(|| a.value(row)),
            IdColumn::Text(rows) => rows[row],
            IdColumn::Integer(_) => None,
        }
    }

    /// The row's id hashed with `seed`, or `None` for a null or empty id.
    pub fn hash(&self, row: usize, seed: u64) -> Option<u64> {
        match self {
            IdColumn::Integer(rows) => rows[row].map(|v| id_hash(seed, &v.to_string())),
            _ => self
                .str(row)
                .filter(|v| !blank(v))
                .map(|v| id_hash(seed, v)),
        }
    }

    /// The row's id as text, for examples in the data-quality summary and the review sample.
    pub fn text(&self, row: usize) -> Option<String> {
        match self {
            IdColumn::Integer(rows) => rows[row].map(|v| v.to_string()),
            _ => self.str(row).map(str::to_string),
        }
    }
}

fn integer_rows<T: ArrowPrimitiveType>(array: &dyn Array) -> Option<Vec<Option<i128>>>
where
    T::Native: Into<i128>,
{
    array
        .as_primitive_opt::<T>()
        .map(|a| a.iter().map(|v| v.map(Into::into)).collect())
}

/// Reads an id column; `None` if the type cannot hold ids.
pub(crate) fn id_column(array: &dyn Array) -> Option<IdColumn<'_>> {
    if let Some(dict) = array.as_any_dictionary_opt() {
        let values = text_rows(dict.values().as_ref())?;
        if values.is_empty() {
            return Some(IdColumn::Text(vec![None; array.len()]));
        }
        let nulls = dict.keys().logical_nulls();
        let rows = dict
            .normalized_keys()
            .into_iter()
            .enumerate()
            .map(|(row, key)| {
                if nulls.as_ref().is_some_and(|n| n.is_null(row)) {
                    None
                } else {
                    values[key]
                }
            })
            .collect();
        return Some(IdColumn::Text(rows));
    }
    if let Some(a) = array.as_string_opt::<i32>() {
        return Some(IdColumn::Utf8(a));
    }
    if let Some(a) = array.as_string_opt::<i64>() {
        return Some(IdColumn::LargeUtf8(a));
    }
    if let Some(a) = array.as_string_view_opt() {
        return Some(IdColumn::View(a));
    }
    let ints = integer_rows::<Int64Type>(array)
        .or_else(|| integer_rows::<Int32Type>(array))
        .or_else(|| integer_rows::<Int16Type>(array))
        .or_else(|| integer_rows::<Int8Type>(array))
        .or_else(|| integer_rows::<UInt64Type>(array))
        .or_else(|| integer_rows::<UInt32Type>(array))
        .or_else(|| integer_rows::<UInt16Type>(array))
        .or_else(|| integer_rows::<UInt8Type>(array))?;
    Some(IdColumn::Integer(ints))
}

/// The state of one timestamp value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InstantState {
    Valid,
    Null,
    Unparseable,
}

/// A decoded timestamp column: for each row, the instant (UTC microseconds) for durations, and
/// the wall-clock time in the column's zone (microseconds) for months and days of the month.
pub(crate) struct Instants {
    pub utc: Vec<i64>,
    pub wall: Vec<i64>,
    pub state: Vec<InstantState>,
    /// The text of values that could not be read, by row, for examples.
    unreadable: HashMap<usize, String>,
}

impl Instants {
    fn with_capacity(n: usize) -> Self {
        Instants {
            utc: Vec::with_capacity(n),
            wall: Vec::with_capacity(n),
            state: Vec::with_capacity(n),
            unreadable: HashMap::new(),
        }
    }

    fn push(&mut self, utc: i64, wall: i64, state: InstantState) {
        self.utc.push(utc);
        self.wall.push(wall);
        self.state.push(state);
    }

    /// The raw value of a row as text, for examples.
    pub fn describe(&self, row: usize) -> String {
        match self.state[row] {
            InstantState::Null => String::new(),
            InstantState::Unparseable => self.unreadable.get(&row).cloned().unwrap_or_default(),
            InstantState::Valid => DateTime::from_timestamp_micros(self.utc[row])
                .map(|d| d.to_rfc3339())
                .unwrap_or_else(|| format!("{} us", self.utc[row])),
        }
    }
}

/// Offsets of a time zone, memoised per quarter hour: every zone in use changes its offset on a
/// quarter-hour boundary, and rows come roughly in time order, so one lookup serves many rows.
struct ZoneOffsets {
    zone: Tz,
    bucket: i64,
    offset_micros: i64,
}

impl ZoneOffsets {
    const BUCKET_SECONDS: i64 = 900;

    fn new(zone: Tz) -> Self {
        ZoneOffsets {
            zone,
            bucket: i64::MIN,
            offset_micros: 0,
        }
    }

    fn offset(&mut self, utc_micros: i64) -> i64 {
        let bucket = utc_micros.div_euclid(1_000_000 * Self::BUCKET_SECONDS);
        if bucket != self.bucket {
            let naive = DateTime::from_timestamp_micros(utc_micros)
                .map(|d| d.naive_utc())
                .unwrap_or_default();
            let seconds = self
                .zone
                .offset_from_utc_datetime(&naive)
                .fix()
                .local_minus_utc();
            self.bucket = bucket;
            self.offset_micros = i64::from(seconds) * 1_000_000;
        }
        self.offset_micros
    }
}

/// Whether a time zone name means UTC (so no conversion is needed).
fn is_utc(zone: &str) -> bool {
    matches!(
        zone.trim(),
        "UTC" | "utc" | "Z" | "+00:00" | "+0000" | "Etc/UTC" | "GMT" | "Etc/GMT" | "UCT" | "Zulu"
    )
}

fn decode_primitive<T: ArrowPrimitiveType<Native = i64>>(
    array: &dyn Array,
    to_micros: impl Fn(i64) -> Option<i64>,
    zone: Option<&str>,
) -> Option<Instants> {
    let a = array.as_primitive_opt::<T>()?;
    let mut zone_offsets = zone
        .filter(|z| !is_utc(z))
        .and_then(|z| z.parse::<Tz>().ok())
        .map(ZoneOffsets::new);
    let mut out = Instants::with_capacity(a.len());
    for value in a.iter() {
        match value.map(&to_micros) {
            None => out.push(0, 0, InstantState::Null),
            Some(None) => out.push(0, 0, InstantState::Unparseable),
            Some(Some(utc)) => {
                let offset = zone_offsets.as_mut().map_or(0, |z| z.offset(utc));
                out.push(utc, utc + offset, InstantState::Valid);
            }
        }
    }
    Some(out)
}

/// Reads a timestamp column. `None` if the type cannot hold timestamps, or the zone is not a
/// zone (the caller reports the column's type).
pub(crate) fn instants(array: &dyn Array) -> Option<Instants> {
    match array.data_type() {
        DataType::Timestamp(unit, zone) => {
            let zone = zone.as_deref();
            if let Some(z) = zone
                && !is_utc(z)
                && z.parse::<Tz>().is_err()
            {
                return None;
            }
            match unit {
                TimeUnit::Second => decode_primitive::<TimestampSecondType>(
                    array,
                    |v| v.checked_mul(1_000_000),
                    zone,
                ),
                TimeUnit::Millisecond => decode_primitive::<TimestampMillisecondType>(
                    array,
                    |v| v.checked_mul(1_000),
                    zone,
                ),
                TimeUnit::Microsecond => {
                    decode_primitive::<TimestampMicrosecondType>(array, Some, zone)
                }
                TimeUnit::Nanosecond => decode_primitive::<TimestampNanosecondType>(
                    array,
                    |v| Some(v.div_euclid(1_000)),
                    zone,
                ),
            }
        }
        DataType::Date64 => decode_primitive::<Date64Type>(array, |v| v.checked_mul(1_000), None),
        DataType::Date32 => {
            let a = array.as_primitive_opt::<Date32Type>()?;
            let mut out = Instants::with_capacity(a.len());
            for value in a.iter() {
                match value {
                    None => out.push(0, 0, InstantState::Null),
                    Some(days) => {
                        let utc = i64::from(days) * 86_400_000_000;
                        out.push(utc, utc, InstantState::Valid);
                    }
                }
            }
            Some(out)
        }
        _ => text_instants(array),
    }
}

fn text_instants(array: &dyn Array) -> Option<Instants> {
    let column = code_column(array)?;
    // Parse each distinct text once: exports often repeat timestamps (dates especially).
    let parsed: Vec<Option<(i64, i64)>> =
        column.values.iter().map(|v| parse_timestamp(v)).collect();
    let mut out = Instants::with_capacity(column.keys.len());
    for (row, key) in column.keys.into_iter().enumerate() {
        if key == NULL_KEY {
            out.push(0, 0, InstantState::Null);
        } else {
            match parsed[key as usize] {
                Some((utc, wall)) => out.push(utc, wall, InstantState::Valid),
                None => {
                    out.push(0, 0, InstantState::Unparseable);
                    out.unreadable
                        .insert(row, column.values[key as usize].to_string());
                }
            }
        }
    }
    Some(out)
}

/// Parses a timestamp written as text: RFC 3339 / ISO 8601 with an offset (the wall clock is the
/// written local time), or without one (UTC, as the contract says), with a space or `T`, with or
/// without fractional seconds, or a bare date. Returns (UTC micros, wall-clock micros).
pub(crate) fn parse_timestamp(text: &str) -> Option<(i64, i64)> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%z"))
    {
        let utc = dt.timestamp_micros();
        return Some((utc, dt.naive_local().and_utc().timestamp_micros()));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            let micros = naive.and_utc().timestamp_micros();
            return Some((micros, micros));
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let micros = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
    Some((micros, micros))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{
        DictionaryArray, Int64Array, LargeStringArray, StringArray, StringViewArray,
        TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
    };

    use super::*;

    fn keys_as_text(column: &CodeColumn) -> Vec<Option<String>> {
        column
            .keys
            .iter()
            .map(|&k| (k != NULL_KEY).then(|| column.values[k as usize].to_string()))
            .collect()
    }

    #[test]
    fn every_string_encoding_gives_the_same_codes() {
        let rows = vec![
            Some("ASSAULT"),
            None,
            Some("ASB"),
            Some("ASSAULT"),
            Some(" "),
        ];
        let expected: Vec<Option<String>> = vec![
            Some("ASSAULT".into()),
            None,
            Some("ASB".into()),
            Some("ASSAULT".into()),
            None,
        ];
        let utf8 = StringArray::from(rows.clone());
        let large = LargeStringArray::from(rows.clone());
        let view = StringViewArray::from(rows.clone());
        let dict: DictionaryArray<Int32Type> = rows.clone().into_iter().collect();
        let dict8: DictionaryArray<Int8Type> = rows.clone().into_iter().collect();
        let arrays: [&dyn Array; 5] = [&utf8, &large, &view, &dict, &dict8];
        for array in arrays {
            let column = code_column(array).unwrap();
            assert_eq!(keys_as_text(&column), expected, "{:?}", array.data_type());
        }
        assert!(code_column(&Int64Array::from(vec![1])).is_none());
    }

    #[test]
    fn integer_and_text_ids_hash_alike() {
        let seed = force_seed("F1");
        let ints = Int64Array::from(vec![Some(42), None]);
        let text = StringArray::from(vec![Some("42"), Some("")]);
        let (a, b) = (id_column(&ints).unwrap(), id_column(&text).unwrap());
        assert_eq!(a.hash(0, seed), b.hash(0, seed));
        assert!(a.hash(1, seed).is_none() && b.hash(1, seed).is_none());
        assert_ne!(a.hash(0, seed), a.hash(0, force_seed("F2")));
    }

    #[test]
    fn every_unit_gives_the_same_instant() {
        let second = 1_650_000_000i64;
        let s = TimestampSecondArray::from(vec![second]);
        let ms = TimestampMillisecondArray::from(vec![second * 1000]);
        let ns = TimestampNanosecondArray::from(vec![second * 1_000_000_000]);
        let text = StringArray::from(vec!["2022-04-15T05:20:00Z"]);
        for array in [&s as &dyn Array, &ms, &ns, &text] {
            let decoded = instants(array).unwrap();
            assert_eq!(
                decoded.utc[0],
                second * 1_000_000,
                "{:?}",
                array.data_type()
            );
            assert_eq!(decoded.state[0], InstantState::Valid);
        }
    }

    #[test]
    fn zoned_timestamps_keep_their_local_wall_clock() {
        // 2022-06-30 23:30 UTC is 2022-07-01 00:30 in London (BST).
        let utc = NaiveDate::from_ymd_opt(2022, 6, 30)
            .unwrap()
            .and_hms_opt(23, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        let array =
            TimestampMillisecondArray::from(vec![utc]).with_timezone(Arc::from("Europe/London"));
        let decoded = instants(&array).unwrap();
        assert_eq!(decoded.utc[0], utc * 1000);
        assert_eq!(decoded.wall[0] - decoded.utc[0], 3_600_000_000);
        let plus_one =
            TimestampMillisecondArray::from(vec![utc]).with_timezone(Arc::from("+01:00"));
        assert_eq!(instants(&plus_one).unwrap().wall[0], decoded.wall[0]);
        let bad_zone =
            TimestampMillisecondArray::from(vec![utc]).with_timezone(Arc::from("Mars/Olympus"));
        assert!(instants(&bad_zone).is_none());
    }

    #[test]
    fn text_timestamps_parse_common_forms_and_flag_garbage() {
        let array = StringArray::from(vec![
            Some("2022-01-31 23:30:00"),
            Some("2022-02-01T00:30:00+01:00"),
            Some("2022-01-31"),
            Some("31/01/2022"),
            None,
        ]);
        let decoded = instants(&array).unwrap();
        assert_eq!(decoded.state[3], InstantState::Unparseable);
        assert_eq!(decoded.state[4], InstantState::Null);
        assert_eq!(decoded.utc[0], decoded.utc[1]);
        assert_ne!(decoded.wall[0], decoded.wall[1]);
        assert_eq!(
            decoded.utc[2] + 23 * 3_600_000_000 + 1_800_000_000,
            decoded.utc[0]
        );
    }
}
