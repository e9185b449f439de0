//! A fast decoder for one bzip2 block, used by [`crate::bzip2_parallel`].
//!
//! In: the bits of one block, from its 48-bit magic (0x314159265359) on. Out: the block's
//! bytes, checked against the block's CRC, or an error saying what is wrong (the caller then
//! hands the block to libbzip2, whose verdict stands).
//!
//! It decodes what libbzip2 decodes, by the same steps (Huffman symbols, move-to-front and
//! zero runs, inverse Burrows-Wheeler transform, the initial run-length coding), made faster in
//! two places:
//! - Huffman symbols are read through a lookup table of the next [`LOOKUP_BITS`] bits instead
//!   of bit by bit from the shortest code length up.
//! - The inverse BWT follows the block's cycle from several places at once. Following it is a
//!   chain of dependent loads from a 3.6 MB table, one cache miss per byte, each waiting for
//!   the last. The cycle is cut at up to [`PIECES`] marked places spread over the table;
//!   [`LANES`] lanes each follow a piece until it reaches a mark and then take the next, all
//!   lanes in turn, so that their misses overlap; then the pieces are joined in the order
//!   their marks link them. A block whose permutation is not one cycle (a periodic block) is
//!   followed from its start as usual.
//!
//! Randomised blocks (written by bzip2 0.9.0 and not since) are refused: libbzip2 reads them.

/// Bits looked up at once when decoding a Huffman symbol; longer codes (up to 20 bits) take
/// a slower path.
const LOOKUP_BITS: u32 = 10;
/// Pieces the inverse BWT's cycle is cut into (at most), and lanes that follow them at once.
const PIECES: usize = 512;
const LANES: usize = 16;
/// bzip2's largest block (level 9), in bytes before the initial run-length decoding.
pub const MAX_BLOCK: usize = 900_000;
const MAX_GROUPS: usize = 6;
const MAX_ALPHA: usize = 258;
const MAX_CODE_LEN: u32 = 20;
const GROUP_SIZE: usize = 50;
/// libbzip2 reads at most this many selectors and ignores the rest.
const MAX_SELECTORS: usize = 18_002;
const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
/// Marks a table entry where a piece of the cycle starts.
const MARK: u32 = 1 << 31;
const INDEX_MASK: u32 = (1 << 20) - 1;

/// What made the fast decoder give up on a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bzip2 block: {0}")]
pub struct BlockError(&'static str);

/// Reads bits most significant first from a byte slice; bits past the end read as zero and
/// are counted, so that the caller can tell a block that ran off its end.
struct Bits<'a> {
    src: &'a [u8],
    /// Next byte of `src` to load into `buf`.
    next: usize,
    /// Unread bits, left-aligned.
    buf: u64,
    avail: u32,
    /// Bits consumed so far.
    used: u64,
}

impl<'a> Bits<'a> {
    fn new(src: &'a [u8]) -> Self {
        let mut b = Bits { src, next: 0, buf: 0, avail: 0, used: 0 };
        b.refill();
        b
    }

    /// Makes at least 56 bits available.
    #[inline(always)]
    fn refill(&mut self) {
        if self.avail >= 56 {
            return;
        }
        if let Some(w) = self.src.get(self.next..self.next + 8) {
            let w = u64::from_be_bytes(w.try_into().unwrap_or([0; 8]));
            self.buf |= w >> self.avail;
            let whole = (63 - self.avail) / 8;
            self.next += whole as usize;
            self.avail += whole * 8;
        } else {
            while self.avail <= 56 {
                let b = self.src.get(self.next).copied().unwrap_or(0);
                self.buf |= (b as u64) << (56 - self.avail);
                self.next += 1;
                self.avail += 8;
            }
        }
    }

    /// The next `n` bits (1..=32) without consuming them; needs a [`Self::refill`] first.
    #[inline(always)]
    fn peek(&self, n: u32) -> u32 {
        (self.buf >> (64 - n)) as u32
    }

    #[inline(always)]
    fn skip(&mut self, n: u32) {
        self.buf <<= n;
        self.avail -= n;
        self.used += n as u64;
    }

    /// Reads `n` bits (1..=32).
    #[inline(always)]
    fn get(&mut self, n: u32) -> u32 {
        self.refill();
        let v = self.peek(n);
        self.skip(n);
        v
    }

    fn bit(&mut self) -> bool {
        self.get(1) == 1
    }
}

/// One Huffman table: a lookup by the next [`LOOKUP_BITS`] bits, and canonical code ranges for
/// longer codes.
struct Table {
    /// `symbol << 5 | length`, or 0 where the bits start a longer code (or no code).
    lookup: [u16; 1 << LOOKUP_BITS],
    /// Per length: first code, number of codes, index of its first symbol in `sorted`.
    first: [u32; MAX_CODE_LEN as usize + 2],
    count: [u32; MAX_CODE_LEN as usize + 2],
    offset: [u32; MAX_CODE_LEN as usize + 2],
    sorted: [u16; MAX_ALPHA],
    max_len: u32,
}

impl Table {
    fn new() -> Self {
        Table {
            lookup: [0; 1 << LOOKUP_BITS],
            first: [0; MAX_CODE_LEN as usize + 2],
            count: [0; MAX_CODE_LEN as usize + 2],
            offset: [0; MAX_CODE_LEN as usize + 2],
            sorted: [0; MAX_ALPHA],
            max_len: 0,
        }
    }

    /// Builds the canonical code of `lens` (as bzip2 assigns it: by length, then symbol).
    fn build(&mut self, lens: &[u8]) -> Result<(), BlockError> {
        self.count = [0; MAX_CODE_LEN as usize + 2];
        for &l in lens {
            self.count[l as usize] += 1;
        }
        let mut code = 0u32;
        let mut idx = 0u32;
        self.max_len = 0;
        for len in 1..=MAX_CODE_LEN as usize {
            self.first[len] = code;
            self.offset[len] = idx;
            code += self.count[len];
            idx += self.count[len];
            if code > 1 << len {
                return Err(BlockError("over-subscribed Huffman code"));
            }
            if self.count[len] > 0 {
                self.max_len = len as u32;
            }
            code <<= 1;
        }
        let mut next = self.offset;
        for (sym, &l) in lens.iter().enumerate() {
            let l = l as usize;
            self.sorted[next[l] as usize] = sym as u16;
            next[l] += 1;
        }
        self.lookup = [0; 1 << LOOKUP_BITS];
        for len in 1..=(LOOKUP_BITS as usize).min(self.max_len as usize) {
            for k in 0..self.count[len] {
                let code = self.first[len] + k;
                let sym = self.sorted[(self.offset[len] + k) as usize];
                let shift = LOOKUP_BITS - len as u32;
                let from = (code << shift) as usize;
                let entry = sym << 5 | len as u16;
                self.lookup[from..from + (1 << shift)].fill(entry);
            }
        }
        Ok(())
    }

    /// Decodes one symbol (the reader must hold at least 20 bits).
    #[inline(always)]
    fn decode(&self, bits: &mut Bits) -> Result<u16, BlockError> {
        let e = self.lookup[bits.peek(LOOKUP_BITS) as usize];
        if e != 0 {
            bits.skip((e & 31) as u32);
            return Ok(e >> 5);
        }
        self.decode_long(bits)
    }

    #[cold]
    fn decode_long(&self, bits: &mut Bits) -> Result<u16, BlockError> {
        for len in LOOKUP_BITS + 1..=self.max_len {
            let v = bits.peek(len);
            let l = len as usize;
            if v.wrapping_sub(self.first[l]) < self.count[l] {
                bits.skip(len);
                return Ok(self.sorted[(self.offset[l] + v - self.first[l]) as usize]);
            }
        }
        Err(BlockError("bits that are no Huffman code"))
    }
}

/// Buffers reused from block to block on one thread.
pub struct BlockDecoder {
    tables: Vec<Table>,
    /// The block's bytes (low 8 bits) and, once linked, the inverse BWT's next index. A 4 MiB
    /// table read at random: the lightsout binary's allocator (mimalloc) keeps it on
    /// transparent huge pages; an mmap of its own advised for them measured no better.
    tt: Vec<u32>,
    /// Where pieces of the cycle start (sorted), the pieces, and the order that joins them.
    starts: Vec<usize>,
    pieces: Vec<Piece>,
    order: Vec<usize>,
    /// The lanes' output regions, and the pieces joined in order.
    lanes: Vec<u8>,
    joined: Vec<u8>,
    /// Blocks followed one step at a time because their pieces did not join (tests).
    single_walks: u64,
}

impl Default for BlockDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl BlockDecoder {
    pub fn new() -> Self {
        BlockDecoder {
            tables: (0..MAX_GROUPS).map(|_| Table::new()).collect(),
            tt: vec![0; 1 << 20],
            starts: Vec::new(),
            pieces: Vec::new(),
            order: Vec::new(),
            lanes: Vec::new(),
            joined: Vec::new(),
            single_walks: 0,
        }
    }

    /// Decodes the block whose magic starts at bit 0 of `src`, appending its bytes to `out`.
    /// Returns the bits it took (magic included), which are never more than `nbits`.
    pub fn decode(&mut self, src: &[u8], nbits: u64, out: &mut Vec<u8>) -> Result<u64, BlockError> {
        let mut bits = Bits::new(src);
        let magic = ((bits.get(24) as u64) << 24) | bits.get(24) as u64;
        if magic != BLOCK_MAGIC {
            return Err(BlockError("no block magic"));
        }
        let want_crc = bits.get(32);
        if bits.bit() {
            return Err(BlockError("randomised block"));
        }
        let orig_ptr = bits.get(24) as usize;

        // Symbols in use: 16 ranges of 16 bytes.
        let ranges = bits.get(16);
        let mut seq_to_byte = [0u8; 256];
        let mut n_in_use = 0usize;
        for r in 0..16 {
            if ranges & (0x8000 >> r) != 0 {
                let used = bits.get(16);
                for k in 0..16 {
                    if used & (0x8000 >> k) != 0 {
                        seq_to_byte[n_in_use] = (r * 16 + k) as u8;
                        n_in_use += 1;
                    }
                }
            }
        }
        if n_in_use == 0 {
            return Err(BlockError("no symbols in use"));
        }
        let alpha = n_in_use + 2;

        let n_groups = bits.get(3) as usize;
        if !(2..=MAX_GROUPS).contains(&n_groups) {
            return Err(BlockError("bad number of Huffman tables"));
        }
        let n_selectors = bits.get(15) as usize;
        if n_selectors == 0 {
            return Err(BlockError("no selectors"));
        }
        let mut group_mtf: [u8; MAX_GROUPS] = [0, 1, 2, 3, 4, 5];
        let mut selectors = Vec::with_capacity(n_selectors.min(MAX_SELECTORS));
        for i in 0..n_selectors {
            let mut j = 0usize;
            while bits.bit() {
                j += 1;
                if j >= n_groups {
                    return Err(BlockError("bad selector"));
                }
            }
            if i < MAX_SELECTORS {
                let g = group_mtf[j];
                group_mtf.copy_within(0..j, 1);
                group_mtf[0] = g;
                selectors.push(g);
            }
        }

        let mut lens = [0u8; MAX_ALPHA];
        for t in 0..n_groups {
            let mut cur = bits.get(5) as i32;
            for len in lens.iter_mut().take(alpha) {
                loop {
                    if !(1..=MAX_CODE_LEN as i32).contains(&cur) {
                        return Err(BlockError("bad Huffman code length"));
                    }
                    if !bits.bit() {
                        break;
                    }
                    cur += if bits.bit() { -1 } else { 1 };
                }
                *len = cur as u8;
            }
            self.tables[t].build(&lens[..alpha])?;
        }

        // Huffman symbols -> zero runs and move-to-front -> the block's bytes, into `tt`.
        let eob = (n_in_use + 1) as u16;
        let mut mtf = seq_to_byte;
        let mut counts = [0u32; 256];
        let mut n = 0usize;
        let mut run = 0usize;
        let mut run_weight = 1usize;
        let mut group_left = 0usize;
        let mut sel = 0usize;
        let mut table = &self.tables[0];
        let tt = &mut self.tt[..];
        loop {
            if group_left == 0 {
                let Some(&g) = selectors.get(sel) else {
                    return Err(BlockError("more symbols than selectors"));
                };
                sel += 1;
                table = &self.tables[g as usize];
                group_left = GROUP_SIZE;
            }
            group_left -= 1;
            bits.refill();
            let sym = table.decode(&mut bits)?;
            if sym <= 1 {
                // RUNA (1) and RUNB (2) digits of a run of the front byte, in bijective base 2.
                run += run_weight << sym;
                run_weight <<= 1;
                if run > MAX_BLOCK {
                    return Err(BlockError("run longer than a block"));
                }
                continue;
            }
            if run > 0 {
                if n + run > MAX_BLOCK {
                    return Err(BlockError("block longer than 900000 bytes"));
                }
                let b = mtf[0];
                counts[b as usize] += run as u32;
                tt[n..n + run].fill(b as u32);
                n += run;
                run = 0;
                run_weight = 1;
            }
            if sym == eob {
                break;
            }
            if sym > eob {
                return Err(BlockError("symbol beyond the alphabet"));
            }
            if n >= MAX_BLOCK {
                return Err(BlockError("block longer than 900000 bytes"));
            }
            let i = (sym - 1) as usize;
            let b = move_to_front(&mut mtf, i);
            counts[b as usize] += 1;
            tt[n] = b as u32;
            n += 1;
        }
        if bits.used > nbits {
            return Err(BlockError("block runs past its end"));
        }
        if orig_ptr >= n {
            return Err(BlockError("start pointer outside the block"));
        }

        // Inverse BWT: link each position to the next one of the original text.
        let mut cf = [0u32; 256];
        let mut sum = 0u32;
        for (c, &k) in cf.iter_mut().zip(counts.iter()) {
            *c = sum;
            sum += k;
        }
        // Link each entry of the sorted column to the next position of the text (libbzip2's
        // fast layout: the byte in the low 8 bits, the link above it).
        for i in 0..n {
            let b = (tt[i] & 0xff) as usize;
            let at = cf[b] as usize;
            tt[at & INDEX_MASK as usize] |= (i as u32) << 8;
            cf[b] += 1;
        }
        let start = ((tt[orig_ptr] >> 8) & INDEX_MASK) as usize;
        let out_start = out.len();
        if !self.follow_pieces(start, n, out) {
            out.truncate(out_start);
            self.single_walks += 1;
            follow_one(&self.tt, start, n, out);
        }

        let got = crc32(&out[out_start..]);
        if got != want_crc {
            out.truncate(out_start);
            return Err(BlockError("CRC mismatch"));
        }
        Ok(bits.used)
    }

    /// Follows the cycle from `start` in pieces and undoes the run-length coding into `out`;
    /// false (and nothing trustworthy in `out`) if the pieces do not join into one cycle of
    /// `n` steps.
    ///
    /// The table is marked at up to [`PIECES`] places (the start among them). [`LANES`] lanes
    /// step in turn, each along its own piece until it meets a mark, then takes the next piece
    /// not yet followed. Each lane writes its pieces one after another into its own region of
    /// `lanes`; a piece is remembered as (lane, offset, length, the mark it ended at).
    fn follow_pieces(&mut self, start: usize, n: usize, out: &mut Vec<u8>) -> bool {
        let tt = &mut self.tt[..];
        // Piece starts: the cycle's start, then places spread over the table.
        let starts = &mut self.starts;
        starts.clear();
        starts.push(start);
        let want = PIECES.min(n);
        starts.extend((1..want).map(|k| k * n / want));
        starts.sort_unstable();
        starts.dedup();
        for &s in starts.iter() {
            tt[s] |= MARK;
        }
        let m = starts.len();
        // Lockstep lanes write about n / LANES bytes each, plus at most a piece.
        let cap = n / LANES + n / 8 + 4096;
        if self.lanes.len() < cap * LANES {
            self.lanes.resize(cap * LANES, 0);
        }
        let lanes = &mut self.lanes[..cap * LANES];
        let pieces = &mut self.pieces;
        pieces.clear();
        pieces.resize(m, Piece::default());

        let mut pos = [0usize; LANES];
        let mut at = [0usize; LANES];
        let mut piece = [usize::MAX; LANES];
        let mut next = 0usize;
        let mut busy = 0usize;
        let mut overflow = false;
        // Begins piece `p` on lane `k`: its first step passes its own mark.
        let begin = |k: usize, p: usize, pos: &mut [usize; LANES], at: &mut [usize; LANES], lanes: &mut [u8], pieces: &mut [Piece]| {
            let s = starts[p];
            let e = tt[s & INDEX_MASK as usize];
            pieces[p] = Piece { lane: k as u32, offset: at[k] as u32, len: 1, end: 0 };
            lanes[k * cap + at[k]] = e as u8;
            at[k] += 1;
            pos[k] = ((e >> 8) & INDEX_MASK) as usize;
        };
        for (k, lane_piece) in piece.iter_mut().enumerate().take(m) {
            begin(k, next, &mut pos, &mut at, lanes, pieces);
            *lane_piece = next;
            next += 1;
            busy += 1;
        }
        'steps: while busy > 0 {
            for k in 0..LANES {
                let p = piece[k];
                if p == usize::MAX {
                    continue;
                }
                let e = tt[pos[k] & INDEX_MASK as usize];
                if e & MARK != 0 {
                    let done = &mut pieces[p];
                    done.len = at[k] as u32 - done.offset;
                    done.end = pos[k] as u32;
                    if next < m {
                        if at[k] + 1 > cap {
                            overflow = true;
                            break 'steps;
                        }
                        begin(k, next, &mut pos, &mut at, lanes, pieces);
                        piece[k] = next;
                        next += 1;
                    } else {
                        piece[k] = usize::MAX;
                        busy -= 1;
                    }
                    continue;
                }
                let w = at[k];
                if w >= cap {
                    overflow = true;
                    break 'steps;
                }
                lanes[k * cap + w] = e as u8;
                at[k] = w + 1;
                pos[k] = ((e >> 8) & INDEX_MASK) as usize;
            }
        }
        for &s in starts.iter() {
            tt[s] &= !MARK;
        }
        if overflow {
            return false;
        }
        // Join the pieces from the one at the start; they must close one cycle of n steps.
        let Ok(first) = starts.binary_search(&start) else { return false };
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        let mut p = first;
        let mut total = 0usize;
        loop {
            order.push(p);
            total += pieces[p].len as usize;
            let Ok(q) = starts.binary_search(&(pieces[p].end as usize)) else {
                self.order = order;
                return false;
            };
            if q == first {
                break;
            }
            if order.len() == m {
                self.order = order;
                return false;
            }
            p = q;
        }
        let ok = total == n;
        if ok {
            let joined = &mut self.joined;
            joined.clear();
            for &p in &order {
                let pc = pieces[p];
                let from = pc.lane as usize * cap + pc.offset as usize;
                joined.extend_from_slice(&lanes[from..from + pc.len as usize]);
            }
            unrle1(joined, out);
        }
        self.order = order;
        ok
    }
}

/// A piece of the inverse BWT's cycle, as one lane wrote it.
#[derive(Clone, Copy, Default)]
struct Piece {
    lane: u32,
    offset: u32,
    len: u32,
    /// The marked table index the piece ran into: where the next piece starts.
    end: u32,
}

/// Moves `mtf[i]` to the front and returns it. Most indices are small: those move within the
/// first 16 bytes as one 128-bit word (a shift and two masks) instead of a call to memmove.
#[inline(always)]
fn move_to_front(mtf: &mut [u8; 256], i: usize) -> u8 {
    let b = mtf[i];
    if i < 16 {
        let mut head = [0u8; 16];
        head.copy_from_slice(&mtf[..16]);
        let w = u128::from_le_bytes(head);
        // Bytes above i stay; bytes 1..=i take bytes 0..i; byte 0 takes b.
        let keep = if i == 15 { 0 } else { !0u128 << ((i + 1) * 8) };
        let moved = (w & keep) | ((w << 8) & !keep & !0xff) | b as u128;
        mtf[..16].copy_from_slice(&moved.to_le_bytes());
    } else {
        mtf.copy_within(0..i, 1);
        mtf[0] = b;
    }
    b
}

/// Follows the cycle from `start` for `n` bytes, one step at a time (libbzip2's way), and
/// undoes the run-length coding into `out`.
fn follow_one(tt: &[u32], start: usize, n: usize, out: &mut Vec<u8>) {
    let mut piece = Vec::with_capacity(n);
    let mut p = start;
    for _ in 0..n {
        let e = tt[p & INDEX_MASK as usize];
        piece.push(e as u8);
        p = ((e >> 8) & INDEX_MASK) as usize;
    }
    unrle1(&piece, out);
}

/// Undoes the initial run-length coding: four equal bytes are followed by a count (0..=255)
/// of more. Bytes between runs are copied in spans.
fn unrle1(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(input.len() + input.len() / 2);
    let n = input.len();
    let mut span = 0;
    let mut i = 0;
    while i + 3 < n {
        let b = input[i];
        // A run of four starts at i only if the next three bytes equal it; otherwise it can
        // start no earlier than the first byte that differs.
        if input[i + 1] != b {
            i += 1;
        } else if input[i + 2] != b {
            i += 2;
        } else if input[i + 3] != b {
            i += 3;
        } else {
            out.extend_from_slice(&input[span..i + 4]);
            match input.get(i + 4) {
                Some(&count) => {
                    out.resize(out.len() + count as usize, b);
                    i += 5;
                }
                None => i += 4,
            }
            span = i;
        }
    }
    out.extend_from_slice(&input[span.min(n)..]);
}

/// bzip2's CRC-32 (polynomial 0x04C11DB7, most significant bit first), eight bytes at a time.
pub fn crc32(data: &[u8]) -> u32 {
    let t = &*CRC_TABLES;
    let mut crc = !0u32;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let a = crc ^ u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        let b = u32::from_be_bytes([c[4], c[5], c[6], c[7]]);
        crc = t[7][(a >> 24) as usize]
            ^ t[6][((a >> 16) & 0xff) as usize]
            ^ t[5][((a >> 8) & 0xff) as usize]
            ^ t[4][(a & 0xff) as usize]
            ^ t[3][(b >> 24) as usize]
            ^ t[2][((b >> 16) & 0xff) as usize]
            ^ t[1][((b >> 8) & 0xff) as usize]
            ^ t[0][(b & 0xff) as usize];
    }
    for &b in chunks.remainder() {
        crc = (crc << 8) ^ t[0][((crc >> 24) ^ b as u32) as usize];
    }
    !crc
}

static CRC_TABLES: std::sync::LazyLock<[[u32; 256]; 8]> = std::sync::LazyLock::new(|| {
    let mut t = [[0u32; 256]; 8];
    for (i, entry) in t[0].iter_mut().enumerate() {
        let mut c = (i as u32) << 24;
        for _ in 0..8 {
            c = if c & 0x8000_0000 != 0 { (c << 1) ^ 0x04C1_1DB7 } else { c << 1 };
        }
        *entry = c;
    }
    for k in 1..8 {
        for i in 0..256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev << 8) ^ t[0][(prev >> 24) as usize];
        }
    }
    t
});

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// `data` compressed by libbzip2 at `level` (shared with `bzip2_parallel`'s tests).
    pub(crate) fn bz(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn crc_bytewise(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= (b as u32) << 24;
            for _ in 0..8 {
                crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04C1_1DB7 } else { crc << 1 };
            }
        }
        !crc
    }

    #[test]
    fn move_to_front_matches_a_plain_rotation() {
        for i in 0..256 {
            let mut a: [u8; 256] = std::array::from_fn(|k| (k * 7 + 3) as u8);
            let mut b = a;
            let got = move_to_front(&mut a, i);
            b[..=i].rotate_right(1);
            assert_eq!(got, b[0], "index {i}");
            assert_eq!(a, b, "index {i}");
        }
    }

    #[test]
    fn crc_matches_the_bit_by_bit_definition() {
        // CRC-32/BZIP2 check value.
        assert_eq!(crc32(b"123456789"), 0xFC89_1918);
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
        for len in [0, 1, 7, 8, 9, 63, 1000] {
            assert_eq!(crc32(&data[..len]), crc_bytewise(&data[..len]), "length {len}");
        }
    }

    /// The run-length decoding one byte at a time, as libbzip2 does it.
    fn unrle1_bytewise(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut last, mut same) = (256u16, 0);
        for &b in input {
            if same == 4 {
                out.extend(std::iter::repeat_n(last as u8, b as usize));
                (last, same) = (256, 0);
                continue;
            }
            out.push(b);
            if b as u16 == last {
                same += 1;
            } else {
                (last, same) = (b as u16, 1);
            }
        }
        out
    }

    #[test]
    fn run_length_decoding_matches_the_bytewise_one() {
        let mut x = 99u64;
        for len in [0, 1, 3, 4, 5, 6, 9, 100, 5000] {
            for alphabet in [1u64, 2, 3, 256] {
                let input: Vec<u8> = (0..len)
                    .map(|_| {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        ((x >> 33) % alphabet) as u8
                    })
                    .collect();
                let mut out = Vec::new();
                unrle1(&input, &mut out);
                assert_eq!(out, unrle1_bytewise(&input), "length {len}, alphabet {alphabet}");
            }
        }
    }

    /// Decodes a one-block stream (header of 4 bytes, so the block starts at bit 32).
    fn decode_single(file: &[u8]) -> Result<Vec<u8>, BlockError> {
        let body = &file[4..];
        let mut out = Vec::new();
        BlockDecoder::new().decode(body, body.len() as u64 * 8, &mut out)?;
        Ok(out)
    }

    #[test]
    fn decodes_what_bzip2_wrote() {
        let mut x = 1u64;
        let text: Vec<u8> = (0..200_000)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                if i % 5 == 0 { (x >> 60) as u8 } else { b"MRT routes "[(i / 3) % 11] }
            })
            .collect();
        for data in [&text[..], b"a", b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", b"abababababababababab", &[0u8; 100_000][..], b"hello world"] {
            let file = bz(data, 9);
            assert_eq!(decode_single(&file).unwrap(), data, "{} bytes", data.len());
        }
    }

    #[test]
    fn a_periodic_block_is_followed_in_one_walk_and_others_in_pieces() {
        let mut d = BlockDecoder::new();
        for (data, walks) in
            [(b"abcabcabcabc".repeat(10_000), 1), ((0..120_000u32).map(|i| (i.wrapping_mul(i) / 7 % 253) as u8).collect(), 0)]
        {
            let body = &bz(&data, 9)[4..];
            let mut out = Vec::new();
            let before = d.single_walks;
            d.decode(body, body.len() as u64 * 8, &mut out).unwrap();
            assert_eq!(out, data);
            assert_eq!(d.single_walks - before, walks);
        }
    }

    #[test]
    fn a_flipped_bit_is_an_error_not_a_panic() {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8 ^ (i / 1000) as u8).collect();
        let file = bz(&data, 9);
        for bit in (40 * 8..file.len() * 8).step_by(97) {
            let mut bad = file.clone();
            bad[bit / 8] ^= 0x80 >> (bit % 8);
            if let Ok(out) = decode_single(&bad) {
                // A flip in bits the decoder never reads (the padding after the block).
                assert_eq!(out, data);
            }
        }
    }
}
