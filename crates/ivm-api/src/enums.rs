//! The gateway's integer enums.
use thiserror::Error;

/// An integer that is not a value of the named enum.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[error("{value} is not a valid {name}")]
pub struct UnknownEnumValue {
    pub name: &'static str,
    pub value: i32,
}

macro_rules! int_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:expr),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum $name { $($(#[$vmeta])* $variant = $value),+ }

        impl TryFrom<i32> for $name {
            type Error = $crate::UnknownEnumValue;
            fn try_from(value: i32) -> Result<Self, $crate::UnknownEnumValue> {
                match value {
                    $($value => Ok($name::$variant),)+
                    _ => Err($crate::UnknownEnumValue { name: stringify!($name), value }),
                }
            }
        }

        impl From<$name> for i32 {
            fn from(v: $name) -> i32 { v as i32 }
        }
    };
}
pub(crate) use int_enum;

int_enum!(
    /// Where a job is in its life.
    JobStatusType {
        Unspecified = 0,
        Pending = 1,
        /// Executed, not yet relayed.
        Done = 2,
        Failed = 3,
        Relayed = 4,
    }
);

int_enum!(
    /// How the relayer orders a consumer's results.
    RelayStrategy {
        /// Relay as soon as done.
        Unordered = 0,
        /// Relay strictly in nonce order per consumer.
        Ordered = 1,
    }
);

int_enum!(
    /// The zkVM a program runs on. InfinityVM defines `Sp1 = 0` (and, before its PR #351,
    /// `Risc0 = 0, Sp1 = 1`); ivm's Jolt RV32IM programs take 2 so that neither the current
    /// nor the legacy numbering can mistake them for another VM.
    VmType {
        Sp1 = 0,
        JoltRv32im = 2,
    }
);
