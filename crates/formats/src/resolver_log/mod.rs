//! resolver_log (in progress)
