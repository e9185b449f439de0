//! zeek (in progress)
