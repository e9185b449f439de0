//! The dnstap protobuf schema (dnstap.proto, github.com/dnstap/dnstap.pb), written by hand
//! for prost.
//!
//! In: the payload of a Frame Streams data frame. Out: [`Dnstap`]. Every field is optional
//! here (proto2 `required` included) so that a missing field is seen as missing rather than
//! as its default. Enums are kept as `i32` and named in [`super::reader`]; `Policy.type` is
//! read as bytes so that a bad UTF-8 string does not lose the whole message.

/// The top-level dnstap payload.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dnstap {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub identity: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub version: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "3")]
    pub extra: Option<Vec<u8>>,
    #[prost(message, optional, tag = "14")]
    pub message: Option<Message>,
    /// `Dnstap.Type`: 1 = MESSAGE.
    #[prost(int32, optional, tag = "15")]
    pub r#type: Option<i32>,
}

/// Operator policy applied to a message (RPZ and the like).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Policy {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub r#type: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "2")]
    pub rule: Option<Vec<u8>>,
    #[prost(int32, optional, tag = "3")]
    pub action: Option<i32>,
    #[prost(int32, optional, tag = "4")]
    pub r#match: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "5")]
    pub value: Option<Vec<u8>>,
}

/// A wire-format DNS message and its metadata.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Message {
    /// `Message.Type`: 1 AUTH_QUERY .. 14 UPDATE_RESPONSE.
    #[prost(int32, optional, tag = "1")]
    pub r#type: Option<i32>,
    /// 1 INET, 2 INET6.
    #[prost(int32, optional, tag = "2")]
    pub socket_family: Option<i32>,
    /// 1 UDP, 2 TCP, 3 DOT, 4 DOH, 5 DNSCryptUDP, 6 DNSCryptTCP, 7 DOQ.
    #[prost(int32, optional, tag = "3")]
    pub socket_protocol: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub query_address: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "5")]
    pub response_address: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "6")]
    pub query_port: Option<u32>,
    #[prost(uint32, optional, tag = "7")]
    pub response_port: Option<u32>,
    #[prost(uint64, optional, tag = "8")]
    pub query_time_sec: Option<u64>,
    #[prost(fixed32, optional, tag = "9")]
    pub query_time_nsec: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "10")]
    pub query_message: Option<Vec<u8>>,
    #[prost(bytes = "vec", optional, tag = "11")]
    pub query_zone: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "12")]
    pub response_time_sec: Option<u64>,
    #[prost(fixed32, optional, tag = "13")]
    pub response_time_nsec: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "14")]
    pub response_message: Option<Vec<u8>>,
    #[prost(message, optional, tag = "15")]
    pub policy: Option<Policy>,
    /// 1 HTTP1, 2 HTTP2, 3 HTTP3.
    #[prost(int32, optional, tag = "16")]
    pub http_protocol: Option<i32>,
}
