//! The building blocks of every warts object: a bounds-checked cursor, the flags/parameters
//! block, and the two ways an address is written.
//!
//! In: the body of one warts record (already framed and length-capped). Out: values, or a
//! [`DecodeError`] naming the field that did not fit. Nothing here allocates from a length
//! read from the file: every length is checked against the bytes actually present first.
//!
//! A flags/parameters block (warts(5)) is a run of flag bytes, 7 flags each, whose high bit
//! says another byte follows; if any flag is set, a 16-bit length of the parameters follows,
//! then the parameters of the set flags in increasing flag order. Flags this reader does not
//! know come after the ones it knows (scamper only ever appends), so reading stops at the
//! first unknown flag and skips to the end of the block, as scamper does.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an object could not be decoded; the text names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn err<T>(msg: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(msg.into()))
}

/// A read position in a byte slice.
#[derive(Debug, Clone)]
pub struct Cur<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cur { buf, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return err(format!("{what}: needs {n} bytes, {} left", self.remaining()));
        }
        let b = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.bytes(1, what)?[0])
    }

    pub fn u16(&mut self, what: &str) -> Result<u16, DecodeError> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self, what: &str) -> Result<u32, DecodeError> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A timeval: seconds and microseconds, 32 bits each.
    pub fn timeval(&mut self, what: &str) -> Result<(u32, u32), DecodeError> {
        Ok((self.u32(what)?, self.u32(what)?))
    }

    /// A NUL-terminated string (lossy UTF-8).
    pub fn string(&mut self, what: &str) -> Result<String, DecodeError> {
        let rest = &self.buf[self.pos..];
        match rest.iter().position(|&b| b == 0) {
            Some(i) => {
                self.pos += i + 1;
                Ok(String::from_utf8_lossy(&rest[..i]).into_owned())
            }
            None => err(format!("{what}: string without its terminating NUL")),
        }
    }
}

/// Most flag bytes accepted in one block (scamper's objects use at most 5).
const MAX_FLAG_BYTES: usize = 32;

/// Reads a flags/parameters block, calling `field(id, cursor)` for each set flag (1-based id)
/// in increasing order; `field` returns `Ok(false)` for an id it does not know, which ends
/// the reading of this block. Returns the flag ids that were set.
pub fn read_params<'a>(
    cur: &mut Cur<'a>,
    what: &str,
    mut field: impl FnMut(u32, &mut Cur<'a>) -> Result<bool, DecodeError>,
) -> Result<(), DecodeError> {
    let mut flags = [0u8; MAX_FLAG_BYTES];
    let mut n = 0;
    loop {
        let b = cur.u8(what)?;
        if n == MAX_FLAG_BYTES {
            return err(format!("{what}: more than {MAX_FLAG_BYTES} flag bytes"));
        }
        flags[n] = b;
        n += 1;
        if b & 0x80 == 0 {
            break;
        }
    }
    if flags[0] == 0 {
        // No parameters at all, and no length field (scamper writes a single zero byte).
        return Ok(());
    }
    let len = cur.u16(&format!("{what} parameter length"))? as usize;
    let block = cur.bytes(len, &format!("{what} parameters"))?;
    let mut p = Cur::new(block);
    'bytes: for (i, &byte) in flags[..n].iter().enumerate() {
        for bit in 0..7 {
            if byte & (1 << bit) == 0 {
                continue;
            }
            let id = (i * 7 + bit + 1) as u32;
            if !field(id, &mut p)? {
                break 'bytes;
            }
        }
    }
    Ok(())
}

/// An address as warts stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WAddr {
    Ip(IpAddr),
    /// Ethernet (3) or FireWire (4) addresses: not IP, kept only so ids stay aligned.
    Other(u8),
}

impl WAddr {
    pub fn ip(self, what: &str) -> Result<IpAddr, DecodeError> {
        match self {
            WAddr::Ip(a) => Ok(crate::traceroute::canonical(a)),
            WAddr::Other(t) => err(format!("{what}: address of type {t} where an IP address is expected")),
        }
    }
}

/// Decodes an address of warts type `ty` from `bytes`.
pub fn addr_from(ty: u8, bytes: &[u8], what: &str) -> Result<WAddr, DecodeError> {
    match (ty, bytes.len()) {
        (1, 4) => Ok(WAddr::Ip(IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])))),
        (2, 16) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(bytes);
            Ok(WAddr::Ip(IpAddr::V6(Ipv6Addr::from(a))))
        }
        (3, 6) | (4, 8) => Ok(WAddr::Other(ty)),
        (1..=4, n) => err(format!("{what}: address of type {ty} with {n} bytes")),
        _ => err(format!("{what}: unknown address type {ty}")),
    }
}

/// The addresses defined so far inside one object: a later reference by index (`0` length
/// byte, then a 32-bit id) points into this table.
#[derive(Debug, Default)]
pub struct AddrTable {
    addrs: Vec<WAddr>,
}

impl AddrTable {
    /// Reads an address that is either defined inline (length, type, bytes; added to the
    /// table) or a reference to one defined earlier in the same object.
    pub fn read(&mut self, cur: &mut Cur<'_>, what: &str) -> Result<WAddr, DecodeError> {
        let size = cur.u8(what)?;
        if size == 0 {
            let id = cur.u32(what)?;
            return match self.addrs.get(id as usize) {
                Some(a) => Ok(*a),
                None => err(format!("{what}: reference to address {id}, only {} defined", self.addrs.len())),
            };
        }
        let ty = cur.u8(what)?;
        let bytes = cur.bytes(size as usize, what)?;
        let a = addr_from(ty, bytes, what)?;
        self.addrs.push(a);
        Ok(a)
    }
}

/// Reads an address written in full (length, type, bytes) that does not enter the table
/// (scamper's `extract_addr_static`, used for a trace's `rtr`).
pub fn read_addr_static(cur: &mut Cur<'_>, what: &str) -> Result<WAddr, DecodeError> {
    let size = cur.u8(what)?;
    let ty = cur.u8(what)?;
    let bytes = cur.bytes(size as usize, what)?;
    addr_from(ty, bytes, what)
}

/// The file-wide address table of old warts files (address records, type 5), referenced by
/// 32-bit ids from the deprecated `*_GID` fields. Id 0 is the null address.
#[derive(Debug)]
pub struct GlobalAddrs {
    addrs: Vec<Option<WAddr>>,
}

/// Most file-wide addresses kept (about 400 MiB of input in old-style records).
pub const MAX_GLOBAL_ADDRS: usize = 1 << 25;

impl Default for GlobalAddrs {
    fn default() -> Self {
        GlobalAddrs { addrs: vec![None] }
    }
}

impl GlobalAddrs {
    /// Reads the body of an address record and adds it to the table. The record's id byte
    /// (the table index modulo 255) is checked; a mismatch still adds the address, so that
    /// later references stay aligned, but is reported.
    pub fn add(&mut self, body: &[u8]) -> Result<(), DecodeError> {
        if self.addrs.len() >= MAX_GLOBAL_ADDRS {
            return err(format!("address record: more than {MAX_GLOBAL_ADDRS} addresses in the file-wide table"));
        }
        let mut cur = Cur::new(body);
        let id = cur.u8("address record id")?;
        let ty = cur.u8("address record type")?;
        let a = addr_from(ty, &body[2..], "address record")?;
        let expect = (self.addrs.len() % 255) as u8;
        self.addrs.push(Some(a));
        if id != expect {
            return err(format!("address record: id byte {id}, expected {expect} (address kept)"));
        }
        Ok(())
    }

    /// Looks up a 32-bit id read from `cur`.
    pub fn read(&self, cur: &mut Cur<'_>, what: &str) -> Result<WAddr, DecodeError> {
        let id = cur.u32(what)?;
        match self.addrs.get(id as usize).copied().flatten() {
            Some(a) => Ok(a),
            None => err(format!("{what}: file-wide address id {id} not defined")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_follow_flag_order_and_stop_at_unknown_flags() {
        // flags 1 and 3 set in byte 0, byte 1 continues with flag 9 (bit 1 of byte 1).
        let mut data = vec![0x80 | 0b101, 0b10];
        let params = [0xAAu8, 0xBB, 0xCC, 0x11, 0x22];
        data.extend((params.len() as u16).to_be_bytes());
        data.extend(params);
        data.push(0x99); // after the block
        let mut cur = Cur::new(&data);
        let mut seen = Vec::new();
        read_params(&mut cur, "t", |id, c| {
            match id {
                1 => seen.push((id, u32::from(c.u8("f1")?))),
                3 => seen.push((id, u32::from(c.u16("f3")?))),
                _ => return Ok(false),
            }
            Ok(true)
        })
        .unwrap();
        assert_eq!(seen, vec![(1, 0xAA), (3, 0xBBCC)]);
        assert_eq!(cur.u8("after").unwrap(), 0x99);
        // A single zero flag byte: no length field follows.
        let mut cur = Cur::new(&[0, 7]);
        read_params(&mut cur, "t", |_, _| Ok(true)).unwrap();
        assert_eq!(cur.pos(), 1);
        // Truncated block.
        let mut cur = Cur::new(&[1, 0, 9, 1]);
        assert!(read_params(&mut cur, "t", |_, _| Ok(true)).is_err());
    }

    #[test]
    fn addresses_inline_referenced_and_bad() {
        let mut t = AddrTable::default();
        let data = [4u8, 1, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 16, 2];
        let mut cur = Cur::new(&data);
        assert_eq!(t.read(&mut cur, "a").unwrap(), WAddr::Ip("192.0.2.1".parse().unwrap()));
        assert_eq!(t.read(&mut cur, "b").unwrap(), WAddr::Ip("192.0.2.1".parse().unwrap()));
        assert!(t.read(&mut cur, "c").is_err());
        assert!(t.read(&mut cur, "d").is_err());
        let mut g = GlobalAddrs::default();
        g.add(&[1, 1, 10, 0, 0, 1]).unwrap();
        assert!(g.add(&[9, 1, 10, 0, 0, 2]).is_err());
        let ids = [0u8, 0, 0, 2];
        assert_eq!(g.read(&mut Cur::new(&ids), "x").unwrap(), WAddr::Ip("10.0.0.2".parse().unwrap()));
        assert!(g.read(&mut Cur::new(&[0, 0, 0, 0]), "x").is_err());
        assert!(g.add(&[3, 7, 1]).is_err());
    }
}
