//! `prefix_contains(outer, inner) -> boolean`: whether prefix or address `inner` lies within
//! prefix `outer` (both text, IPv4 or IPv6; an address is a /32 or /128).
//!
//! In: two text columns or literals. Out: a boolean column, null when either side is null or
//! does not parse. Used to match routes and measurements to an entity's address space.

use arrow::array::{Array, BooleanArray, StringArray};
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};
use ipnet::IpNet;
use std::net::IpAddr;

/// Parses `1.2.3.0/24`, `2001:db8::/32` or a bare address.
pub fn parse_net(s: &str) -> Option<IpNet> {
    if let Ok(n) = s.parse::<IpNet>() {
        return Some(n.trunc());
    }
    s.parse::<IpAddr>().ok().map(IpNet::from)
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PrefixContains {
    signature: Signature,
}

impl PrefixContains {
    pub fn new() -> Self {
        PrefixContains { signature: Signature::exact(vec![DataType::Utf8, DataType::Utf8], Volatility::Immutable) }
    }
}

impl Default for PrefixContains {
    fn default() -> Self {
        Self::new()
    }
}

fn contains(outer: Option<&str>, inner: Option<&str>) -> Option<bool> {
    let (o, i) = (parse_net(outer?)?, parse_net(inner?)?);
    Some(o.contains(&i))
}

impl ScalarUDFImpl for PrefixContains {
    fn name(&self) -> &str {
        "prefix_contains"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let [a, b] = args.args.as_slice() else {
            return exec_err!("prefix_contains takes two arguments");
        };
        if let (ColumnarValue::Scalar(x), ColumnarValue::Scalar(y)) = (a, b) {
            let v = contains(scalar_str(x), scalar_str(y));
            return Ok(ColumnarValue::Scalar(ScalarValue::Boolean(v)));
        }
        let a = a.to_array(n)?;
        let b = b.to_array(n)?;
        let (Some(a), Some(b)) = (a.as_any().downcast_ref::<StringArray>(), b.as_any().downcast_ref::<StringArray>()) else {
            return exec_err!("prefix_contains takes text arguments");
        };
        // A constant outer prefix (the common case) is parsed once.
        let out: BooleanArray =
            (0..n).map(|i| contains((!a.is_null(i)).then(|| a.value(i)), (!b.is_null(i)).then(|| b.value(i)))).collect();
        Ok(ColumnarValue::Array(std::sync::Arc::new(out)))
    }
}

fn scalar_str(v: &ScalarValue) -> Option<&str> {
    match v {
        ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s) => s.as_deref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_of_prefixes_and_addresses() {
        assert_eq!(contains(Some("198.18.12.0/23"), Some("198.18.13.0/24")), Some(true));
        assert_eq!(contains(Some("198.18.12.0/23"), Some("198.18.12.10")), Some(true));
        assert_eq!(contains(Some("198.18.12.0/23"), Some("198.18.0.0/16")), Some(false));
        assert_eq!(contains(Some("2001:db8:10::/48"), Some("2001:db8:10:1::10")), Some(true));
        assert_eq!(contains(Some("2001:db8:10::/48"), Some("198.18.12.10")), Some(false));
        assert_eq!(contains(Some("junk"), Some("198.18.12.10")), None);
        assert_eq!(contains(None, Some("198.18.12.10")), None);
    }
}
