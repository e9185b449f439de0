//! The scenario's only source of randomness: SplitMix64, seeded from the scenario.
//!
//! In: a seed (and, for [`mix`], a tuple of keys). Out: pseudo-random numbers that are the
//! same on every machine and every run, so a scenario name always gives the same bytes.
//! Choices that must not depend on the order in which things are generated (the AS path a
//! peer uses towards an origin) go through [`mix`], a stateless hash of their keys; choices
//! made while walking the timeline use a [`SplitMix64`] stream.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for test data.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn finalize(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// A new stream derived from this one's seed and a label, so that adding draws to one
    /// part of the generator does not shift the numbers of another.
    pub fn fork(seed: u64, label: &str) -> Self {
        let mut h = seed;
        for b in label.bytes() {
            h = finalize(h ^ u64::from(b)).wrapping_add(GOLDEN);
        }
        SplitMix64::new(h)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        finalize(self.state)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift (no modulo bias worth the name).
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        debug_assert!(lo <= hi);
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A stateless hash of a tuple of keys.
pub fn mix(keys: &[u64]) -> u64 {
    let mut h = GOLDEN;
    for &k in keys {
        h = finalize(h ^ k).wrapping_add(GOLDEN);
    }
    finalize(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_known_first_value() {
        let mut a = SplitMix64::new(1234567);
        let mut b = SplitMix64::new(1234567);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        // Reference value of SplitMix64 for seed 1234567 (from the published C code).
        assert_eq!(xs[0], 6457827717110365317);
    }

    #[test]
    fn bounded_draws_stay_in_range_and_cover_it() {
        let mut r = SplitMix64::new(7);
        let mut seen = [false; 6];
        for _ in 0..1000 {
            let v = r.range(3, 8);
            assert!((3..=8).contains(&v));
            seen[(v - 3) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_ne!(mix(&[1, 2]), mix(&[2, 1]));
        assert_ne!(SplitMix64::fork(1, "a").next_u64(), SplitMix64::fork(1, "b").next_u64());
    }
}
