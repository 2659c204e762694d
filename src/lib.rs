//! `ivm`: the toolchain for the InfinityVM coprocessor model.
//!
//! The binary is a thin layer: `cli` parses, `cmd::<command>` runs one command, and the
//! work happens in the libraries (`ivm-vm`, and the modules here that several commands
//! share: `project`, `guest_build`, `embedded`, `input`).
pub mod beacon;
pub mod cli;
pub mod cmd;
pub mod embedded;
pub mod exit;
pub mod guest_build;
pub mod input;
pub mod keys;
pub mod network;
pub mod node_client;
pub mod project;
pub mod ui;
