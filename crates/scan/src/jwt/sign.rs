//! HMAC signing (HS256/384/512) with the `hmac` crate.

use super::JwtError;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};

/// The HMAC-SHA2 JWS algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HmacAlg {
    Hs256,
    Hs384,
    Hs512,
}

impl HmacAlg {
    pub const ALL: [HmacAlg; 3] = [HmacAlg::Hs256, HmacAlg::Hs384, HmacAlg::Hs512];

    /// The JWS `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            HmacAlg::Hs256 => "HS256",
            HmacAlg::Hs384 => "HS384",
            HmacAlg::Hs512 => "HS512",
        }
    }

    /// Length of the MAC in bytes.
    pub fn mac_len(self) -> usize {
        match self {
            HmacAlg::Hs256 => 32,
            HmacAlg::Hs384 => 48,
            HmacAlg::Hs512 => 64,
        }
    }
}

/// HMAC of `message` under `secret`.
pub fn hmac_sign(alg: HmacAlg, secret: &[u8], message: &[u8]) -> Result<Vec<u8>, JwtError> {
    fn mac<M: Mac + hmac::digest::KeyInit>(
        secret: &[u8],
        message: &[u8],
    ) -> Result<Vec<u8>, JwtError> {
        let mut m = <M as Mac>::new_from_slice(secret).map_err(|_| JwtError::Key)?;
        m.update(message);
        Ok(m.finalize().into_bytes().to_vec())
    }
    match alg {
        HmacAlg::Hs256 => mac::<Hmac<Sha256>>(secret, message),
        HmacAlg::Hs384 => mac::<Hmac<Sha384>>(secret, message),
        HmacAlg::Hs512 => mac::<Hmac<Sha512>>(secret, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// RFC 4231 test case 2 (key "Jefe").
    #[test]
    fn rfc4231_case_2() {
        let msg = b"what do ya want for nothing?";
        let h256 = hmac_sign(HmacAlg::Hs256, b"Jefe", msg).expect("mac");
        assert_eq!(
            to_hex(&h256),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let h384 = hmac_sign(HmacAlg::Hs384, b"Jefe", msg).expect("mac");
        assert!(to_hex(&h384).starts_with("af45d2e376484031617f78d2b58a6b1b"));
        let h512 = hmac_sign(HmacAlg::Hs512, b"Jefe", msg).expect("mac");
        assert!(to_hex(&h512).starts_with("164b7a7bfcf819e2e395fbe73b56e0a3"));
    }
}
