//! EIP-191 result signing with the operator key.
use anyhow::Result;
use ivm_contracts::alloy_primitives::Address;
use ivm_contracts::k256::ecdsa::SigningKey;

use crate::config::SecretKey;

/// Signs results as JobManager's `coprocessorOperator`. `Debug` shows only the address.
pub struct OperatorSigner {
    key: SigningKey,
    address: Address,
}

impl OperatorSigner {
    pub fn new(key: &SecretKey) -> Result<Self> {
        let key = key.signing_key().map_err(|e| anyhow::anyhow!("operator key: {e}"))?;
        let address = ivm_contracts::address_of(&key);
        Ok(OperatorSigner { key, address })
    }

    pub fn address(&self) -> Address {
        self.address
    }

    /// `personal_sign` over the encoded result: 65 bytes `r‖s‖v`, v ∈ {27, 28}.
    pub fn sign(&self, encoded_result: &[u8]) -> Result<[u8; 65]> {
        ivm_contracts::sign_eip191(&self.key, encoded_result).map_err(|e| anyhow::anyhow!("{e}"))
    }
}

impl std::fmt::Debug for OperatorSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OperatorSigner(<redacted>, address {})", self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_recoverably() {
        let key =
            SecretKey::new("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
        let signer = OperatorSigner::new(&key).unwrap();
        let sig = signer.sign(b"result").unwrap();
        assert_eq!(ivm_contracts::recover_eip191(b"result", &sig).unwrap(), signer.address());
        assert!(!format!("{signer:?}").contains("5de4111a"));
    }
}
