//! Offline cracking of HS256/384/512 secrets against a wordlist, on every core.
//!
//! HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). Per candidate the hot loop runs
//! only the compressions HMAC needs: one for the key's ipad block, the pre-padded
//! message blocks (padded once per token, not once per guess), one for the opad block
//! and one for the outer digest block; no allocation, no hasher state to copy. It
//! calls `sha2::compress256`/`compress512` directly, which use the CPU's SHA
//! extensions where present. The result is checked against the `hmac` crate in tests.

use super::{Alg, HmacAlg, Token};
use rayon::prelude::*;
use sha2::digest::generic_array::GenericArray;
use sha2::digest::typenum::{U128, U64};
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::fmt;
use std::sync::OnceLock;

type Block64 = GenericArray<u8, U64>;
type Block128 = GenericArray<u8, U128>;

const IV256: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const IV384: [u64; 8] = [
    0xcbbb9d5dc1059ed8,
    0x629a292a367cd507,
    0x9159015a3070dd17,
    0x152fecd8f70e5939,
    0x67332667ffc00b31,
    0x8eb44a8768581511,
    0xdb0c2e0d64f98fa7,
    0x47b5481dbefa4fa4,
];
const IV512: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// Candidate secrets packed in one buffer (no allocation per guess).
#[derive(Clone, Default)]
pub struct Candidates {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl fmt::Debug for Candidates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Candidates({})", self.len())
    }
}

impl Candidates {
    pub fn new() -> Self {
        Candidates::default()
    }

    pub fn push(&mut self, candidate: &[u8]) {
        self.data.extend_from_slice(candidate);
        self.ends.push(self.data.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    #[cfg_attr(not(feature = "testkit"), allow(dead_code))]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }
}

impl<S: AsRef<str>> FromIterator<S> for Candidates {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut c = Candidates::new();
        for s in iter {
            c.push(s.as_ref().as_bytes());
        }
        c
    }
}

/// The built-in list of common JWT secrets (one per line, `#` comments), shipped in
/// the binary.
const WORDLIST: &str = include_str!("wordlist.txt");

/// Suffixes and case changes tried on every word of the built-in list.
const SUFFIXES: &[&str] = &[
    "", "1", "12", "123", "1234", "!", "2023", "2024", "2025", "2026",
];

/// The built-in wordlist with its variants (as is, Capitalised, UPPER, each with the
/// common suffixes), built once.
pub fn builtin_wordlist() -> &'static Candidates {
    static LIST: OnceLock<Candidates> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut seen = std::collections::HashSet::new();
        let mut out = Candidates::new();
        for word in WORDLIST.lines().map(str::trim) {
            if word.is_empty() || word.starts_with('#') {
                continue;
            }
            for base in [
                word.to_string(),
                capitalise(word),
                word.to_ascii_uppercase(),
            ] {
                for suffix in SUFFIXES {
                    let c = format!("{base}{suffix}");
                    if seen.insert(c.clone()) {
                        out.push(c.as_bytes());
                    }
                }
            }
        }
        out
    })
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A secret that reproduces a token's signature.
#[derive(Clone, PartialEq, Eq)]
pub struct Cracked {
    pub alg: HmacAlg,
    pub secret: Vec<u8>,
}

impl fmt::Debug for Cracked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Cracked({}, {} bytes)",
            self.alg.name(),
            self.secret.len()
        )
    }
}

impl Cracked {
    /// The secret as text (lossy), for the finding: a cracked weak secret is the
    /// finding itself.
    pub fn secret_text(&self) -> String {
        String::from_utf8_lossy(&self.secret).into_owned()
    }
}

/// One token's signature to match, with the message padded once.
#[derive(Clone)]
pub enum HmacJob {
    Sha256 {
        msg: Vec<Block64>,
        target: [u32; 8],
    },
    Sha512 {
        alg: HmacAlg,
        msg: Vec<Block128>,
        target: [u64; 8],
    },
}

impl fmt::Debug for HmacJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HmacJob({})", self.alg().name())
    }
}

impl HmacJob {
    /// The job for an HS256/384/512 token; `None` for other algorithms or a signature
    /// of the wrong length.
    pub fn for_token(token: &Token) -> Option<HmacJob> {
        let Alg::Hmac(alg) = token.alg() else {
            return None;
        };
        let sig = token.signature().ok()?;
        HmacJob::new(alg, token.signing_input().as_bytes(), &sig)
    }

    /// The job for `mac = HMAC-alg(?, message)`.
    pub fn new(alg: HmacAlg, message: &[u8], mac: &[u8]) -> Option<HmacJob> {
        if mac.len() != alg.mac_len() {
            return None;
        }
        Some(match alg {
            HmacAlg::Hs256 => HmacJob::Sha256 {
                msg: pad64(message),
                target: words32(mac),
            },
            HmacAlg::Hs384 | HmacAlg::Hs512 => HmacJob::Sha512 {
                alg,
                msg: pad128(message),
                target: words64(mac),
            },
        })
    }

    pub fn alg(&self) -> HmacAlg {
        match self {
            HmacJob::Sha256 { .. } => HmacAlg::Hs256,
            HmacJob::Sha512 { alg, .. } => *alg,
        }
    }

    /// Whether `key` produces the signature.
    pub fn test(&self, key: &[u8]) -> bool {
        match self {
            HmacJob::Sha256 { msg, target } => test256(msg, target, key),
            HmacJob::Sha512 { alg, msg, target } => test512(*alg, msg, target, key),
        }
    }

    /// The first candidate that produces the signature, searched on every core.
    pub fn search(&self, candidates: &Candidates) -> Option<usize> {
        (0..candidates.len())
            .into_par_iter()
            .with_min_len(256)
            .find_any(|&i| self.test(candidates.get(i)))
    }
}

/// Cracks `token` against `candidates`.
pub fn crack(token: &Token, candidates: &Candidates) -> Option<Cracked> {
    let job = HmacJob::for_token(token)?;
    let i = job.search(candidates)?;
    Some(Cracked {
        alg: job.alg(),
        secret: candidates.get(i).to_vec(),
    })
}

/// Cracks `token` against guesses derived from its own claims (issuer, audience, key
/// id: `myapp`, `myapp-secret`, …), the built-in wordlist, then the generated short
/// numbers and dates ([`generated_count`]). Results are remembered per token for the
/// process, so the checks that need the same token's secret crack it once. CPU-bound
/// (about a second per token in an optimised build): async callers use
/// [`crack_builtin_blocking`].
pub fn crack_builtin(token: &Token) -> Option<Cracked> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    type Slot = Arc<OnceLock<Option<Cracked>>>;
    static MEMO: OnceLock<Mutex<HashMap<[u8; 32], Slot>>> = OnceLock::new();
    const MAX_REMEMBERED: usize = 256;
    let key: [u8; 32] = Sha256::digest(token.expose().as_bytes()).into();
    let memo = MEMO.get_or_init(|| Mutex::new(HashMap::new()));
    // One slot per token: a caller that arrives while another cracks the same token
    // waits for its result instead of cracking it again.
    let slot: Slot = match memo.lock() {
        Ok(mut m) => {
            if m.len() >= MAX_REMEMBERED && !m.contains_key(&key) {
                m.clear();
            }
            Arc::clone(m.entry(key).or_default())
        }
        Err(_) => Arc::new(OnceLock::new()),
    };
    slot.get_or_init(|| crack_listed(token).or_else(|| crack_generated(token)))
        .clone()
}

/// [`crack_builtin`] on the blocking thread pool, so the scan's other requests keep
/// flowing while the cores crack.
pub async fn crack_builtin_blocking(token: &Token) -> Option<Cracked> {
    let t = token.clone();
    tokio::task::spawn_blocking(move || crack_builtin(&t))
        .await
        .ok()
        .flatten()
}

/// Cracks `token` against guesses derived from its claims and the built-in wordlist
/// (a few thousand candidates: milliseconds).
pub fn crack_listed(token: &Token) -> Option<Cracked> {
    let derived: Candidates = derived_guesses(token).into_iter().collect();
    crack(token, &derived).or_else(|| crack(token, builtin_wordlist()))
}

/// First and last year of the generated date-like secrets.
const FIRST_YEAR: u32 = 1970;
const LAST_YEAR: u32 = 2035;
/// Date layouts tried: `YYYYMMDD`, `YYYY-MM-DD`, `DDMMYYYY`.
const DATE_LAYOUTS: u32 = 3;
const DATE_COUNT: usize = ((LAST_YEAR - FIRST_YEAR + 1) * 12 * 31 * DATE_LAYOUTS) as usize;
/// Digit strings of 1 to 6 digits, leading zeros included (PIN-like secrets).
const MAX_DIGITS: u32 = 6;
const DIGIT_COUNT: usize = 1_111_110; // 10 + 100 + ... + 10^6

/// How many secrets are generated rather than listed: every date from 1970 to 2035
/// in three layouts (day 1–31 of every month, so a few impossible dates too) and
/// every digit string of 1 to 6 digits.
pub fn generated_count() -> usize {
    DATE_COUNT + DIGIT_COUNT
}

/// The generated secret number `i` (< [`generated_count`]) written into `buf`;
/// returns its length. Dates first, then digit strings, shortest first.
pub fn generated(i: usize, buf: &mut [u8; 16]) -> usize {
    if i < DATE_COUNT {
        let i = i as u32;
        let layout = i % DATE_LAYOUTS;
        let rest = i / DATE_LAYOUTS;
        let day = rest % 31 + 1;
        let month = (rest / 31) % 12 + 1;
        let year = FIRST_YEAR + rest / (31 * 12);
        let mut w = Writer { buf, len: 0 };
        match layout {
            0 => {
                w.num(year, 4);
                w.num(month, 2);
                w.num(day, 2);
            }
            1 => {
                w.num(year, 4);
                w.byte(b'-');
                w.num(month, 2);
                w.byte(b'-');
                w.num(day, 2);
            }
            _ => {
                w.num(day, 2);
                w.num(month, 2);
                w.num(year, 4);
            }
        }
        return w.len;
    }
    let mut rest = (i - DATE_COUNT).min(DIGIT_COUNT - 1) as u32;
    let mut digits = 1;
    let mut span = 10u32;
    while rest >= span && digits < MAX_DIGITS {
        rest -= span;
        digits += 1;
        span *= 10;
    }
    let mut w = Writer { buf, len: 0 };
    w.num(rest, digits);
    w.len
}

struct Writer<'a> {
    buf: &'a mut [u8; 16],
    len: usize,
}

impl Writer<'_> {
    fn byte(&mut self, b: u8) {
        if self.len < self.buf.len() {
            self.buf[self.len] = b;
            self.len += 1;
        }
    }

    /// `n` in decimal, zero-padded to `width` digits.
    fn num(&mut self, n: u32, width: u32) {
        for k in (0..width).rev() {
            let d = (n / 10u32.pow(k)) % 10;
            self.byte(b'0' + d as u8);
        }
    }
}

/// Cracks `token` against the generated short numbers and dates, on every core.
pub fn crack_generated(token: &Token) -> Option<Cracked> {
    let job = HmacJob::for_token(token)?;
    let i = (0..generated_count())
        .into_par_iter()
        .with_min_len(4096)
        .find_any(|&i| {
            let mut buf = [0u8; 16];
            let len = generated(i, &mut buf);
            job.test(&buf[..len])
        })?;
    let mut buf = [0u8; 16];
    let len = generated(i, &mut buf);
    Some(Cracked {
        alg: job.alg(),
        secret: buf[..len].to_vec(),
    })
}

fn derived_guesses(token: &Token) -> Vec<String> {
    let mut words = Vec::new();
    let values = ["iss", "aud"]
        .iter()
        .filter_map(|k| token.claims().get(*k))
        .chain(token.header().get("kid"));
    for v in values {
        let texts: Vec<&str> = match v {
            serde_json::Value::String(s) => vec![s.as_str()],
            serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
            _ => Vec::new(),
        };
        for t in texts.into_iter().filter(|t| t.len() <= 64) {
            for suffix in [
                "",
                "-secret",
                "_secret",
                "secret",
                "-key",
                "_key",
                "-jwt",
                "-jwt-secret",
            ] {
                words.push(format!("{t}{suffix}"));
            }
        }
    }
    words
}

/// The key block: the key, or its digest when longer than the block, zero-padded.
fn key_block<const N: usize, D: Digest>(key: &[u8]) -> [u8; N] {
    let mut k = [0u8; N];
    if key.len() > N {
        let d = D::digest(key);
        k[..d.len()].copy_from_slice(&d);
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    k
}

fn test256(msg: &[Block64], target: &[u32; 8], key: &[u8]) -> bool {
    let k: [u8; 64] = key_block::<64, Sha256>(key);
    let mut ipad = Block64::default();
    let mut opad = Block64::default();
    for i in 0..64 {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    let mut inner = IV256;
    sha2::compress256(&mut inner, std::slice::from_ref(&ipad));
    sha2::compress256(&mut inner, msg);
    let mut outer = IV256;
    sha2::compress256(&mut outer, std::slice::from_ref(&opad));
    let mut last = Block64::default();
    for (i, w) in inner.iter().enumerate() {
        last[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
    }
    last[32] = 0x80;
    last[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
    sha2::compress256(&mut outer, std::slice::from_ref(&last));
    outer == *target
}

fn test512(alg: HmacAlg, msg: &[Block128], target: &[u64; 8], key: &[u8]) -> bool {
    let (iv, words) = match alg {
        HmacAlg::Hs384 => (IV384, 6),
        _ => (IV512, 8),
    };
    let k: [u8; 128] = match alg {
        HmacAlg::Hs384 => key_block::<128, Sha384>(key),
        _ => key_block::<128, Sha512>(key),
    };
    let mut ipad = Block128::default();
    let mut opad = Block128::default();
    for i in 0..128 {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    let mut inner = iv;
    sha2::compress512(&mut inner, std::slice::from_ref(&ipad));
    sha2::compress512(&mut inner, msg);
    let mut outer = iv;
    sha2::compress512(&mut outer, std::slice::from_ref(&opad));
    let mut last = Block128::default();
    for (i, w) in inner.iter().take(words).enumerate() {
        last[8 * i..8 * i + 8].copy_from_slice(&w.to_be_bytes());
    }
    let dlen = 8 * words;
    last[dlen] = 0x80;
    last[112..].copy_from_slice(&((128u128 + dlen as u128) * 8).to_be_bytes());
    sha2::compress512(&mut outer, std::slice::from_ref(&last));
    outer[..words] == target[..words]
}

/// `message` padded as the tail of a SHA-256 input that starts with one 64-byte block.
fn pad64(message: &[u8]) -> Vec<Block64> {
    let bits = ((64 + message.len()) as u64) * 8;
    let mut buf = message.to_vec();
    buf.push(0x80);
    while buf.len() % 64 != 56 {
        buf.push(0);
    }
    buf.extend_from_slice(&bits.to_be_bytes());
    buf.chunks_exact(64)
        .map(Block64::clone_from_slice)
        .collect()
}

/// `message` padded as the tail of a SHA-512 input that starts with one 128-byte block.
fn pad128(message: &[u8]) -> Vec<Block128> {
    let bits = ((128 + message.len()) as u128) * 8;
    let mut buf = message.to_vec();
    buf.push(0x80);
    while buf.len() % 128 != 112 {
        buf.push(0);
    }
    buf.extend_from_slice(&bits.to_be_bytes());
    buf.chunks_exact(128)
        .map(Block128::clone_from_slice)
        .collect()
}

fn words32(mac: &[u8]) -> [u32; 8] {
    let mut w = [0u32; 8];
    for (i, c) in mac.chunks_exact(4).take(8).enumerate() {
        w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    }
    w
}

fn words64(mac: &[u8]) -> [u64; 8] {
    let mut w = [0u64; 8];
    for (i, c) in mac.chunks_exact(8).take(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        w[i] = u64::from_be_bytes(b);
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::{forge, hmac_sign, Signer};
    use serde_json::json;

    fn token(alg: HmacAlg, secret: &[u8], claims: serde_json::Value) -> Token {
        let s = Signer::hmac(alg, secret);
        let t = forge(&json!({"alg": alg.name(), "typ": "JWT"}), &claims, &s).expect("forge");
        Token::parse(&t).expect("parse")
    }

    #[test]
    fn job_agrees_with_the_hmac_crate_for_every_length() {
        for alg in HmacAlg::ALL {
            // Message lengths across block boundaries; keys short, block-sized and long.
            for len in [0usize, 1, 55, 56, 63, 64, 111, 112, 127, 128, 200, 300] {
                let msg: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                for key in [&b"k"[..], &[7u8; 64][..], &[9u8; 128][..], &[3u8; 200][..]] {
                    let mac = hmac_sign(alg, key, &msg).expect("mac");
                    let job = HmacJob::new(alg, &msg, &mac).expect("job");
                    assert!(job.test(key), "{alg:?} len {len} key {}", key.len());
                    assert!(!job.test(b"wrong"), "{alg:?} len {len}");
                }
            }
        }
    }

    #[test]
    fn cracks_weak_secrets_of_each_alg() {
        for alg in HmacAlg::ALL {
            let t = token(alg, b"secret", json!({"sub": "2", "role": "user"}));
            let c = crack_builtin(&t).expect("cracked");
            assert_eq!(c.secret, b"secret");
            assert_eq!(c.alg, alg);
        }
        let t = token(HmacAlg::Hs256, b"Changeme123", json!({"sub": "1"}));
        assert_eq!(crack_builtin(&t).expect("variant").secret, b"Changeme123");
    }

    #[test]
    fn derived_guesses_come_from_the_issuer() {
        let t = token(
            HmacAlg::Hs256,
            b"acme-shop-secret",
            json!({"iss": "acme-shop", "sub": "1"}),
        );
        assert_eq!(
            crack_builtin(&t).expect("cracked").secret,
            b"acme-shop-secret"
        );
    }

    #[test]
    fn generated_secrets_cover_numbers_and_dates() {
        let all: std::collections::HashSet<String> = (0..generated_count())
            .map(|i| {
                let mut b = [0u8; 16];
                let n = generated(i, &mut b);
                String::from_utf8(b[..n].to_vec()).expect("ascii")
            })
            .collect();
        assert_eq!(all.len(), generated_count(), "no duplicates");
        for s in [
            "0",
            "9",
            "00",
            "42",
            "1234",
            "000000",
            "999999",
            "20240614",
            "1970-01-01",
            "2035-12-31",
            "14062024",
            "31121999",
        ] {
            assert!(all.contains(s), "{s}");
        }
        for s in ["1234567", "19691231", "20360101", "2024/06/14", ""] {
            assert!(!all.contains(s), "{s}");
        }
    }

    #[test]
    #[allow(clippy::print_stdout)]
    fn cracks_numeric_and_date_secrets_and_prints_the_time() {
        for (alg, secret) in [
            (HmacAlg::Hs256, &b"20240614"[..]),
            (HmacAlg::Hs256, b"2031-02-28"),
            (HmacAlg::Hs384, b"13081986"),
            (HmacAlg::Hs512, b"007"),
        ] {
            let t = token(alg, secret, json!({"sub": "9"}));
            assert_eq!(crack_builtin(&t).expect("cracked").secret, secret);
        }
        // The cost of the generated candidates: a token none of them signs is tried
        // against all of them. Printed, not asserted (machines differ).
        for alg in HmacAlg::ALL {
            let t = token(alg, &[0x5A; 32], json!({"sub": "1"}));
            let start = std::time::Instant::now();
            assert!(crack_generated(&t).is_none());
            println!(
                "{}: {} generated candidates in {:?} on {} threads",
                alg.name(),
                generated_count(),
                start.elapsed(),
                rayon::current_num_threads()
            );
        }
    }

    #[test]
    fn strong_secret_is_not_cracked() {
        let t = token(HmacAlg::Hs512, &[0xA5; 64], json!({"sub": "1"}));
        assert!(crack_builtin(&t).is_none());
        let none = Token::parse("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.").expect("parse");
        assert!(crack_builtin(&none).is_none());
    }

    #[test]
    fn wordlist_is_a_few_thousand_unique_candidates() {
        let w = builtin_wordlist();
        assert!(w.len() > 3_000, "{}", w.len());
        assert_eq!(w.get(0), b"secret");
        let c: Candidates = ["a", "", "bc"].into_iter().collect();
        assert_eq!(
            (c.get(0), c.get(1), c.get(2)),
            (&b"a"[..], &b""[..], &b"bc"[..])
        );
    }
}
