#![doc = include_str!("../README.md")]

pub mod client;
pub mod emulator;
mod error;

pub use client::{ClientConfig, LoginForm, PollStatus, Session, SrsClient};
pub use emulator::{EmulatorConfig, RunningEmulator, serve};
pub use error::{EmulatorError, Error};
