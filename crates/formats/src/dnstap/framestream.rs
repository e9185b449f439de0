//! Frame Streams (fstrm), the container dnstap is written in.
//!
//! In: a decompressed stream. Out: one [`Frame`] at a time. A frame is a big-endian `u32`
//! length and that many bytes of data; a length of 0 is an escape, followed by a `u32` control
//! frame length and the control frame: a `u32` control type (ACCEPT 1, START 2, STOP 3,
//! READY 4, FINISH 5) and fields (`u32` field type, `u32` length, bytes; type 1 is
//! CONTENT_TYPE). A file written by a dnstap server is START (content type
//! `protobuf:dnstap.Dnstap`), data frames, STOP.
//!
//! Every length is checked against a cap before anything is allocated: control frames are at
//! most [`MAX_CONTROL_LEN`] bytes (fstrm's own limit) and data frames at most
//! [`MAX_DATA_LEN`]. A frame cut short by the end of the stream, or a length over the cap,
//! cannot be stepped over reliably: it is reported as [`Frame::Broken`] and the reader stops.

use crate::compress::Input;
use std::io::{self, Read};

/// Largest control frame (fstrm's `FSTRM_CONTROL_FRAME_LENGTH_MAX`).
pub const MAX_CONTROL_LEN: u32 = 512;
/// Largest data frame taken: a dnstap message holds at most two 64 KiB DNS messages.
pub const MAX_DATA_LEN: u32 = 1 << 20;

pub const CONTROL_ACCEPT: u32 = 1;
pub const CONTROL_START: u32 = 2;
pub const CONTROL_STOP: u32 = 3;
pub const CONTROL_READY: u32 = 4;
pub const CONTROL_FINISH: u32 = 5;
const FIELD_CONTENT_TYPE: u32 = 1;

/// One frame, or the damage that ends the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A data frame; its payload is in [`FrameReader::data`].
    Data { offset: u64, end: u64 },
    /// A well-formed control frame.
    Control { offset: u64, end: u64, kind: u32, content_types: Vec<Vec<u8>> },
    /// A control frame whose fields do not add up; the stream goes on after it.
    BadControl { offset: u64, end: u64, reason: String },
    /// A frame that cannot be read (cut short, or over the length cap); nothing after it is.
    Broken { offset: u64, end: u64, reason: String },
}

/// Reads frames from an [`Input`].
pub struct FrameReader<'a, 'b> {
    input: &'a mut Input<'b>,
    buf: Vec<u8>,
}

impl<'a, 'b> FrameReader<'a, 'b> {
    pub fn new(input: &'a mut Input<'b>) -> Self {
        FrameReader { input, buf: Vec::new() }
    }

    /// The bytes of the last frame read (data payload, or the control frame body).
    pub fn data(&self) -> &[u8] {
        &self.buf
    }

    pub fn offset(&self) -> u64 {
        self.input.offset()
    }

    /// Reads and discards the rest of the stream; returns how many bytes that was.
    pub fn drain(&mut self) -> io::Result<u64> {
        self.input.drain()
    }

    /// Reads up to `n` bytes into `self.buf` (replacing it); returns how many were read.
    fn read_n(&mut self, n: usize) -> io::Result<usize> {
        self.buf.clear();
        self.buf.reserve(n);
        let got = (&mut *self.input).take(n as u64).read_to_end(&mut self.buf)?;
        Ok(got)
    }

    fn read_u32(&mut self) -> io::Result<Option<(u32, usize)>> {
        let got = self.read_n(4)?;
        if got < 4 {
            return Ok(if got == 0 { None } else { Some((0, got)) });
        }
        Ok(Some((u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]), 4)))
    }

    /// The next frame; `Ok(None)` at the end of the stream.
    pub fn next_frame(&mut self) -> io::Result<Option<Frame>> {
        let offset = self.input.offset();
        let len = match self.read_u32()? {
            None => return Ok(None),
            Some((_, got)) if got < 4 => {
                return Ok(Some(Frame::Broken {
                    offset,
                    end: self.input.offset(),
                    reason: format!("truncated frame length: {got} of 4 bytes"),
                }));
            }
            Some((len, _)) => len,
        };
        if len != 0 {
            if len > MAX_DATA_LEN {
                return Ok(Some(Frame::Broken {
                    offset,
                    end: self.input.offset(),
                    reason: format!("data frame length {len} exceeds the cap of {MAX_DATA_LEN} bytes"),
                }));
            }
            let got = self.read_n(len as usize)?;
            let end = self.input.offset();
            if got < len as usize {
                return Ok(Some(Frame::Broken { offset, end, reason: format!("truncated data frame: {got} of {len} bytes") }));
            }
            return Ok(Some(Frame::Data { offset, end }));
        }
        let clen = match self.read_u32()? {
            Some((clen, 4)) => clen,
            Some((_, got)) => {
                return Ok(Some(Frame::Broken {
                    offset,
                    end: self.input.offset(),
                    reason: format!("truncated control frame length: {got} of 4 bytes"),
                }));
            }
            None => {
                return Ok(Some(Frame::Broken { offset, end: self.input.offset(), reason: "escape without a control frame".into() }));
            }
        };
        if clen > MAX_CONTROL_LEN {
            return Ok(Some(Frame::Broken {
                offset,
                end: self.input.offset(),
                reason: format!("control frame length {clen} exceeds the cap of {MAX_CONTROL_LEN} bytes"),
            }));
        }
        let got = self.read_n(clen as usize)?;
        let end = self.input.offset();
        if got < clen as usize {
            return Ok(Some(Frame::Broken { offset, end, reason: format!("truncated control frame: {got} of {clen} bytes") }));
        }
        Ok(Some(match parse_control(&self.buf) {
            Ok((kind, content_types)) => Frame::Control { offset, end, kind, content_types },
            Err(reason) => Frame::BadControl { offset, end, reason },
        }))
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Parses a control frame body into its type and content types.
fn parse_control(b: &[u8]) -> Result<(u32, Vec<Vec<u8>>), String> {
    let kind = be32(b, 0).ok_or_else(|| format!("control frame of {} bytes has no control type", b.len()))?;
    let mut types = Vec::new();
    let mut pos = 4usize;
    while pos < b.len() {
        let field = be32(b, pos).ok_or_else(|| format!("control field header cut at byte {pos}"))?;
        let flen = be32(b, pos + 4).ok_or_else(|| format!("control field length cut at byte {}", pos + 4))? as usize;
        let start = pos + 8;
        let stop =
            start.checked_add(flen).filter(|&s| s <= b.len()).ok_or_else(|| format!("control field of {flen} bytes overruns the frame"))?;
        if field == FIELD_CONTENT_TYPE {
            types.push(b[start..stop].to_vec());
        }
        pos = stop;
    }
    Ok((kind, types))
}

/// Whether `head` starts like a Frame Streams file: an escape and a START control frame of
/// plausible length.
pub fn looks_like_fstrm(head: &[u8]) -> bool {
    matches!((be32(head, 0), be32(head, 4), be32(head, 8)), (Some(0), Some(len), Some(CONTROL_START)) if (4..=MAX_CONTROL_LEN).contains(&len))
}

/// Writes a Frame Streams file (tests and fixtures).
#[cfg(test)]
pub(crate) fn write_fstrm(content_type: &[u8], frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut start = Vec::new();
    start.extend(CONTROL_START.to_be_bytes());
    start.extend(FIELD_CONTENT_TYPE.to_be_bytes());
    start.extend((content_type.len() as u32).to_be_bytes());
    start.extend(content_type);
    out.extend(0u32.to_be_bytes());
    out.extend((start.len() as u32).to_be_bytes());
    out.extend(start);
    for f in frames {
        out.extend((f.len() as u32).to_be_bytes());
        out.extend(f);
    }
    out.extend(0u32.to_be_bytes());
    out.extend(4u32.to_be_bytes());
    out.extend(CONTROL_STOP.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(bytes: &[u8]) -> Vec<Frame> {
        let mut input = Input::from_bytes(bytes);
        let mut r = FrameReader::new(&mut input);
        let mut out = Vec::new();
        while let Some(f) = r.next_frame().unwrap() {
            let stop = matches!(f, Frame::Broken { .. });
            out.push(f);
            if stop {
                break;
            }
        }
        out
    }

    #[test]
    fn reads_start_data_stop() {
        let file = write_fstrm(b"protobuf:dnstap.Dnstap", &[b"abc".to_vec()]);
        assert!(looks_like_fstrm(&file));
        let f = frames(&file);
        assert_eq!(f.len(), 3, "{f:?}");
        assert_eq!(
            f[0],
            Frame::Control { offset: 0, end: 42, kind: CONTROL_START, content_types: vec![b"protobuf:dnstap.Dnstap".to_vec()] }
        );
        assert_eq!(f[1], Frame::Data { offset: 42, end: 49 });
        assert_eq!(f[2], Frame::Control { offset: 49, end: 61, kind: CONTROL_STOP, content_types: vec![] });
    }

    #[test]
    fn caps_and_truncation_are_broken_frames() {
        let mut file = write_fstrm(b"x", &[b"abcdef".to_vec()]);
        file.truncate(file.len() - 12 - 3);
        let f = frames(&file);
        assert!(matches!(&f[1], Frame::Broken { reason, .. } if reason.contains("3 of 6")), "{f:?}");
        let huge = [0u8, 0, 0, 0, 0, 0, 0x10, 0];
        assert!(matches!(&frames(&huge)[0], Frame::Broken { reason, .. } if reason.contains("exceeds the cap")));
        let data = [0xffu8, 0xff, 0xff, 0xff];
        assert!(matches!(&frames(&data)[0], Frame::Broken { reason, .. } if reason.contains("exceeds the cap")));
    }

    #[test]
    fn a_bad_control_frame_does_not_stop_the_stream() {
        let mut file = vec![0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0];
        file.extend([0, 0, 0, 1, b'z']);
        let f = frames(&file);
        assert!(matches!(&f[0], Frame::BadControl { .. }), "{f:?}");
        assert_eq!(f[1], Frame::Data { offset: 18, end: 23 });
    }
}
