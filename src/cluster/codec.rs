//! Plan codecs: Ballista's own, plus `ip_to_asn`'s routing table as a file reference.
//!
//! In: plans holding lightsout's UDFs. Out: their protobuf bytes and back. A UDF that is
//! known by name (every process registers `prefix_contains`, `prefix_trunc`, `moving_median` and
//! `moving_count`) is written as its name alone; `ip_to_asn` also writes its
//! [`RoutesFile`] (path and sha256 of the rows its table is built from), and decoding it
//! gives a UDF that builds the table from that file on first use. An `ip_to_asn` whose
//! table is only in the client's memory cannot be sent: encoding it is an error.

use crate::engine::udf::ip_to_asn::{IpToAsn, RoutesFile};
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::{TableReference, not_impl_err, plan_err};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::error::Result;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Extension, LogicalPlan, ScalarUDF};
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use std::sync::Arc;

fn encode_udf(node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
    if let Some(f) = node.inner().downcast_ref::<IpToAsn>() {
        match f.routes_file() {
            Some(file) => buf.extend(file.encode()),
            None => return plan_err!("ip_to_asn holds its routing table in this process: a cluster cannot run it"),
        }
    }
    Ok(())
}

fn decode_udf(name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
    if name == "ip_to_asn" {
        return Ok(Arc::new(ScalarUDF::from(IpToAsn::from_file(RoutesFile::decode(buf)?))));
    }
    not_impl_err!("no codec for scalar function {name}")
}

/// Ballista's logical codec, with lightsout's UDFs.
#[derive(Debug, Default)]
pub struct LogicalCodec {
    inner: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for LogicalCodec {
    fn try_decode(&self, buf: &[u8], inputs: &[LogicalPlan], ctx: &TaskContext) -> Result<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }
    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode(node, buf)
    }
    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        self.inner.try_decode_table_provider(buf, table_ref, schema, ctx)
    }
    fn try_encode_table_provider(&self, table_ref: &TableReference, node: Arc<dyn TableProvider>, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_table_provider(table_ref, node, buf)
    }
    fn try_decode_file_format(&self, buf: &[u8], ctx: &TaskContext) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }
    fn try_encode_file_format(&self, buf: &mut Vec<u8>, node: Arc<dyn FileFormatFactory>) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }
    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        decode_udf(name, buf)
    }
    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        encode_udf(node, buf)
    }
}

/// Ballista's physical codec, with lightsout's UDFs.
#[derive(Debug, Default)]
pub struct PhysicalCodec {
    inner: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for PhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.inner.try_decode(buf, inputs, ctx, proto_converter)
    }
    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        self.inner.try_encode(node, buf, proto_converter)
    }
    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        decode_udf(name, buf)
    }
    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        encode_udf(node, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::udf::ip_to_asn::RoutesKind;

    #[test]
    fn ip_to_asn_travels_as_its_file_reference() {
        let file =
            RoutesFile { kind: RoutesKind::Intervals, path: "/shared/out/.derived/r/part-0.parquet".into(), sha256: "ab".repeat(32) };
        let udf = ScalarUDF::from(IpToAsn::from_file(file.clone()));
        let mut buf = Vec::new();
        encode_udf(&udf, &mut buf).unwrap();
        let back = decode_udf("ip_to_asn", &buf).unwrap();
        assert_eq!(back.inner().downcast_ref::<IpToAsn>().unwrap().routes_file(), Some(&file));
        let in_memory = ScalarUDF::from(IpToAsn::new(Default::default()));
        assert!(encode_udf(&in_memory, &mut Vec::new()).is_err());
        let mut none = Vec::new();
        encode_udf(&crate::engine::udf::scalar_udfs()[0], &mut none).unwrap();
        assert!(none.is_empty(), "stateless UDFs travel by name");
    }
}
