//! Gateway errors: gRPC status codes and InfinityVM's HTTP mapping.
use serde::{Deserialize, Serialize};

crate::enums::int_enum!(
    /// gRPC status codes.
    GrpcCode {
        Ok = 0,
        Cancelled = 1,
        Unknown = 2,
        InvalidArgument = 3,
        DeadlineExceeded = 4,
        NotFound = 5,
        AlreadyExists = 6,
        PermissionDenied = 7,
        ResourceExhausted = 8,
        FailedPrecondition = 9,
        Aborted = 10,
        OutOfRange = 11,
        Unimplemented = 12,
        Internal = 13,
        Unavailable = 14,
        DataLoss = 15,
        Unauthenticated = 16,
    }
);

impl GrpcCode {
    /// The HTTP status InfinityVM's gateway answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            GrpcCode::Ok => 200,
            GrpcCode::Internal => 400,
            GrpcCode::Unauthenticated => 401,
            GrpcCode::PermissionDenied => 403,
            GrpcCode::Unimplemented => 404,
            GrpcCode::Unavailable => 503,
            GrpcCode::Unknown => 500,
            _ => 409,
        }
    }
}

/// The error body: `{"message": "...", "grpc_code": 3}` (note the snake_case key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub message: String,
    pub grpc_code: i32,
}

impl ApiError {
    pub fn new(code: GrpcCode, message: impl Into<String>) -> Self {
        ApiError { message: message.into(), grpc_code: code as i32 }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        ApiError::new(GrpcCode::InvalidArgument, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(GrpcCode::NotFound, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(GrpcCode::Internal, message)
    }

    /// The HTTP status to answer with (unknown codes map like InfinityVM's default, 409).
    pub fn http_status(&self) -> u16 {
        GrpcCode::try_from(self.grpc_code).map_or(409, GrpcCode::http_status)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (gRPC code {})", self.message, self.grpc_code)
    }
}

impl std::error::Error for ApiError {}
