//! `prefix_trunc(prefix_or_address, len) -> text`: the prefix of length `len` that contains a
//! prefix or address (`198.18.13.0/24`, 23 -> `198.18.12.0/23`; `2001:db8::1`, 32 ->
//! `2001:db8::/32`), written the way the lake writes prefixes.
//!
//! In: a text column and an integer column or literal. Out: a text column, null when either is
//! null, the text does not parse, or `len` is longer than the input's own length (or negative).
//! It turns "which units contain this prefix" into an equality join: cut each prefix to every
//! unit length and look the result up, instead of testing every prefix against every unit
//! with `prefix_contains` (a nested-loop join).

use super::prefix_contains::parse_net;
use arrow::array::{Array, AsArray, StringBuilder};
use arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use ipnet::IpNet;
use std::fmt::Write;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PrefixTrunc {
    signature: Signature,
}

impl PrefixTrunc {
    pub fn new() -> Self {
        PrefixTrunc { signature: Signature::exact(vec![DataType::Utf8, DataType::Int64], Volatility::Immutable) }
    }
}

impl Default for PrefixTrunc {
    fn default() -> Self {
        Self::new()
    }
}

/// The prefix of length `len` containing `s`.
fn trunc(s: &str, len: i64) -> Option<IpNet> {
    let net = parse_net(s)?;
    let len = u8::try_from(len).ok().filter(|l| *l <= net.prefix_len())?;
    IpNet::new(net.addr(), len).ok().map(|n| n.trunc())
}

impl ScalarUDFImpl for PrefixTrunc {
    fn name(&self) -> &str {
        "prefix_trunc"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let [a, b] = args.args.as_slice() else {
            return exec_err!("prefix_trunc takes two arguments");
        };
        if let (ColumnarValue::Scalar(x), ColumnarValue::Scalar(y)) = (a, b) {
            let v = match (x, y) {
                (ScalarValue::Utf8(Some(s)), ScalarValue::Int64(Some(l))) => trunc(s, *l).map(|n| n.to_string()),
                _ => None,
            };
            return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(v)));
        }
        let (a, b) = (a.to_array(n)?, b.to_array(n)?);
        let (Some(a), Some(b)) = (a.as_string_opt::<i32>(), b.as_primitive_opt::<Int64Type>()) else {
            return exec_err!("prefix_trunc takes a text and an integer");
        };
        let mut out = StringBuilder::with_capacity(n, n * 16);
        for i in 0..n {
            match (!a.is_null(i) && !b.is_null(i)).then(|| trunc(a.value(i), b.value(i))).flatten() {
                Some(net) => {
                    // Written straight into the builder: no String per row.
                    let _ = write!(out, "{net}");
                    out.append_value("");
                }
                None => out.append_null(),
            }
        }
        Ok(ColumnarValue::Array(std::sync::Arc::new(out.finish())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_prefixes_and_addresses_to_a_length() {
        let t = |s: &str, l: i64| trunc(s, l).map(|n| n.to_string());
        assert_eq!(t("198.18.13.0/24", 23).as_deref(), Some("198.18.12.0/23"));
        assert_eq!(t("198.18.13.0/24", 24).as_deref(), Some("198.18.13.0/24"));
        assert_eq!(t("198.18.13.0/24", 25), None);
        assert_eq!(t("198.18.13.7", 32).as_deref(), Some("198.18.13.7/32"));
        assert_eq!(t("198.18.13.7", 0).as_deref(), Some("0.0.0.0/0"));
        assert_eq!(t("2001:db8:10:1::10", 48).as_deref(), Some("2001:db8:10::/48"));
        assert_eq!(t("2001:db8:10:1::10", -1), None);
        assert_eq!(t("junk", 8), None);
    }
}
