//! Clients for the forges' REST APIs: GitHub and GitLab.
//!
//! Owns: talking HTTP to the endpoints shipgate needs, with typed request
//! and response structs, retries and a time bound ([`http`]). Used by the
//! publishers (`publish`) and by gates that need the forge (approvals).
//! Not for: deciding what to post.
//!
//! Why not octocrab/gitlab crates: publishers run once, after the verdict,
//! one call after another; a blocking client (ureq, rustls with one crypto
//! provider) needs no async runtime and builds in a fraction of the time.

pub mod approvals;
pub mod github;
pub mod gitlab;
pub mod http;

pub use http::{Api, ApiError, AuthScheme, Clock, ManualClock, RetryPolicy, SystemClock};
