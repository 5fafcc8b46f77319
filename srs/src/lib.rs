#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;

#[cfg(feature = "client")]
pub use client::{
    ClientConfig, LoginForm, PollStatus, ReloginReason, Session, SessionChange, SrsClient,
};
#[cfg(feature = "emulator")]
pub use emulator::{EmulatorConfig, RunningEmulator, serve};
#[cfg(feature = "emulator")]
pub use error::EmulatorError;
#[cfg(feature = "client")]
pub use error::{Error, LogoutError};
