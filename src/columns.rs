//! Reading Arrow columns by name into plain vectors, whatever their exact type.
//!
//! In: record batches (derived tables of detection, output files of the report) and a column
//! name. Out: the column's values across the batches as `Vec<Option<_>>` of text, integers or
//! floats, cast from whatever type the column has (a string view, a narrower integer, a
//! timestamp read as microseconds). A missing or uncastable column is a [`ColumnError`] that
//! names it. One implementation for the verdicts, the events and the report.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};

/// A column that is missing or cannot be read as asked.
#[derive(Debug, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ColumnError {
    pub column: String,
    pub message: String,
}

fn cast(batches: &[RecordBatch], name: &str, to: &DataType) -> Result<Vec<ArrayRef>, ColumnError> {
    let err = |message: String| ColumnError { column: name.into(), message };
    batches
        .iter()
        .map(|b| {
            let c = b.column_by_name(name).ok_or_else(|| err("missing".into()))?;
            arrow::compute::cast(c, to).map_err(|e| err(e.to_string()))
        })
        .collect()
}

/// A text column of each batch as a `Utf8` array, to read without copying each value out.
pub fn utf8_arrays(batches: &[RecordBatch], name: &str) -> Result<Vec<ArrayRef>, ColumnError> {
    cast(batches, name, &DataType::Utf8)
}

/// Text values (NULL as `None`).
pub fn strings(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<String>>, ColumnError> {
    let cols = cast(batches, name, &DataType::Utf8)?;
    Ok(cols
        .iter()
        .flat_map(|c| {
            let s = c.as_string::<i32>().clone();
            (0..s.len()).map(move |i| (!s.is_null(i)).then(|| s.value(i).to_string()))
        })
        .collect())
}

/// Integer values (timestamps as their microseconds).
pub fn ints(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<i64>>, ColumnError> {
    let cols = cast(batches, name, &DataType::Int64)?;
    Ok(cols
        .iter()
        .flat_map(|c| {
            let a = c.as_primitive::<Int64Type>().clone();
            (0..a.len()).map(move |i| (!a.is_null(i)).then(|| a.value(i)))
        })
        .collect())
}

/// Float values.
pub fn floats(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<f64>>, ColumnError> {
    let cols = cast(batches, name, &DataType::Float64)?;
    Ok(cols
        .iter()
        .flat_map(|c| {
            let a = c.as_primitive::<Float64Type>().clone();
            (0..a.len()).map(move |i| (!a.is_null(i)).then(|| a.value(i)))
        })
        .collect())
}

/// Unsigned 32-bit values (ASNs); values that do not fit are an error.
pub fn u32s(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<u32>>, ColumnError> {
    ints(batches, name)?
        .into_iter()
        .map(|v| match v {
            None => Ok(None),
            Some(x) => u32::try_from(x).map(Some).map_err(|_| ColumnError { column: name.into(), message: format!("{x} is not a u32") }),
        })
        .collect()
}

/// Boolean values.
pub fn bools(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<bool>>, ColumnError> {
    let cols = cast(batches, name, &DataType::Boolean)?;
    Ok(cols
        .iter()
        .flat_map(|c| {
            let a = c.as_boolean().clone();
            (0..a.len()).map(move |i| (!a.is_null(i)).then(|| a.value(i)))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringViewArray, TimestampMicrosecondArray};
    use arrow::datatypes::{Field, Schema};
    use std::sync::Arc;

    #[test]
    fn reads_across_batches_and_types_and_names_what_is_missing() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Utf8View, true),
            Field::new("n", DataType::Int32, true),
            Field::new("t", DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, Some("UTC".into())), false),
        ]));
        let b = |a: Vec<Option<&str>>, n: Vec<Option<i32>>, t: Vec<i64>| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringViewArray::from(a)),
                    Arc::new(Int32Array::from(n)),
                    Arc::new(TimestampMicrosecondArray::from(t).with_timezone("UTC")),
                ],
            )
            .unwrap()
        };
        let batches = [b(vec![Some("x"), None], vec![Some(1), Some(-1)], vec![5, 6]), b(vec![Some("y")], vec![None], vec![7])];
        assert_eq!(strings(&batches, "a").unwrap(), [Some("x".into()), None, Some("y".into())]);
        assert_eq!(ints(&batches, "t").unwrap(), [Some(5), Some(6), Some(7)]);
        assert_eq!(floats(&batches, "n").unwrap(), [Some(1.0), Some(-1.0), None]);
        assert!(u32s(&batches, "n").is_err(), "-1 is not a u32");
        assert_eq!(strings(&batches, "nope").unwrap_err().to_string(), "column nope: missing");
    }
}
