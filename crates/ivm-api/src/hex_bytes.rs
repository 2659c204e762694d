//! Serde for byte fields the gateway writes as lowercase hex without `0x`. Reading accepts
//! an optional `0x` prefix and either case.
use serde::{de::Error, Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(&s);
    hex::decode(digits).map_err(|e| D::Error::custom(format!("invalid hex string: {e}")))
}
