//! Typed access to the fields of a JSON object, with errors that name the field.
//!
//! In: a `serde_json` object. Out: the value of a field as the type asked for, `None` when the
//! field is absent or `null`, or an error such as `prb_id: expected an unsigned integer, got
//! "abc"` when it holds something else. Numbers written as strings of digits are accepted
//! where an integer is asked for (some exports quote them).

use serde_json::{Map, Value};
use std::net::IpAddr;

pub type Obj = Map<String, Value>;

fn shown(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > 40 {
        let mut cut = 40;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// The field, unless absent or `null`.
pub fn field<'a>(o: &'a Obj, key: &str) -> Option<&'a Value> {
    o.get(key).filter(|v| !v.is_null())
}

/// An unsigned integer field.
pub fn u64_field(o: &Obj, key: &str) -> Result<Option<u64>, String> {
    let Some(v) = field(o, key) else {
        return Ok(None);
    };
    if let Some(n) = v.as_u64() {
        return Ok(Some(n));
    }
    if let Some(f) = v.as_f64()
        && f >= 0.0
        && f.fract() == 0.0
        && f < 1.8e19
    {
        return Ok(Some(f as u64));
    }
    if let Some(n) = v.as_str().and_then(|s| s.trim().parse::<u64>().ok()) {
        return Ok(Some(n));
    }
    Err(format!("{key}: expected an unsigned integer, got {}", shown(v)))
}

/// A number field (integer or float).
pub fn f64_field(o: &Obj, key: &str) -> Result<Option<f64>, String> {
    let Some(v) = field(o, key) else {
        return Ok(None);
    };
    match v.as_f64() {
        Some(f) if f.is_finite() => Ok(Some(f)),
        _ => match v.as_str().and_then(|s| s.trim().parse::<f64>().ok()) {
            Some(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(format!("{key}: expected a number, got {}", shown(v))),
        },
    }
}

/// A string field.
pub fn str_field<'a>(o: &'a Obj, key: &str) -> Result<Option<&'a str>, String> {
    let Some(v) = field(o, key) else {
        return Ok(None);
    };
    v.as_str().map(Some).ok_or_else(|| format!("{key}: expected a string, got {}", shown(v)))
}

/// An address field; an empty string counts as absent (Atlas writes `"from": ""` when the
/// controller did not know the probe's address).
pub fn addr_field(o: &Obj, key: &str) -> Result<Option<IpAddr>, String> {
    match str_field(o, key)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => super::parse_addr(s).map(Some).ok_or_else(|| format!("{key}: {s:?} is not an IP address")),
    }
}

/// An array field.
pub fn array_field<'a>(o: &'a Obj, key: &str) -> Result<Option<&'a Vec<Value>>, String> {
    let Some(v) = field(o, key) else {
        return Ok(None);
    };
    v.as_array().map(Some).ok_or_else(|| format!("{key}: expected an array, got {}", shown(v)))
}

/// The first of several field names that is present (old and new firmware spellings).
pub fn first_key<'a>(o: &Obj, keys: &[&'a str]) -> Option<&'a str> {
    keys.iter().copied().find(|k| field(o, k).is_some())
}

/// A `{"sec": .., "usec": ..}` object as UTC microseconds.
pub fn sec_usec_field(o: &Obj, key: &str) -> Result<Option<i64>, String> {
    let Some(v) = field(o, key) else {
        return Ok(None);
    };
    let Some(t) = v.as_object() else {
        return Err(format!("{key}: expected {{\"sec\", \"usec\"}}, got {}", shown(v)));
    };
    let sec = u64_field(t, "sec").map_err(|e| format!("{key}.{e}"))?.unwrap_or(0);
    let usec = u64_field(t, "usec").map_err(|e| format!("{key}.{e}"))?.unwrap_or(0);
    let sec = i64::try_from(sec).map_err(|_| format!("{key}.sec: out of range"))?;
    let usec = i64::try_from(usec).map_err(|_| format!("{key}.usec: out of range"))?;
    Ok(Some(super::ts_from_sec_usec(sec, usec)))
}

/// Narrows an integer to a smaller type, naming the field when it does not fit.
pub fn narrow<T: TryFrom<u64>>(v: Option<u64>, key: &str) -> Result<Option<T>, String> {
    v.map(|n| T::try_from(n).map_err(|_| format!("{key}: {n} out of range"))).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_typed_and_errors_name_them() {
        let v = json!({"a": 5, "b": "7", "c": "x", "d": 1.5, "e": null, "f": "", "g": "::ffff:10.0.0.1", "t": {"sec": 2, "usec": 3}});
        let o = v.as_object().unwrap();
        assert_eq!(u64_field(o, "a"), Ok(Some(5)));
        assert_eq!(u64_field(o, "b"), Ok(Some(7)));
        assert!(u64_field(o, "c").unwrap_err().starts_with("c: expected an unsigned integer"));
        assert!(u64_field(o, "d").is_err());
        assert_eq!(u64_field(o, "e"), Ok(None));
        assert_eq!(f64_field(o, "d"), Ok(Some(1.5)));
        assert_eq!(addr_field(o, "f"), Ok(None));
        assert_eq!(addr_field(o, "g").unwrap().unwrap().to_string(), "10.0.0.1");
        assert!(addr_field(o, "c").is_err());
        assert_eq!(sec_usec_field(o, "t"), Ok(Some(2_000_003)));
        assert_eq!(narrow::<u8>(Some(300), "ttl"), Err("ttl: 300 out of range".into()));
        assert_eq!(first_key(o, &["zz", "b", "a"]), Some("b"));
    }
}
